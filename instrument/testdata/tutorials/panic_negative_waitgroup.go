// compare: exact
// category: panics
//
// One Done too many drives a WaitGroup's counter negative.
package main

import (
	"fmt"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		fmt.Println("working")
	}()
	wg.Wait()
	wg.Done()
}
