//go:build windows && !linux

package main

import "fmt"

func main() { fmt.Println("named for another system") }
