// compare: exact
// category: runtime
//
// runtime.NumGoroutine counts main plus every goroutine started and not yet
// finished; goroutines blocked on a channel still count.
package main

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Println("at start:", runtime.NumGoroutine())
	gate := make(chan struct{})
	ready := make(chan struct{})
	for i := 0; i < 3; i++ {
		go func() {
			ready <- struct{}{}
			<-gate
		}()
	}
	for i := 0; i < 3; i++ {
		<-ready
	}
	fmt.Println("with three blocked:", runtime.NumGoroutine())
	runtime.Gosched()
	fmt.Println("GOMAXPROCS(0) > 0:", runtime.GOMAXPROCS(0) > 0)
	close(gate)
}
