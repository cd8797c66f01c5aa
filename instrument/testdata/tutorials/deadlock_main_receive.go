// compare: exact
// category: deadlocks
//
// main receives from a channel nobody sends on: all goroutines are asleep.
package main

import "fmt"

func main() {
	ch := make(chan int)
	fmt.Println("waiting for a value")
	fmt.Println(<-ch)
}
