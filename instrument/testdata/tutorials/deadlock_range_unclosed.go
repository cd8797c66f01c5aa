// compare: exact
// category: deadlocks
//
// Ranging over a channel the producer forgot to close: once the producer
// returns, main waits forever.
package main

import "fmt"

func main() {
	ch := make(chan int)
	go func() {
		for i := 0; i < 3; i++ {
			ch <- i
		}
	}()
	for v := range ch {
		fmt.Println(v)
	}
}
