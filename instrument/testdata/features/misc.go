// misc exercises constructs the other feature programs do not: generic
// types holding channels, channels of functions and errors, variadic go
// statements, method values in go statements, OnceValue, tickers with a
// done channel, package-level blank initialisers and an embedded *Mutex.
package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

type Queue[T any] struct {
	ch chan T
}

func NewQueue[T any](n int64) *Queue[T] { return &Queue[T]{ch: make(chan T, n)} }

func (q *Queue[T]) Push(v T) { q.ch <- v }
func (q *Queue[T]) Pop() T   { return <-q.ch }

type guarded struct {
	*sync.Mutex
	log []string
}

func (g guarded) add(s string) {
	g.Lock()
	defer g.Unlock()
	g.log = append(g.log, s)
}

type job func() error

var registry = map[string]chan<- string{}
var _ = strings.ToUpper("init")

func collect(out chan<- string, parts ...string) {
	out <- strings.Join(parts, "+")
}

func main() {
	q := NewQueue[string](2)
	q.Push("a")
	go q.Push("b")
	fmt.Println(q.Pop(), q.Pop())

	jobs := make(chan job, 3)
	errs := make(chan error, 3)
	for i := range 3 {
		jobs <- func() error {
			if i == 1 {
				return errors.New("job 1 failed")
			}
			return nil
		}
	}
	close(jobs)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := j(); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		fmt.Println("error:", err)
	}

	out := make(chan string)
	parts := []string{"x", "y"}
	go collect(out, parts...)
	go collect(out, "p", "q", "r")
	got := []string{<-out, <-out}
	sort.Strings(got)
	fmt.Println(got)

	g := guarded{Mutex: &sync.Mutex{}}
	done := make(chan bool)
	go func() { g.add("one"); done <- true }()
	<-done
	g.add("two")

	cfg := sync.OnceValue(func() int { fmt.Println("computing"); return 42 })
	fmt.Println(cfg(), cfg())

	registry["r"] = out
	ticker := time.NewTicker(10 * time.Millisecond)
	defer ticker.Stop()
	// Three ticks end the loop; the timeout only guards it, far enough away
	// that a loaded machine (whose ticker drops the ticks a late receiver
	// misses) still gets its three first.
	stop := time.After(2 * time.Second)
	ticks := 0
loop:
	for {
		select {
		case <-ticker.C:
			if ticks++; ticks == 3 {
				break loop
			}
		case <-stop:
			break loop
		}
	}
	fmt.Println("ticks", ticks)
	var rw sync.RWMutex
	rw.Lock()
	go func() {
		rw.RLock()
		defer rw.RUnlock()
		fmt.Println("reader after writer")
		done <- true
	}()
	time.Sleep(time.Millisecond)
	rw.Unlock()
	<-done
}
