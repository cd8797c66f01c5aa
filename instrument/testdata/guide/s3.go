package main

import (
	"fmt"
	"sync"
)

func producer(data []int, ch chan<- int) {
	for _, d := range data {
		ch <- d
	}
	close(ch)
}

func worker(id int, in <-chan int, out chan<- int, wg *sync.WaitGroup) {
	defer wg.Done()
	for num := range in {
		result := num * num // Square the number
		out <- result
	}
}

func main() {
	data := []int{1, 2, 3, 4, 5}
	in := make(chan int, len(data))
	out := make(chan int, len(data))
	var wg sync.WaitGroup

	// Producer
	go producer(data, in)

	// Workers
	for i := 1; i <= 3; i++ {
		wg.Add(1)
		go worker(i, in, out, &wg)
	}

	// Collect results
	go func() {
		wg.Wait()
		close(out)
	}()

	for result := range out {
		fmt.Println("Result:", result)
	}
}
