// compare: exact
// category: panics
//
// An unrecovered panic in any goroutine ends the whole program, even while
// main is blocked elsewhere.
package main

import (
	"errors"
	"fmt"
)

func main() {
	block := make(chan struct{})
	go func() {
		fmt.Println("about to fail")
		panic(errors.New("disk on fire"))
	}()
	<-block
}
