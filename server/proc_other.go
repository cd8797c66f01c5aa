//go:build !unix

package server

import "os/exec"

// killGroup kills only cmd itself where there are no process groups.
func killGroup(*exec.Cmd) {}
