// compare: exact
// category: tickers
//
// A ticker drives a loop for a fixed number of ticks; Reset changes its
// period halfway.
package main

import (
	"fmt"
	"time"
)

func main() {
	start := time.Now()
	ticker := time.NewTicker(20 * time.Millisecond)
	defer ticker.Stop()
	for i := 1; i <= 4; i++ {
		<-ticker.C
		fmt.Println("tick", i)
		if i == 2 {
			ticker.Reset(5 * time.Millisecond)
		}
	}
	fmt.Println("at least 50ms passed:", time.Since(start) >= 50*time.Millisecond)
}
