package main

import (
	"context"
	"fmt"
	"sync"
)

// take is how many squares the consumer wants before it cancels the pipeline.
const take = 3 // knob: 1..10

// gen sends 1, 2, 3, ... until ctx is cancelled, then closes its channel.
func gen(ctx context.Context) <-chan int {
	nums := make(chan int)
	go func() {
		defer close(nums)
		for n := 1; ; n++ {
			select {
			case nums <- n:
			case <-ctx.Done():
				fmt.Println("generator stopped")
				return
			}
		}
	}()
	return nums
}

// sq squares every number it receives. Once ctx is cancelled it drops what
// it receives instead of sending it on, and it returns when in is closed.
func sq(ctx context.Context, id int, in <-chan int) <-chan int {
	squares := make(chan int)
	go func() {
		defer close(squares)
		for n := range in {
			select {
			case squares <- n * n:
			case <-ctx.Done():
			}
		}
		fmt.Printf("square %d stopped\n", id)
	}()
	return squares
}

// merge fans the channels in cs into one, which it closes once every input
// channel is closed.
func merge(ctx context.Context, cs ...<-chan int) <-chan int {
	var wg sync.WaitGroup
	merged := make(chan int)
	forward := func(c <-chan int) {
		defer wg.Done()
		for n := range c {
			select {
			case merged <- n:
			case <-ctx.Done():
			}
		}
	}
	wg.Add(len(cs))
	for _, c := range cs {
		go forward(c)
	}
	go func() {
		wg.Wait()
		fmt.Println("merge stopped")
		close(merged)
	}()
	return merged
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	nums := gen(ctx)
	out := merge(ctx, sq(ctx, 1, nums), sq(ctx, 2, nums))

	got := 0
	for range out {
		got++
		if got == take {
			break
		}
	}
	fmt.Printf("took %d squares, cancelling\n", got)
	cancel()

	// Every stage closes its output when it returns, so out is closed only
	// after the whole pipeline has stopped: drain it to wait for that.
	for range out {
	}
	fmt.Println("pipeline stopped")
}
