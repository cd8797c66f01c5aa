// syncs exercises sync, sync/atomic, time and context on the engine, with
// deterministic output.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

type Counter struct {
	sync.Mutex
	n int
}

func (c *Counter) Inc() {
	c.Lock()
	defer c.Unlock()
	c.n++
}

type Store struct {
	mu   sync.RWMutex
	data map[string]int
}

func (s *Store) Get(k string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.data[k]
}

var (
	ready = make(chan struct{})
	total atomic.Int64
	hits  int32
	once  sync.Once
	start = time.Now()
)

var initOrder []string

func init() { initOrder = append(initOrder, "init1") }
func init() { initOrder = append(initOrder, "init2") }

func work(id int, wg *sync.WaitGroup, c *Counter) {
	defer wg.Done()
	c.Inc()
	total.Add(int64(id))
	atomic.AddInt32(&hits, 1)
	once.Do(func() { close(ready) })
}

func main() {
	fmt.Println(initOrder)
	var wg sync.WaitGroup
	c := &Counter{}
	for i := 1; i <= 4; i++ {
		wg.Add(1)
		go work(i, &wg, c)
	}
	wg.Wait()
	<-ready
	fmt.Println("count", c.n, total.Load(), atomic.LoadInt32(&hits))

	var wg2 sync.WaitGroup
	s := &Store{data: map[string]int{"a": 1}}
	results := make([]int, 3)
	for i := range 3 {
		wg2.Go(func() { results[i] = s.Get("a") + i })
	}
	done := wg2.Wait
	done()
	fmt.Println("wg.Go", results)

	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	flag := false
	go func() {
		time.Sleep(time.Second)
		mu.Lock()
		flag = true
		cond.Broadcast()
		mu.Unlock()
	}()
	mu.Lock()
	for !flag {
		cond.Wait()
	}
	mu.Unlock()
	fmt.Println("cond", flag, time.Since(start) >= time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	select {
	case <-ctx.Done():
		fmt.Println("ctx", ctx.Err(), errors.Is(ctx.Err(), context.DeadlineExceeded))
	case <-time.After(time.Second):
		fmt.Println("timer first")
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	go cancel2()
	<-ctx2.Done()
	fmt.Println("cancelled", ctx2.Err())

	t := time.NewTimer(time.Hour)
	fmt.Println("stopped", t.Stop())
	tk := time.NewTicker(10 * time.Millisecond)
	for range 3 {
		<-tk.C
	}
	tk.Stop()
	fired := make(chan bool)
	time.AfterFunc(time.Millisecond, func() { fired <- true })
	fmt.Println("afterfunc", <-fired)
	var b atomic.Bool
	b.Store(true)
	var v atomic.Value
	v.Store("x")
	fmt.Println("atomics", b.Load(), v.Load(), runtime.NumGoroutine() >= 1)
	runtime.Gosched()
	fmt.Fprintln(os.Stdout, "to stdout")
	fmt.Fprintln(os.Stderr, "to stderr")
	println("builtin", 1, true)
	unlock := mu.Unlock
	mu.Lock()
	unlock()
	os.Exit(3)
}
