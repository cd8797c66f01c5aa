// compare: lines-any-order
// category: sync
//
// Go 1.25's WaitGroup.Go starts a goroutine and does the Add and Done.
package main

import (
	"fmt"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	for _, url := range []string{"alpha", "beta", "gamma"} {
		wg.Go(func() {
			fmt.Println("fetched", url)
		})
	}
	wg.Wait()
}
