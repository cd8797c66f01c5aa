// compare: exact
// category: panics
//
// Closing a channel twice panics; the deferred print still runs.
package main

import "fmt"

func main() {
	defer fmt.Println("deferred print")
	ch := make(chan struct{})
	close(ch)
	close(ch)
}
