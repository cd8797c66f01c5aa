// sleep10 is chan/select3.go's testBlock(never, ...) with main waiting for the
// sleeper: ten seconds of virtual time.
package main

import (
	"fmt"
	"time"
)

func main() {
	c := make(chan string)
	go func() {
		time.Sleep(10 * time.Second)
		c <- "slept"
	}()
	fmt.Println(<-c)
}
