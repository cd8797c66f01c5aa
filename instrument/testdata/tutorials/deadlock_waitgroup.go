// compare: lines-any-order
// category: deadlocks
//
// Add(3) but only two Done calls: Wait never returns once the workers exit
// (they print in either order).
package main

import (
	"fmt"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	wg.Add(3)
	for i := 0; i < 2; i++ {
		go func() {
			defer wg.Done()
			fmt.Println("worker", i, "done")
		}()
	}
	wg.Wait()
	fmt.Println("unreachable")
}
