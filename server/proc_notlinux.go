//go:build !linux

package server

import (
	"os"
	"os/exec"
)

// growPipe leaves a pipe as the system makes it.
func growPipe(*os.File) {}

// ownSession leaves cmd in the server's session where the kernel schedules
// threads, not sessions, and a parent's death cannot be made to kill it.
func ownSession(*exec.Cmd) {}
