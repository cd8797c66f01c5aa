// panics recovers from engine panics, then dies of an unrecovered one.
package main

import "fmt"

func try(f func()) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Println("recovered:", r)
		}
	}()
	f()
}

func main() {
	c := make(chan int)
	close(c)
	try(func() { close(c) })
	try(func() {
		var n chan int
		close(n)
	})
	try(func() { panic(fmt.Sprintf("mine %d", 1)) })
	done := make(chan bool)
	go func() {
		c <- 1
		done <- true
	}()
	<-done
}
