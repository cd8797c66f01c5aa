// compare: check=token-bucket
// category: rate limiting
//
// A token bucket refilled by a ticker; clients that find it empty are
// rejected. Which clients get a token depends on scheduling; exactly as many
// as there were tokens do.
package main

import (
	"fmt"
	"sync"
)

func main() {
	tokens := make(chan struct{}, 3)
	for i := 0; i < cap(tokens); i++ {
		tokens <- struct{}{}
	}
	var mu sync.Mutex
	served := 0
	var wg sync.WaitGroup
	for c := 1; c <= 6; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-tokens:
				mu.Lock()
				served++
				mu.Unlock()
				fmt.Println("client", c, "served")
			default:
				fmt.Println("client", c, "rejected")
			}
		}()
	}
	wg.Wait()
	fmt.Println("served", served, "of 6")
}
