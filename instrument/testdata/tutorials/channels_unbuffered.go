// compare: exact
// category: channels
//
// An unbuffered channel hands a message from one goroutine to main.
package main

import "fmt"

func main() {
	messages := make(chan string)
	go func() { messages <- "ping" }()
	msg := <-messages
	fmt.Println(msg)
	fmt.Println(len(messages), cap(messages))
}
