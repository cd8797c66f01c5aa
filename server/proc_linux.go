package server

import (
	"os"
	"os/exec"
	"syscall"
)

// ownSession starts cmd's process as the leader of a session of its own,
// killed when the server dies.
//
// Linux schedules each session as one group (autogroup, on by default):
// threads in one session share that session's CPU. A child left in the
// server's session shares it with everything started from the same
// terminal, a browser too, and there gets one thread's share among the
// browser's many. Beside a page loading in such a browser, on two cores,
// the 1,001-goroutine benchmark run took 375 and 409 ms from its request to
// its end in the server's session, 321 and 347 ms in its own (medians of
// six loads, alternating; 130 ms alone).
//
// Out of the server's session the child no longer gets the terminal's
// SIGINT and SIGHUP. The server kills its children when it shuts down, and
// Pdeathsig kills them when it dies any other way: a child that spins
// without a sync point would otherwise run on with no one to stop it. The
// signal comes when the thread that started the child ends, and the Go
// runtime ends a thread only under a goroutine that exits locked to it,
// which the server has none of.
func ownSession(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setsid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

// framePipeSize is how many bytes of frames a child may write ahead of the
// server's reading (about 26,000 events), where Linux gives a pipe 64 KiB
// and lets anyone ask for up to 1 MiB. The server reads beside the page
// that shows the run, and a busy browser slows its reading: with 64 KiB the
// child waits on a full pipe. The benchmark run of ownSession's comment,
// in its own session, took 213 and 272 ms with 1 MiB, 321 and 347 with
// 64 KiB.
const framePipeSize = 1 << 20

// growPipe makes the pipe f reads framePipeSize long, or leaves it as it
// is if the system refuses: only speed depends on it.
func growPipe(f *os.File) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		syscall.Syscall(syscall.SYS_FCNTL, fd, fSetPipeSize, framePipeSize)
	})
}

// fSetPipeSize is fcntl's F_SETPIPE_SZ (fcntl(2)), which package syscall
// does not name.
const fSetPipeSize = 1031
