package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

const (
	workers   = 4                      // knob: 2..8
	failing   = 2                      // knob: 1..8
	failAfter = 50 * time.Millisecond  // knob: 1ms..1s
	work      = 200 * time.Millisecond // knob: 1ms..1s
)

// fetch stands for one shard of a job. The failing shard gives up after
// failAfter; the others need work to finish, unless ctx is cancelled first.
func fetch(ctx context.Context, shard int) error {
	d := work
	if shard == failing {
		d = failAfter
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
		return ctx.Err()
	}
	if shard == failing {
		return fmt.Errorf("shard %d: connection reset", shard)
	}
	return nil
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for shard := 1; shard <= workers; shard++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := fetch(ctx, shard)
			switch {
			case errors.Is(err, context.Canceled):
				fmt.Printf("shard %d: stopped early\n", shard)
			case err != nil:
				fmt.Printf("shard %d: failed\n", shard)
			default:
				fmt.Printf("shard %d: done\n", shard)
			}
			if err != nil {
				// Keep only the first error, and cancel the others.
				once.Do(func() {
					firstErr = err
					cancel()
				})
			}
		}()
	}

	wg.Wait() // firstErr is safe to read: every write happened before a wg.Done
	fmt.Println("first error:", firstErr)
}
