// Ranges assigning to shared variables with =, which hold the last values
// after the loop.
package main

import "fmt"

type ID int64

func main() {
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
