// compare: exact
// category: pipelines
//
// Explicit cancellation: the consumer takes what it needs and closes done;
// every stage selects on done, so no goroutine is left blocked.
package main

import (
	"fmt"
	"sync"
)

func gen(done <-chan struct{}, wg *sync.WaitGroup) <-chan int {
	out := make(chan int)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(out)
		for i := 1; ; i++ {
			select {
			case out <- i:
			case <-done:
				return
			}
		}
	}()
	return out
}

func sq(done <-chan struct{}, in <-chan int, wg *sync.WaitGroup) <-chan int {
	out := make(chan int)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(out)
		for n := range in {
			select {
			case out <- n * n:
			case <-done:
				return
			}
		}
	}()
	return out
}

func main() {
	var wg sync.WaitGroup
	done := make(chan struct{})
	out := sq(done, gen(done, &wg), &wg)
	fmt.Println(<-out, <-out, <-out)
	close(done)
	wg.Wait()
	fmt.Println("all stages stopped")
}
