package server

import (
	"bufio"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The pipe a child writes its frames to holds 1 MiB, the most Linux lets
// anyone ask for and 16 times what it gives, so that the child does not
// wait for a server slowed by a busy browser.
func TestChildFramesPipeIsGrown(t *testing.T) {
	s, _ := newTestServer(t, testLimits())
	c := warmUp(t, s.runner)
	f, ok := c.out.(*os.File)
	require.True(t, ok, "the child's stdout is a pipe")
	rc, err := f.SyscallConn()
	require.NoError(t, err)
	var size uintptr
	var errno syscall.Errno
	require.NoError(t, rc.Control(func(fd uintptr) {
		size, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, fGetPipeSize, 0)
	}))
	require.Zero(t, errno)
	assert.EqualValues(t, 1<<20, size)
}

// fGetPipeSize is fcntl's F_GETPIPE_SZ.
const fGetPipeSize = 1032

// A server killed outright (SIGKILL, the OOM killer) takes its children with
// it: a child that spins without a sync point would otherwise spin on for
// good, and a signal to the server's process reaches only the server.
func TestChildrenDieWithAKilledServer(t *testing.T) {
	marker := "CONCVIZ_ORPHAN_MARK=" + rand.Text()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), orphanServerEnv+"=1", marker, "GORACE=atexit_sleep_ms=0")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	killed := false
	t.Cleanup(func() {
		if !killed {
			cmd.Process.Kill()
		}
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "running\n", line)
	require.Eventually(t, func() bool { return len(marked(marker, cmd.Process.Pid)) > 0 }, 10*time.Second, 10*time.Millisecond, "the run's child starts")

	require.NoError(t, cmd.Process.Kill())
	killed = true
	cmd.Wait()
	assert.Eventually(t, func() bool { return len(marked(marker, cmd.Process.Pid)) == 0 }, 10*time.Second, 10*time.Millisecond,
		"no child of the killed server lives on")
	for _, pid := range marked(marker, cmd.Process.Pid) {
		syscall.Kill(pid, syscall.SIGKILL) // a failed test leaves nothing spinning
	}
}

// marked returns the live processes, other than server, whose environment
// holds marker (a zombie's environment cannot be read: it has none).
func marked(marker string, server int) []int {
	paths, _ := filepath.Glob("/proc/[0-9]*/environ")
	var pids []int
	for _, p := range paths {
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err != nil || pid == server {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		for _, kv := range strings.Split(string(b), "\x00") {
			if kv == marker {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}
