// Functions and methods the engine takes over, used as values, deferred and
// started as goroutines: each must print what Go prints.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

type counter struct {
	mu sync.Mutex
	n  int
}

func apply(f func(string, ...any) (int, error), format string, args ...any) { f(format, args...) }

func main() {
	exit := os.Exit
	defer exit(3)
	p := fmt.Println
	p("x", 1, true)
	defer fmt.Println("deferred", filepath.Join("a", "b", "../c"))
	pf := fmt.Printf
	defer pf("deferred %s\n", "printf")
	apply(fmt.Printf, "%d-%s\n", 7, "seven")

	var wg sync.WaitGroup
	add, done, wait := wg.Add, wg.Done, wg.Wait
	add(2)
	go func() { defer done(); fmt.Println("worker") }()
	go done()
	wait()

	var c counter
	lock, unlock := c.mu.Lock, c.mu.Unlock
	lock()
	c.n++
	unlock()
	mlock := (*sync.Mutex).Lock
	munlock := (*sync.Mutex).Unlock
	mlock(&c.mu)
	c.n++
	munlock(&c.mu)
	fmt.Println("count", c.n)

	var n int64
	inc := atomic.AddInt64
	inc(&n, 5)
	load := atomic.LoadInt64
	var ai atomic.Int32
	aadd := ai.Add
	aadd(3)
	fmt.Println("atomic", load(&n), ai.Load())

	sleep := time.Sleep
	go p("goroutine")
	start := time.Now()
	sleep(10 * time.Millisecond)
	fmt.Println("slept", time.Since(start) >= 10*time.Millisecond)

	withTimeout := context.WithTimeout
	ctx, cancel := withTimeout(context.Background(), time.Second)
	cancel()
	<-ctx.Done()
	fmt.Println("ctx", ctx.Err())

	var once sync.Once
	do := once.Do
	do(func() { fmt.Println("once") })
	do(func() { fmt.Println("twice") })

	f := fmt.Fprintln
	f(os.Stdout, "to stdout")
	os.Stdout.WriteString("WriteString\n")
	ws := os.Stderr.WriteString
	ws("to stderr\n")
	os.Stdout.Sync()
	fmt.Println(filepath.Base("/a/b.go"), filepath.Ext("x.tar.gz"), filepath.Dir("/a/b/c"), filepath.IsAbs("a"))
	m, _ := filepath.Match("*.go", "main.go")
	rel, _ := filepath.Rel("/a", "/a/b/c")
	fmt.Println(m, rel, filepath.Clean("a//b/./c/.."), filepath.SplitList("a:b"), filepath.ToSlash("a/b"))
	dir, file := filepath.Split("/x/y.txt")
	fmt.Println(dir, file)
}
