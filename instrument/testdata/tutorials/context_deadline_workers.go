// compare: lines-any-order
// category: context
//
// Workers with different amounts of work share one deadline; those that
// would finish after it give up.
package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

func main() {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(60*time.Millisecond))
	defer cancel()
	var wg sync.WaitGroup
	for i, d := range []time.Duration{10, 30, 120, 200} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-time.After(d * time.Millisecond):
				fmt.Println("worker", i, "finished")
			case <-ctx.Done():
				fmt.Println("worker", i, "gave up:", ctx.Err())
			}
		}()
	}
	wg.Wait()
}
