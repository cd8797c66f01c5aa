//go:build unix

package server

import (
	"os/exec"
	"syscall"
)

// killGroup makes cmd a process group of its own, killed whole when cmd's
// context ends: a build's child runs go build, whose compiler and linker
// would otherwise outlive it.
func killGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// A session's leader already leads a group of its own, and may not
	// join another (setpgid would fail the start).
	cmd.SysProcAttr.Setpgid = !cmd.SysProcAttr.Setsid
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
