// compare: exact
// category: exit
//
// os.Exit ends the program at once with a status: deferred calls do not run
// and goroutines are not waited for.
package main

import (
	"fmt"
	"os"
)

func main() {
	defer fmt.Println("deferred: never printed")
	go func() {
		select {}
	}()
	fmt.Println("exiting with status 3")
	fmt.Fprintln(os.Stderr, "error: something went wrong")
	os.Exit(3)
}
