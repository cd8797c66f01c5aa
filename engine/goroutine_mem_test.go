package engine

import (
	goruntime "runtime"
	"sync"
	"testing"
)

// parkedGoroutines is how many goroutines BenchmarkGoroutineMemory parks at once.
const parkedGoroutines = 100_000

// BenchmarkGoroutineMemory measures what a live goroutine costs, parked on a
// read lock held by main (the shape of Go's RWMutex benchmarks), natively
// and on the engine: stack plus heap in use per goroutine at the peak, the
// engine's including its share of the event log. DefaultMaxGoroutines is
// derived from this figure.
func BenchmarkGoroutineMemory(b *testing.B) {
	inUse := func() uint64 {
		var ms goruntime.MemStats
		goruntime.GC()
		goruntime.ReadMemStats(&ms)
		return ms.StackInuse + ms.HeapInuse
	}
	var native, sim uint64
	for range b.N {
		base := inUse()
		var mu sync.RWMutex
		var wg sync.WaitGroup
		mu.Lock()
		for range parkedGoroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mu.RLock()
				//lint:ignore SA2001 waiting for the writer is the point
				mu.RUnlock()
			}()
		}
		native = inUse() - base
		mu.Unlock()
		wg.Wait()

		base = inUse()
		res := Run(Program{Main: func() {
			var mu RWMutex
			var wg WaitGroup
			mu.Lock(0)
			for range parkedGoroutines {
				wg.Add(1, 0)
				Go("main.reader", 0, func() {
					mu.RLock(0)
					mu.RUnlock(0)
					wg.Done(0)
				})
			}
			sim = inUse() - base
			mu.Unlock(0)
			wg.Wait(0)
		}}, Config{Policy: PolicyFIFO})
		if res.Outcome.Kind != OutcomeOK {
			b.Fatalf("engine run ended %s: %s", res.Outcome.Kind, res.Outcome.Message)
		}
	}
	b.ReportMetric(float64(native)/parkedGoroutines, "native-B/goroutine")
	b.ReportMetric(float64(sim)/parkedGoroutines, "B/goroutine")
	b.ReportMetric(float64(sim)/float64(native), "x-native")
}
