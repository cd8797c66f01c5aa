// compare: exact
// category: goroutines
//
// A goroutine prints, then tells main it has finished over a channel.
package main

import "fmt"

func count(name string, n int, done chan<- struct{}) {
	for i := 1; i <= n; i++ {
		fmt.Println(name, i)
	}
	done <- struct{}{}
}

func main() {
	done := make(chan struct{})
	go count("goroutine", 3, done)
	<-done
	fmt.Println("main: the goroutine is done")
}
