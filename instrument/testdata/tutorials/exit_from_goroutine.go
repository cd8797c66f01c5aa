// compare: exact
// category: exit
//
// A goroutine calls os.Exit while main is blocked: the whole program ends
// with that status.
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	go func() {
		time.Sleep(10 * time.Millisecond)
		fmt.Println("watchdog: giving up")
		os.Exit(4)
	}()
	block := make(chan int)
	<-block
}
