// compare: check=sum45
// category: worker pool
//
// Workers handle the numbers 0..9 handed out through a channel; a WaitGroup
// closes the results channel when all have finished; main sums them.
package main

import (
	"fmt"
	"sync"
)

func main() {
	jobs := make(chan int)
	results := make(chan string)
	var wg sync.WaitGroup
	for w := 1; w <= 4; w++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			for j := range jobs {
				results <- fmt.Sprintf("worker %d handled %d", id, j)
			}
		}(w)
	}
	go func() {
		for i := 0; i < 10; i++ {
			jobs <- i
		}
		close(jobs)
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	total := 0
	for r := range results {
		var id, n int
		fmt.Sscanf(r, "worker %d handled %d", &id, &n)
		total += n
		fmt.Println(r)
	}
	fmt.Println("total", total)
}
