// compare: exact
// category: pipelines
//
// A pipeline: a generator, a squaring stage and a printing sink, each stage
// closing its output when its input is exhausted.
package main

import "fmt"

func gen(nums ...int) <-chan int {
	out := make(chan int)
	go func() {
		for _, n := range nums {
			out <- n
		}
		close(out)
	}()
	return out
}

func sq(in <-chan int) <-chan int {
	out := make(chan int)
	go func() {
		for n := range in {
			out <- n * n
		}
		close(out)
	}()
	return out
}

func main() {
	for n := range sq(sq(gen(1, 2, 3, 4))) {
		fmt.Println(n)
	}
}
