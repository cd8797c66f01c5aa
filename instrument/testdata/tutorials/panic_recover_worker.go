// compare: exact
// category: panics
//
// A worker recovers its own panic and reports it as an error, so one bad job
// does not bring down the program.
package main

import "fmt"

func safeDivide(a, b int) (q int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	return a / b, nil
}

func main() {
	type result struct {
		q   int
		err error
	}
	out := make(chan result)
	for _, b := range []int{2, 0, 5} {
		go func() {
			q, err := safeDivide(10, b)
			out <- result{q, err}
		}()
		r := <-out
		fmt.Println(r.q, r.err)
	}
}
