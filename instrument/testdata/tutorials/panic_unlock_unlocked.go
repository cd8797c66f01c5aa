// compare: exact
// category: panics
//
// Unlocking a mutex that is not locked is a fatal error, not a panic: it
// cannot be recovered.
package main

import (
	"fmt"
	"sync"
)

func main() {
	defer func() {
		fmt.Println("recover:", recover())
	}()
	var mu sync.Mutex
	mu.Lock()
	mu.Unlock()
	mu.Unlock()
}
