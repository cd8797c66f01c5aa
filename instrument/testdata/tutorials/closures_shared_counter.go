// compare: exact
// category: closures
//
// Closures capture variables, not values: goroutines started in a loop share
// a counter captured by reference and guarded by a mutex, while each keeps
// its own copy of the loop variable.
package main

import (
	"fmt"
	"sync"
)

func main() {
	var mu sync.Mutex
	sum, count := 0, 0
	var wg sync.WaitGroup
	funcs := make([]func(), 0, 5)
	for i := 1; i <= 5; i++ {
		funcs = append(funcs, func() {
			defer wg.Done()
			mu.Lock()
			sum += i
			count++
			mu.Unlock()
		})
	}
	wg.Add(len(funcs))
	for _, f := range funcs {
		go f()
	}
	wg.Wait()
	fmt.Println("sum:", sum, "count:", count)
}
