// knobs has constants marked as knobs: a run can change them.
package main

import (
	"fmt"
	"time"
)

const (
	workers = 3                      // knob: 1..8
	delay   = 100 * time.Millisecond // knob: 1ms..1s
	label   = "w"
)

const single = 2 // knob: 0..4

func main() {
	done := make(chan string, workers)
	for i := range workers {
		go func() {
			time.Sleep(delay)
			done <- fmt.Sprint(label, i)
		}()
	}
	for range workers {
		<-done
	}
	start := time.Now()
	time.Sleep(delay * single)
	fmt.Println(workers, single, time.Since(start))
}
