// Two goroutines write one field of a shared struct, the second after a
// sleep: Go reports "Write at" with "Previous write at".
package main

import (
	"fmt"
	"sync"
	"time"
)

type config struct {
	name    string
	retries int
}

func main() {
	cfg := &config{name: "svc"}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		cfg.retries = 3
	}()
	go func() {
		defer wg.Done()
		time.Sleep(50 * time.Millisecond)
		cfg.retries = 5
	}()
	wg.Wait()
	fmt.Println(cfg.name, "retries:", cfg.retries)
}
