package main

import (
	"fmt"
	"sync"
)

func worker(id int, jobs <-chan int, results chan<- int) {
	for j := range jobs {
		results <- j * j
	}
}

func main() {
	jobs := make(chan int, 3)
	results := make(chan int, 3)
	var wg sync.WaitGroup

	for i := 1; i <= 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker(i, jobs, results)
		}()
	}

	for i := 1; i <= 5; i++ {
		jobs <- i
	}
	close(jobs)

	for r := range results { // Deadlock here
		fmt.Println(r)
	}
}
