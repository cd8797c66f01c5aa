// compare: exact
// category: runtime
//
// runtime.Goexit ends a goroutine after running its deferred calls.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer fmt.Println("deferred call runs")
		func() {
			runtime.Goexit()
		}()
		fmt.Println("never printed")
	}()
	wg.Wait()
	fmt.Println("main continues")
}
