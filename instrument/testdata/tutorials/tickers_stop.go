// compare: check=ticks
// category: tickers
//
// A ticker ticks until main stops it and signals the reader through a done
// channel. How many ticks fit depends on timing; the count is printed last.
package main

import (
	"fmt"
	"time"
)

func main() {
	ticker := time.NewTicker(10 * time.Millisecond)
	done := make(chan bool)
	ticks := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-done:
				ticks <- n
				return
			case <-ticker.C:
				n++
				fmt.Println("tick", n)
			}
		}
	}()
	time.Sleep(55 * time.Millisecond)
	ticker.Stop()
	done <- true
	fmt.Println("ticker stopped after", <-ticks, "ticks")
}
