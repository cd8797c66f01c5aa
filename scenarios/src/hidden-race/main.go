package main

import "fmt"

var status = "starting"

func main() {
	done := make(chan bool)
	go func() {
		fmt.Println("worker: checking the status")
		fmt.Println("worker: status is", status)
		done <- true
	}()

	fmt.Println("main: getting ready")
	status = "ready"
	<-done
}
