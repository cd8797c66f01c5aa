// compare: exact
// category: leaks
//
// main returns while goroutines are still blocked on a channel nobody will
// send on: Go prints nothing about them and exits 0.
package main

import "fmt"

func main() {
	results := make(chan int)
	for i := 0; i < 3; i++ {
		go func() {
			results <- i * i
		}()
	}
	fmt.Println("first result:", <-results >= 0)
}
