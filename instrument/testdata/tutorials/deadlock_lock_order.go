// compare: exact
// category: deadlocks
//
// Two goroutines take two mutexes in opposite orders and meet halfway; main
// waits for them on a WaitGroup.
package main

import (
	"fmt"
	"sync"
)

func main() {
	var a, b sync.Mutex
	var wg sync.WaitGroup
	aHeld := make(chan struct{})
	bHeld := make(chan struct{})
	wg.Add(2)
	go func() {
		defer wg.Done()
		a.Lock()
		close(aHeld)
		<-bHeld
		b.Lock()
		fmt.Println("first got both")
	}()
	go func() {
		defer wg.Done()
		b.Lock()
		close(bHeld)
		<-aHeld
		a.Lock()
		fmt.Println("second got both")
	}()
	wg.Wait()
}
