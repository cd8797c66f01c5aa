// A goroutine writes a variable; main reads it after a sleep that, in
// practice and on the engine's clock, lets the write come first. No
// synchronisation orders them: Go reports "Read at" with "Previous write at".
package main

import (
	"fmt"
	"time"
)

var ready int

func main() {
	done := make(chan bool)
	go func() {
		ready = 1
		done <- true
	}()
	time.Sleep(50 * time.Millisecond)
	fmt.Println("ready:", ready)
	<-done
}
