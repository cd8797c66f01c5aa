// compare: exact
// category: rate limiting
//
// Requests are served one per tick of a limiter; a bursty limiter lets the
// first three through at once, then one per tick.
package main

import (
	"fmt"
	"time"
)

func main() {
	requests := make(chan int, 5)
	for i := 1; i <= 5; i++ {
		requests <- i
	}
	close(requests)
	limiter := time.Tick(10 * time.Millisecond)
	start := time.Now()
	for req := range requests {
		<-limiter
		fmt.Println("request", req)
	}
	fmt.Println("took at least 50ms:", time.Since(start) >= 50*time.Millisecond)

	bursty := make(chan time.Time, 3)
	for i := 0; i < 3; i++ {
		bursty <- time.Now()
	}
	go func() {
		refill := time.NewTicker(10 * time.Millisecond)
		defer refill.Stop()
		for i := 0; i < 2; i++ {
			bursty <- <-refill.C
		}
	}()
	burstyRequests := make(chan int, 5)
	for i := 1; i <= 5; i++ {
		burstyRequests <- i
	}
	close(burstyRequests)
	start = time.Now()
	for req := range burstyRequests {
		<-bursty
		fmt.Println("bursty request", req, "waited:", time.Since(start) >= 5*time.Millisecond)
	}
}
