// compare: exact
// category: new: sync %v
//
// Printing a struct that holds a mutex or a WaitGroup shows Go's own
// representation of them (what go1.26 prints), not the runtime's.
package main

import (
	"fmt"
	"sync"
)

type Counter struct {
	mu sync.Mutex
	n  int
}

func main() {
	c := &Counter{n: 3}
	fmt.Printf("%+v\n", c)
	var wg sync.WaitGroup
	fmt.Printf("%v\n", &wg)
	var rw sync.RWMutex
	fmt.Printf("%v\n", &rw)
}
