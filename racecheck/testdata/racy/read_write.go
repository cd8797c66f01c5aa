// A goroutine reads a slice element; main overwrites it after a sleep: Go
// reports "Write at" with "Previous read at".
package main

import (
	"fmt"
	"time"
)

func main() {
	prices := []int{10, 20, 30}
	seen := make(chan int)
	go func() {
		seen <- prices[1]
	}()
	time.Sleep(50 * time.Millisecond)
	prices[1] = 25
	fmt.Println("seen:", <-seen, "now:", prices[1])
}
