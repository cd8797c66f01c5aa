// compare: exact
// category: semaphores
//
// A buffered channel as a counting semaphore: at most two downloads run at
// once, however many goroutines are started.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	sem := make(chan struct{}, 2)
	var inFlight, maxInFlight atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			n := inFlight.Add(1)
			for {
				m := maxInFlight.Load()
				if n <= m || maxInFlight.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(10 * time.Millisecond)
			inFlight.Add(-1)
		}()
	}
	wg.Wait()
	fmt.Println("max in flight:", maxInFlight.Load())
	fmt.Println("semaphore free again:", len(sem) == 0)
}
