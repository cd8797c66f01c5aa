// compare: lines-any-order
// category: closures
//
// Since Go 1.22 each iteration has its own loop variable, so goroutines
// started in a loop see 0, 1, 2 (not 3, 3, 3), in scheduling order.
package main

import (
	"fmt"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fmt.Println("for i:", i)
		}()
	}
	for _, s := range []string{"a", "b", "c"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fmt.Println("range s:", s)
		}()
	}
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fmt.Println("range int:", i)
		}()
	}
	wg.Wait()
}
