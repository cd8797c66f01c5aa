// Program build_plus is kept out of ordinary builds by an old-style
// constraint after its doc comment; go run of the file builds it anyway.

//go:build ignore
// +build ignore

package main

import "fmt"

func main() { fmt.Println("plus build") }
