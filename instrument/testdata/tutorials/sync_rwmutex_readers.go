// compare: exact
// category: mutexes
//
// Readers hold an RWMutex's read lock together; a writer waits for all of
// them. The number of readers seen inside together shows the sharing.
package main

import (
	"fmt"
	"sync"
	"time"
)

func main() {
	var rw sync.RWMutex
	var mu sync.Mutex
	inside, maxInside := 0, 0
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rw.RLock()
			defer rw.RUnlock()
			mu.Lock()
			inside++
			maxInside = max(maxInside, inside)
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			inside--
			mu.Unlock()
		}()
	}
	time.Sleep(5 * time.Millisecond)
	rw.Lock()
	fmt.Println("writer got the lock; readers inside:", inside)
	rw.Unlock()
	wg.Wait()
	fmt.Println("readers inside together:", maxInside)
}
