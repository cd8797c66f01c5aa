// compare: exact
// category: context
//
// A worker loops until its context is cancelled, then reports why it
// stopped; main cancels after a while and waits for the report.
package main

import (
	"context"
	"fmt"
	"time"
)

func worker(ctx context.Context, stopped chan<- error) {
	ticker := time.NewTicker(5 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			stopped <- ctx.Err()
			return
		case <-ticker.C:
		}
	}
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error)
	go worker(ctx, stopped)
	time.Sleep(30 * time.Millisecond)
	cancel()
	fmt.Println("worker stopped:", <-stopped)
	cancel()
	fmt.Println("second cancel is a no-op:", ctx.Err())
}
