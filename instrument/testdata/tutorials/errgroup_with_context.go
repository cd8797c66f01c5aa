// compare: exact
// category: errgroup
//
// An errgroup-style group that cancels a shared context on the first error,
// so the other tasks stop early instead of running to completion.
package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

type Group struct {
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	errOnce sync.Once
	err     error
}

func WithContext(ctx context.Context) (*Group, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	return &Group{cancel: cancel}, ctx
}

func (g *Group) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.errOnce.Do(func() {
				g.err = err
				g.cancel()
			})
		}
	}()
}

func (g *Group) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}

func main() {
	g, ctx := WithContext(context.Background())
	var mu sync.Mutex
	var stopped []string
	for _, name := range []string{"fetch-a", "fetch-b", "fetch-c"} {
		g.Go(func() error {
			select {
			case <-time.After(100 * time.Millisecond):
				return nil
			case <-ctx.Done():
				mu.Lock()
				stopped = append(stopped, name)
				mu.Unlock()
				return ctx.Err()
			}
		})
	}
	g.Go(func() error {
		time.Sleep(20 * time.Millisecond)
		return fmt.Errorf("parse: bad input")
	})
	fmt.Println("error:", g.Wait())
	sort.Strings(stopped)
	fmt.Println("stopped early:", stopped)
	fmt.Println("context:", ctx.Err())
}
