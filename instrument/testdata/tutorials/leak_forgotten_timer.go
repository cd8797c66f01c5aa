// compare: exact
// category: leaks
//
// A goroutine waiting on a stopped timer's channel never wakes; main returns
// anyway, and Go says nothing.
package main

import (
	"fmt"
	"time"
)

func main() {
	t := time.NewTimer(time.Hour)
	go func() {
		<-t.C
		fmt.Println("never")
	}()
	fmt.Println("stopped:", t.Stop())
}
