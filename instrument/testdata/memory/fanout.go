// A WaitGroup fan-out: each worker writes its own element of a shared
// slice, and of an array through a pointer.
package main

import (
	"fmt"
	"sync"
)

func square(x int) int { return x * x }

func main() {
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
