// compare: exact
// category: stateful goroutines
//
// One goroutine owns a map; others read and write it by sending requests
// with reply channels, so no mutex is needed.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
)

type readOp struct {
	key  int
	resp chan int
}

type writeOp struct {
	key, val int
	resp     chan bool
}

func main() {
	var readOps, writeOps atomic.Uint64
	reads := make(chan readOp)
	writes := make(chan writeOp)
	quit := make(chan struct{})
	final := make(chan map[int]int)

	go func() {
		state := map[int]int{}
		for {
			select {
			case r := <-reads:
				r.resp <- state[r.key]
			case w := <-writes:
				state[w.key] += w.val
				w.resp <- true
			case <-quit:
				final <- state
				return
			}
		}
	}()

	var wg sync.WaitGroup
	for r := 0; r < 10; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				op := readOp{key: i % 5, resp: make(chan int)}
				reads <- op
				<-op.resp
				readOps.Add(1)
			}
		}()
	}
	for w := 0; w < 5; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				op := writeOp{key: w, val: 1, resp: make(chan bool)}
				writes <- op
				<-op.resp
				writeOps.Add(1)
			}
		}()
	}
	wg.Wait()
	close(quit)
	fmt.Println("readOps:", readOps.Load())
	fmt.Println("writeOps:", writeOps.Load())
	fmt.Println("state:", <-final)
}
