package server

import (
	"os"
	"os/exec"
	"syscall"
)

// dieWithServer has the kernel kill cmd's process when the server dies.
// The server kills its children when it shuts down; a server killed
// outright (SIGKILL, the OOM killer) could not, and a child that spins
// without a sync point, which only the server's wall-clock limit stops,
// would spin on for good. The signal comes when the thread that started
// the child ends, and the Go runtime ends a thread only under a goroutine
// that exits locked to it, which the server has none of.
func dieWithServer(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

// framePipeSize is how many bytes of frames a child may write ahead of the
// server's reading (about 75,000 events of the benchmark run at 14 bytes
// an event; 27,000 when events were rows of 38 bytes, as they were when
// the figures below were measured), where Linux gives a pipe 64 KiB and
// lets anyone ask for up to 1 MiB. The server reads beside the page
// that shows the run, and a busy browser slows its reading: with 64 KiB
// the child waits on a full pipe. Beside a page loading on two cores, the
// 1,001-goroutine benchmark run took 347 and 353 ms from its request to its
// end with 1 MiB, 414 and 381 ms with 64 KiB (medians of six loads,
// alternating; 130 ms alone), and the page of the million-event run drew
// its first frame sooner (491-536 ms against 566-656, three loads each).
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
