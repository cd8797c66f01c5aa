package main

import (
	"fmt"
	"time"
)

const (
	total    = 5                      // knob: 1..10
	interval = 100 * time.Millisecond // knob: 10ms..1s
)

func main() {
	// A client sends its requests all at once.
	requests := make(chan int, total)
	go func() {
		for i := 1; i <= total; i++ {
			requests <- i
		}
		close(requests)
	}()

	// The limiter lets one request through per tick.
	start := time.Now()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()

	for req := range requests {
		<-ticker.C
		// A tick never comes early, so the elapsed time truncated to the
		// interval counts the ticks so far.
		elapsed := time.Since(start).Truncate(interval)
		fmt.Printf("request %d at %v\n", req, elapsed)
	}
	fmt.Println("all requests served")
}
