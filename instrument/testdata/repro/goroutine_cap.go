// compare: exact
// category: issue 16 point 5
// runs: once
//
// More than 100,000 goroutines alive at once, each blocked on a read lock
// held until all have started (a reader benchmark in miniature).
package main

import (
	"fmt"
	"sync"
)

func main() {
	const n = 120_000
	var rw sync.RWMutex
	var started, done sync.WaitGroup
	rw.Lock()
	started.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			started.Done()
			rw.RLock()
			rw.RUnlock()
			done.Done()
		}()
	}
	started.Wait()
	rw.Unlock()
	done.Wait()
	fmt.Println("readers done:", n)
}
