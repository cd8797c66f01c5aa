package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

const (
	tasks = 10                    // knob: 1..20
	limit = 3                     // knob: 1..10
	work  = 50 * time.Millisecond // knob: 1ms..1s
)

func main() {
	sem := make(chan struct{}, limit) // one slot per task allowed to run
	var wg sync.WaitGroup
	var running, peak atomic.Int32

	for i := 1; i <= tasks; i++ {
		sem <- struct{}{} // acquire a slot; blocks while limit tasks are running
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }() // release the slot

			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(work) // simulate the task's work
			running.Add(-1)
			fmt.Printf("task %d done\n", i)
		}()
	}

	wg.Wait()
	fmt.Println("max concurrency:", peak.Load())
}
