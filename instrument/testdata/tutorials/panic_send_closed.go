// compare: exact
// category: panics
//
// Sending on a closed channel panics.
package main

import "fmt"

func main() {
	ch := make(chan int, 1)
	close(ch)
	fmt.Println("closed")
	ch <- 1
}
