// compare: exact
// category: tickers
//
// time.Tick gives a ticking channel without a Ticker value; a heartbeat
// interleaves with work done in between ticks.
package main

import (
	"fmt"
	"time"
)

func main() {
	heartbeat := time.Tick(20 * time.Millisecond)
	work := make(chan string)
	go func() {
		for _, job := range []string{"a", "b", "c"} {
			time.Sleep(30 * time.Millisecond)
			work <- job
		}
		close(work)
	}()
	beats := 0
	for {
		select {
		case <-heartbeat:
			beats++
		case job, ok := <-work:
			if !ok {
				fmt.Println("heartbeats seen:", beats >= 3)
				return
			}
			fmt.Println("job", job)
		}
	}
}
