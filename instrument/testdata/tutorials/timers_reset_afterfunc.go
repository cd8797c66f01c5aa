// compare: exact
// category: timers
//
// A debounce: every event pushes the timer back with Reset; AfterFunc runs a
// callback in its own goroutine once the timer fires.
package main

import (
	"fmt"
	"sync"
	"time"
)

func main() {
	t := time.NewTimer(60 * time.Millisecond)
	for i := 0; i < 3; i++ {
		time.Sleep(10 * time.Millisecond)
		active := t.Reset(60 * time.Millisecond)
		fmt.Println("event", i, "timer was active:", active)
	}
	<-t.C
	fmt.Println("debounced")

	var wg sync.WaitGroup
	wg.Add(1)
	time.AfterFunc(15*time.Millisecond, func() {
		defer wg.Done()
		fmt.Println("callback ran")
	})
	cancelled := time.AfterFunc(time.Hour, func() { fmt.Println("never") })
	wg.Wait()
	fmt.Println("stopped the hour-long timer:", cancelled.Stop())
}
