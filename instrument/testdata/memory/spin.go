// A goroutine spinning on a flag while main sleeps: the back edge lets the
// sleeper wake, as Go's preemption does, and the program ends.
package main

import (
	"fmt"
	"time"
)

var stop bool

func main() {
	n := 0
	done := make(chan bool)
	go func() {
		for !stop {
			n++
		}
		done <- true
	}()
	time.Sleep(time.Millisecond)
	stop = true
	<-done
	fmt.Println("stopped", n > 0)
}
