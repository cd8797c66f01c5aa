package main

import (
	"fmt"
	"sync/atomic"
	"time"
)

const nap = 10 * time.Millisecond // knob: 1ms..1s

func main() {
	var stop atomic.Bool
	spins := make(chan int)
	go func() {
		n := 0
		for !stop.Load() {
			n++
		}
		spins <- n
	}()

	time.Sleep(nap)
	stop.Store(true)
	fmt.Println("main: woke up and set stop")
	n := <-spins
	fmt.Println("spinner stopped, spun at least once:", n > 0)
}
