// compare: exact
// category: channels
//
// A producer closes its channel when done; the consumer ranges over it and
// then sees the zero value with ok == false.
package main

import "fmt"

func main() {
	jobs := make(chan int, 5)
	done := make(chan bool)
	go func() {
		for {
			j, more := <-jobs
			if !more {
				fmt.Println("received all jobs")
				done <- true
				return
			}
			fmt.Println("received job", j)
		}
	}()
	for j := 1; j <= 3; j++ {
		jobs <- j
	}
	close(jobs)
	<-done
	v, ok := <-jobs
	fmt.Println("after close:", v, ok)

	queue := make(chan string, 2)
	queue <- "one"
	queue <- "two"
	close(queue)
	for elem := range queue {
		fmt.Println(elem)
	}
}
