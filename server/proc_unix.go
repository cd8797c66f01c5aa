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
	cmd.SysProcAttr.Setpgid = true
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
