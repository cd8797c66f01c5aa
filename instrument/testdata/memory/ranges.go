// Ranges: with = into shared variables, which hold the last values after the
// loop; over shared slices and a pointer to an array, each element read when
// its iteration starts; a loop body redeclaring its variables.
package main

import (
	"fmt"
	"sync"
)

func main() {
	rangeAssign()
	rangeElems()
}

type ID int64

func rangeAssign() {
	var i, v int
	var k ID
	var sum int
	a := [3]int{5, 6, 7}
	done := make(chan bool)
	for i, v = range a {
		go func(i int) {
			_ = v
			done <- true
		}(i)
		<-done
		sum += v
	}
	for k = range 4 {
		go func() { _ = k; done <- true }()
		<-done
	}
	m := map[string]int{"a": 1}
	var key string
	for key, _ = range m {
	}
	go func() { _ = key }()
	fmt.Println(i, v, k, sum, key)
}

func rangeElems() {
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
