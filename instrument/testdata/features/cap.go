// cap sends into a buffered channel before anyone receives: with --cap c=0
// it deadlocks.
package main

import "fmt"

func main() {
	c := make(chan int, 1)
	c <- 1
	fmt.Println(<-c)
}
