package server

import (
	"runtime"
	"sync/atomic"
	"time"
)

// A child started ahead of its run (a spare) waits for its request with a
// heap the Go runtime has not touched yet: the run's log, clocks and
// goroutine stacks then come from memory new to the process, a page fault
// every 4 KB. On two cores beside a loading browser, the faults of the
// 1,001-goroutine benchmark run took a third of its child's time. So a
// child left waiting touches that much heap once, and gives it back to its
// own heap, where the run finds it resident.
const (
	// warmAfter is how long a child waits for its request before it warms
	// its heap: a child handed its run at once (no spare) spends nothing
	// on it, nor does a spare taken as soon as it has started (runs back to
	// back, which the warming would slow). At 50 ms, the spare of the
	// benchmark's page opened after another had warmed in 2 of 5 loads; at
	// 10 or 25 ms, in all (the run's page faults).
	warmAfter = 25 * time.Millisecond
	// warmBytes is how much heap it touches, and an idle spare keeps
	// resident: a little more than the new memory the benchmark run's child
	// touches (2,700 page faults, 11 MB).
	warmBytes = 12 << 20
	// warmChunk is the allocation it touches at a time, checking between
	// two whether the request has come.
	warmChunk = 64 << 10
)

// warmHeap warms the heap in the background while the child waits, and
// returns the function that stops it once the request has come: it
// returns when the warming has stopped, so that the run has the
// processor.
func warmHeap() (stop func()) {
	var stopped atomic.Bool
	done := make(chan struct{})
	wake := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-time.After(warmAfter):
		case <-wake:
			return
		}
		var keep [][]byte
		for range warmBytes / warmChunk {
			if stopped.Load() {
				break
			}
			b := make([]byte, warmChunk)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			keep = append(keep, b)
		}
		runtime.KeepAlive(keep) // until here: the loop must not reuse its own chunks
		// Collected now (a millisecond for a heap of nothing else), the
		// chunks are free pages of the heap, resident, for the run to
		// allocate from before the heap grows.
		runtime.GC()
	}()
	return func() {
		stopped.Store(true)
		close(wake)
		<-done
	}
}
