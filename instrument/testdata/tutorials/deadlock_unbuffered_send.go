// compare: exact
// category: deadlocks
//
// The classic beginner's mistake: sending on an unbuffered channel with the
// receiver on the same goroutine.
package main

import "fmt"

func main() {
	ch := make(chan string)
	ch <- "hello"
	fmt.Println(<-ch)
}
