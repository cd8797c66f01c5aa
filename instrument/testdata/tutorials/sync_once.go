// compare: exact
// category: sync
//
// sync.Once runs an initialiser exactly once however many goroutines ask;
// OnceValue caches a computed value.
package main

import (
	"fmt"
	"sync"
)

func main() {
	var once sync.Once
	var inits int
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			once.Do(func() { inits++ })
		}()
	}
	wg.Wait()
	fmt.Println("initialised", inits, "time(s)")

	calls := 0
	config := sync.OnceValue(func() string {
		calls++
		return "loaded"
	})
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = config()
		}()
	}
	wg.Wait()
	fmt.Println(config(), "after", calls, "call(s)")
}
