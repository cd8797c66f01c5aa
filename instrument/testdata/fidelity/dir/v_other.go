//go:build !linux && !windows

package main

var v = "other"
