// compare: lines-any-order
// category: sync
//
// Goroutines wait on a sync.Cond until a shared flag is set; Broadcast wakes
// them all, in an order the scheduler picks. Each arrival broadcasts too:
// a Signal could wake another runner instead of main, and all would wait.
package main

import (
	"fmt"
	"sync"
)

func main() {
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	ready := false
	waiting := 0
	var wg sync.WaitGroup
	for i := 1; i <= 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			waiting++
			cond.Broadcast()
			for !ready {
				cond.Wait()
			}
			mu.Unlock()
			fmt.Println("runner", i, "go!")
		}()
	}
	mu.Lock()
	for waiting < 3 {
		cond.Wait()
	}
	ready = true
	cond.Broadcast()
	mu.Unlock()
	wg.Wait()
}
