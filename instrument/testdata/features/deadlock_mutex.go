// deadlock_mutex locks a mutex twice.
package main

import (
	"fmt"
	"sync"
)

var mu sync.Mutex

func main() {
	mu.Lock()
	fmt.Println("locked")
	mu.Lock()
}
