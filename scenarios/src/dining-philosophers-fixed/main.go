package main

import (
	"fmt"
	"sync"
	"time"
)

const (
	philosophers = 5                     // knob: 2..9
	meals        = 3                     // knob: 1..10
	think        = 10 * time.Millisecond // knob: 1ms..1s
	eat          = 10 * time.Millisecond // knob: 1ms..1s
)

// dine always picks up the lower-numbered of its two forks first. With one
// global order on the forks no cycle of philosophers can each hold a fork the
// next one is waiting for, so the table can never deadlock.
func dine(id int, forks []sync.Mutex, wg *sync.WaitGroup) {
	defer wg.Done()

	first, second := id, (id+1)%len(forks)
	if second < first {
		first, second = second, first
	}

	for meal := 1; meal <= meals; meal++ {
		time.Sleep(think)

		forks[first].Lock()
		forks[second].Lock()
		fmt.Printf("philosopher %d eats meal %d\n", id, meal)
		time.Sleep(eat)
		forks[second].Unlock()
		forks[first].Unlock()
	}
	fmt.Printf("philosopher %d is full\n", id)
}

func main() {
	forks := make([]sync.Mutex, philosophers)
	var wg sync.WaitGroup

	for i := range philosophers {
		wg.Add(1)
		go dine(i, forks, &wg)
	}

	wg.Wait()
	fmt.Println("everyone has eaten")
}
