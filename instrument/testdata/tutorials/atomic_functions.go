// compare: exact
// category: atomics
//
// The function forms: AddInt64, LoadInt64, StoreInt64, SwapInt64 and a
// CompareAndSwap loop that doubles a value under contention.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
)

func main() {
	var n int64
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			atomic.AddInt64(&n, 5)
		}()
	}
	wg.Wait()
	fmt.Println("added:", atomic.LoadInt64(&n))
	old := atomic.SwapInt64(&n, 1)
	fmt.Println("swapped out:", old)

	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				v := atomic.LoadInt64(&n)
				if atomic.CompareAndSwapInt64(&n, v, v*2) {
					return
				}
			}
		}()
	}
	wg.Wait()
	fmt.Println("doubled 4 times:", atomic.LoadInt64(&n))
	fmt.Println("CAS with a stale value:", atomic.CompareAndSwapInt64(&n, 0, 99))
	atomic.StoreInt64(&n, 7)
	fmt.Println("stored:", n)

	var flag atomic.Bool
	fmt.Println("first to set:", flag.CompareAndSwap(false, true), flag.CompareAndSwap(false, true))
	var i32 atomic.Int32
	i32.Store(40)
	fmt.Println(i32.Add(2), i32.Swap(0), i32.Load())
}
