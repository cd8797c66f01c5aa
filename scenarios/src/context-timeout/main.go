package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// The guide writes these inline; as named constants they are knobs.
const (
	work     = time.Second             // knob: 100ms..3s
	deadline = 1500 * time.Millisecond // knob: 100ms..3s
)

func processFile(ctx context.Context, file string, ch chan<- string, wg *sync.WaitGroup) {
	defer wg.Done()
	select {
	case <-ctx.Done():
		ch <- fmt.Sprintf("Cancelled processing %s", file)
	case <-time.After(work): // Simulate work
		ch <- fmt.Sprintf("Processed %s", file)
	}
}

func main() {
	files := []string{"file1.txt", "file2.txt", "file3.txt"}
	ch := make(chan string, len(files))
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()

	for _, file := range files {
		wg.Add(1)
		go processFile(ctx, file, ch, &wg)
	}

	go func() {
		wg.Wait()
		close(ch)
	}()

	for result := range ch {
		fmt.Println(result)
	}
}
