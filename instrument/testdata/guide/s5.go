package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

func processFile(ctx context.Context, file string, ch chan<- string, wg *sync.WaitGroup) {
	defer wg.Done()
	select {
	case <-ctx.Done():
		ch <- fmt.Sprintf("Cancelled processing %s", file)
	case <-time.After(time.Second): // Simulate work
		ch <- fmt.Sprintf("Processed %s", file)
	}
}

func main() {
	files := []string{"file1.txt", "file2.txt", "file3.txt"}
	ch := make(chan string, len(files))
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
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
