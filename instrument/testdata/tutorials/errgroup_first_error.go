// compare: exact
// category: errgroup
//
// An errgroup-style helper written by hand: Go runs a task, Wait returns the
// first error any task returned.
package main

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

type Group struct {
	wg      sync.WaitGroup
	errOnce sync.Once
	err     error
}

func (g *Group) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.errOnce.Do(func() { g.err = err })
		}
	}()
}

func (g *Group) Wait() error {
	g.wg.Wait()
	return g.err
}

func main() {
	var g Group
	for i, d := range []int{20, 5, 120, 10} {
		g.Go(func() error {
			time.Sleep(time.Duration(d) * time.Millisecond)
			if d >= 20 {
				return fmt.Errorf("task %d failed after %dms", i, d)
			}
			return nil
		})
	}
	fmt.Println("first error:", g.Wait())

	var ok Group
	ok.Go(func() error { return nil })
	fmt.Println("no error:", ok.Wait(), errors.Is(ok.Wait(), nil))
}
