// leak returns from main while a goroutine stays blocked: Go exits 0 silently.
package main

import "fmt"

func main() {
	c := make(chan int)
	go func() { c <- 1 }()
	go func() { c <- 2 }()
	fmt.Println(<-c > 0)
}
