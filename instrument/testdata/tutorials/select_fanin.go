// compare: check=fanin
// category: fan-in
//
// Two chatty generators are merged with select; main reads ten messages.
// Each source's messages arrive in order, interleaved as scheduling decides.
package main

import (
	"fmt"
	"time"
)

func boring(name string) <-chan string {
	c := make(chan string)
	go func() {
		for i := 0; ; i++ {
			c <- fmt.Sprintf("%s %d", name, i)
			time.Sleep(time.Duration(1+i%3) * time.Millisecond)
		}
	}()
	return c
}

func fanIn(a, b <-chan string) <-chan string {
	c := make(chan string)
	go func() {
		for {
			select {
			case s := <-a:
				c <- s
			case s := <-b:
				c <- s
			}
		}
	}()
	return c
}

func main() {
	c := fanIn(boring("Joe"), boring("Ann"))
	for i := 0; i < 10; i++ {
		fmt.Println(<-c)
	}
	fmt.Println("You're both boring; I'm leaving.")
}
