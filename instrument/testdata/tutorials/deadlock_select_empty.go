// compare: exact
// category: deadlocks
//
// An empty select blocks forever; once the only other goroutine has
// finished, Go reports a deadlock.
package main

import "fmt"

func main() {
	done := make(chan struct{})
	go func() {
		fmt.Println("background work")
		close(done)
	}()
	<-done
	select {}
}
