// compare: exact
// category: atomics
//
// atomic.Value holds a configuration that readers load while a writer
// replaces it; readers only ever see a whole configuration.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
)

type config struct {
	version int
	name    string
}

func main() {
	var current atomic.Value
	current.Store(config{1, "initial"})
	var wg sync.WaitGroup
	var torn atomic.Int64
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				c := current.Load().(config)
				if (c.version == 1) != (c.name == "initial") {
					torn.Add(1)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		current.Store(config{2, "reloaded"})
	}()
	wg.Wait()
	fmt.Println("torn reads:", torn.Load())
	fmt.Printf("%+v\n", current.Load())
}
