//go:build !linux

package server

import (
	"os"
	"os/exec"
)

// growPipe leaves a pipe as the system makes it.
func growPipe(*os.File) {}

// dieWithServer does nothing where a parent's death cannot be made to
// kill its child: a child left behind ends when it next writes its frames
// to the closed pipe, or, spinning, when someone kills it.
func dieWithServer(*exec.Cmd) {}
