// Workers sharing memory under a mutex and a WaitGroup: a counter reached
// through a pointer with a package-level total, and a fan-out where each
// worker writes its own element of a slice and of an array through a pointer.
package main

import (
	"fmt"
	"sync"
)

func main() {
	counter()
	fanout()
}

type Counter struct {
	mu    sync.Mutex
	count int
	hist  [3]int
}

func (c *Counter) Inc(k int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.count++
	c.hist[k%3] += k
	total += 2
}

var total int

func counter() {
	c := &Counter{}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Inc(i)
		}()
	}
	wg.Wait()
	fmt.Println(c.count, c.hist, total)
}

func square(x int) int { return x * x }

func fanout() {
	results := make([]int, 8)
	var arr [8]string
	pa := &arr
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = square(i)
			pa[i] = fmt.Sprint("w", i)
		}(i)
	}
	wg.Wait()
	sum := 0
	for _, r := range results {
		sum += r
	}
	fmt.Println(results, sum, arr, len(arr), len(pa))
}
