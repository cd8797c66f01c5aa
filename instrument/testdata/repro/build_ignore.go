//go:build ignore

// compare: exact
// category: issue 16 point 1
//
// go run/go build of a file named on the command line builds it whatever
// its build constraint says.
package main

import "fmt"

func main() { fmt.Println("hi") }
