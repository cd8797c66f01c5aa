package main

import "fmt"

func drain[C ~chan int](c C) int {
	n := 0
	for range c {
		n++
	}
	return n
}

func stats[C ~chan E, E any](c C) (int, int) { return len(c), cap(c) }

func fill[C ~chan int](c C, n int) {
	for i := 0; i < n; i++ {
		c <- i
	}
}

func shut[C ~chan int](c C) { close(c) }

func mk[C ~chan int](n int) C { return make(C, n) }

func pick[C ~chan int](a, b C) int {
	select {
	case v := <-a:
		return v
	case v, ok := <-b:
		if ok {
			return v + 100
		}
		return -1
	}
}

func put[C ~chan E, E any](c C, v E) {
	select {
	case c <- v:
	default:
		fmt.Println("full")
	}
}

type Q[T any] chan T

func (q Q[T]) Push(v T) { q <- v }
func (q Q[T]) Pop() T   { return <-q }
func (q Q[T]) Len() int { return len(q) }

type Pipe chan string

func (p Pipe) Send(s string) { p <- s }

func main() {
	c := make(chan int, 5)
	fill(c, 3)
	a, b := stats(c)
	fmt.Println(a, b)
	shut(c)
	fmt.Println(drain(c))
	d := mk[chan int](2)
	d <- 7
	fmt.Println(pick(d, nil))
	put(d, 1)
	put(d, 2)
	put(d, 3)
	q := make(Q[string], 2)
	q.Push("x")
	fmt.Println(q.Len(), q.Pop())
	var qq Q[int] = make(Q[int], 1)
	qq.Push(4)
	fmt.Println(<-qq)
	p := make(Pipe, 1)
	p.Send("s")
	fmt.Println(<-p)
	type local struct{ a int }
	lc := make(chan local, 1)
	lc <- local{2}
	fmt.Println(<-lc)
}
