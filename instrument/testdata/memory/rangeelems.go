// Ranges over shared slices and a pointer to an array: each element read
// when its iteration starts, a loop body redeclaring its variables.
package main

import (
	"fmt"
	"sync"
)

func main() {
	data := []int{1, 2, 3, 4}
	var wg sync.WaitGroup
	var mu sync.Mutex
	sum := 0
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j, v := range data {
				if j%2 == i {
					mu.Lock()
					sum += v
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	arr := &[3]string{"a", "b", "c"}
	go func() { _ = arr }()
	out := ""
	for _, s := range arr {
		out += s
	}
	for k, v := range data {
		if k == 0 {
			data[1] = 20 // the next iteration sees it, as Go's range over a slice does
		}
		if v == 3 {
			continue
		}
		out += fmt.Sprint(v)
	}
	fmt.Println(sum, out)
}

func init() {
	s := []int{1, 2}
	go func() { _ = s }()
	for i, v := range s {
		v := v * 10
		i := i + 1
		fmt.Println(i, v)
	}
}
