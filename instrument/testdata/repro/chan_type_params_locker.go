// compare: exact
// category: issue 16 point 8
//
// Generic code whose type parameters are constrained to channels, and a user
// type implementing sync.Locker used with sync.NewCond and as a Locker.
package main

import (
	"fmt"
	"sync"
)

func drain[C ~chan E, E any](c C) []E {
	close(c)
	var out []E
	for v := range c {
		out = append(out, v)
	}
	return out
}

func fill[C ~chan<- E, E any](c C, vs ...E) {
	for _, v := range vs {
		c <- v
	}
}

type Queue[E any] chan E

func (q Queue[E]) Len() int { return len(q) }

type countingLock struct {
	mu    sync.Mutex
	locks int
}

func (l *countingLock) Lock()   { l.mu.Lock(); l.locks++ }
func (l *countingLock) Unlock() { l.mu.Unlock() }

func main() {
	q := make(Queue[int], 3)
	fill[chan<- int](q, 1, 2, 3)
	fmt.Println(q.Len(), drain(chan int(q)))

	lk := &countingLock{}
	var l sync.Locker = lk
	cond := sync.NewCond(l)
	ready := false
	done := make(chan struct{})
	go func() {
		l.Lock()
		for !ready {
			cond.Wait()
		}
		l.Unlock()
		close(done)
	}()
	l.Lock()
	ready = true
	cond.Signal()
	l.Unlock()
	<-done
	fmt.Println("locks taken at least 2:", lk.locks >= 2)
}
