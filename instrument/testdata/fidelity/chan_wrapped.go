package main

import "fmt"

// Queue is a channel type with methods.
type Queue[E any] chan E

// Len is the number of queued values.
func (q Queue[E]) Len() int { return len(q) }

func fill[C ~chan<- E, E any](c C, vs ...E) {
	for _, v := range vs {
		c <- v
	}
}

func sum(c <-chan int) (n int) {
	for v := range c {
		n += v
	}
	return n
}

func asQueue(c chan int) Queue[int] { return c }

type holder struct{ in chan<- int }

func main() {
	q := make(Queue[int], 4)
	fill[chan<- int](q, 1, 2, 3)
	var ro <-chan int = q
	h := holder{in: q}
	h.in <- 4
	fmt.Println(q.Len(), len(ro))
	close(q)
	fmt.Println(sum(q))
	q2 := asQueue(make(chan int, 1))
	q2 <- 1
	fmt.Println(q2.Len(), []Queue[int]{q2}[0].Len())
}
