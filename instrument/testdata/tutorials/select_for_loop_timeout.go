// compare: check=deadline-count
// category: select
//
// A for-select loop consumes results until an overall deadline passes; how
// many arrive first depends on timing, they always arrive in order.
package main

import (
	"fmt"
	"time"
)

func main() {
	results := make(chan int)
	go func() {
		for i := 1; ; i++ {
			time.Sleep(30 * time.Millisecond)
			results <- i
		}
	}()
	deadline := time.After(100 * time.Millisecond)
	got := 0
	for {
		select {
		case r := <-results:
			got++
			fmt.Println("result", r)
		case <-deadline:
			fmt.Println("deadline passed after", got, "results")
			return
		}
	}
}
