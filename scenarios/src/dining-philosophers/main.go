package main

import (
	"fmt"
	"sync"
	"time"
)

const (
	philosophers = 5                     // knob: 2..9
	think        = 10 * time.Millisecond // knob: 1ms..1s
)

// dine picks up the left fork, thinks for a moment, then reaches for the
// right one. Every philosopher does the same, in the same order.
func dine(id int, left, right *sync.Mutex, wg *sync.WaitGroup) {
	defer wg.Done()

	left.Lock()
	fmt.Printf("philosopher %d picked up the left fork\n", id)
	time.Sleep(think)

	right.Lock() // every right fork is someone's left fork, already taken
	fmt.Printf("philosopher %d is eating\n", id)
	right.Unlock()
	left.Unlock()
}

func main() {
	forks := make([]sync.Mutex, philosophers)
	var wg sync.WaitGroup

	for i := range philosophers {
		wg.Add(1)
		go dine(i, &forks[i], &forks[(i+1)%philosophers], &wg)
	}

	wg.Wait()
	fmt.Println("everyone has eaten")
}
