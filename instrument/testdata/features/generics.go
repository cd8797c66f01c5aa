// generics moves values through generic pipeline stages.
package main

import (
	"fmt"
	"strings"
)

type Stage[T any] func(<-chan T) <-chan T

func gen[T any](xs ...T) <-chan T {
	out := make(chan T)
	go func() {
		defer close(out)
		for _, x := range xs {
			out <- x
		}
	}()
	return out
}

func mapc[T, U any](in <-chan T, f func(T) U) <-chan U {
	out := make(chan U, 1)
	go func() {
		for x := range in {
			out <- f(x)
		}
		close(out)
	}()
	return out
}

type Req struct {
	n     int
	reply chan chan<- string
}

func main() {
	var s Stage[string] = func(in <-chan string) <-chan string { return mapc(in, strings.ToUpper) }
	for v := range s(gen("a", "b", "c")) {
		fmt.Println(v)
	}
	r := Req{n: 1, reply: make(chan chan<- string, 1)}
	ans := make(chan string, 1)
	r.reply <- ans
	(<-r.reply) <- "answer"
	fmt.Println(<-ans)
	lens := mapc(gen([]int{1}, []int{1, 2}), func(x []int) int { return len(x) })
	for x := range lens {
		fmt.Println("len", x)
	}
}
