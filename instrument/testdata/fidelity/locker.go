package main

import (
	"fmt"
	"sync"
)

type countingLock struct {
	mu    sync.Mutex
	locks int
}

func (l *countingLock) Lock()   { l.mu.Lock(); l.locks++ }
func (l *countingLock) Unlock() { l.mu.Unlock() }

type spin struct{ ch chan struct{} }

func (s spin) Lock()   { s.ch <- struct{}{} }
func (s spin) Unlock() { <-s.ch }

func with(l sync.Locker, f func()) { l.Lock(); defer l.Unlock(); f() }

func main() {
	var l sync.Locker = &sync.Mutex{}
	l.Lock()
	l.Unlock()
	var rw sync.RWMutex
	with(rw.RLocker(), func() { fmt.Println("rlocked") })
	with(&rw, func() { fmt.Println("locked") })
	lk := &countingLock{}
	var ll sync.Locker = lk
	cond := sync.NewCond(ll)
	ready := false
	done := make(chan struct{})
	go func() {
		ll.Lock()
		for !ready {
			cond.Wait()
		}
		ll.Unlock()
		close(done)
	}()
	ll.Lock()
	ready = true
	cond.Broadcast()
	ll.Unlock()
	<-done
	fmt.Println("locks >= 2:", lk.locks >= 2)
	s := spin{make(chan struct{}, 1)}
	with(s, func() { fmt.Println("spin") })
	c2 := sync.NewCond(s)
	_ = c2
	var lockers = []sync.Locker{s, lk, &sync.Mutex{}}
	for _, x := range lockers {
		x.Lock()
		x.Unlock()
	}
	fmt.Println("ok")
}
