// compare: check=ends-with-done
// category: goroutines
//
// An anonymous goroutine and main print concurrently; main waits with a
// WaitGroup, so "done" is always last and every line appears once.
package main

import (
	"fmt"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func(msg string) {
		defer wg.Done()
		for i := 0; i < 3; i++ {
			fmt.Println(msg, i)
		}
	}("going")
	for i := 0; i < 3; i++ {
		fmt.Println("direct", i)
	}
	wg.Wait()
	fmt.Println("done")
}
