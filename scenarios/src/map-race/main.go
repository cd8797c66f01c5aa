package main

import (
	"fmt"
	"sync"
)

const workers = 4 // knob: 1..8

func main() {
	seen := make(map[int]bool)
	var wg sync.WaitGroup

	for w := 1; w <= workers; w++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				seen[id*100+i] = true
			}
		}(w)
	}

	wg.Wait()
	fmt.Println("Recorded:", len(seen))
}
