// A mutex-protected counter reached through a pointer, and a package-level
// total under the same mutex: every update counted.
package main

import (
	"fmt"
	"sync"
)

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

func main() {
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
