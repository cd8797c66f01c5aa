// compare: exact
// category: worker pool
//
// A pool processes tasks in parallel and collects per-task errors into a
// slice indexed by task, so the report is in task order whatever the
// interleaving.
package main

import (
	"errors"
	"fmt"
	"sync"
)

func process(n int) error {
	if n%4 == 0 {
		return fmt.Errorf("task %d: %w", n, errors.ErrUnsupported)
	}
	return nil
}

func main() {
	tasks := []int{1, 2, 3, 4, 5, 6, 7, 8}
	errs := make([]error, len(tasks))
	idx := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				errs[i] = process(tasks[i])
			}
		}()
	}
	for i := range tasks {
		idx <- i
	}
	close(idx)
	wg.Wait()
	for i, err := range errs {
		fmt.Println(tasks[i], err)
	}
	fmt.Println(errors.Join(errs...))
}
