package engine

import (
	"sync"
	"testing"
	"time"
)

// Each benchmark runs the native-Go program and its engine twin for the same
// b.N in one benchmark, reports the engine's cost as ns/op and allocs/op, and
// adds the native figure and the ratio as metrics:
//
//	native-ns/op  the same work on real goroutines and channels
//	x-native      engine time / native time
//	B/event       log memory per recorded event
func compare(b *testing.B, native func(n int), sim func(n int) *Result) (eng, nat time.Duration) {
	b.Helper()
	b.ReportAllocs()
	b.StopTimer()
	start := time.Now()
	native(b.N)
	nat = time.Since(start)
	b.StartTimer()
	start = time.Now()
	res := sim(b.N)
	eng = time.Since(start)
	b.StopTimer()
	if res.Outcome.Kind != OutcomeOK {
		b.Fatalf("engine run ended %s: %s", res.Outcome.Kind, res.Outcome.Message)
	}
	b.ReportMetric(float64(nat.Nanoseconds())/float64(b.N), "native-ns/op")
	b.ReportMetric(float64(eng)/float64(nat), "x-native")
	b.ReportMetric(float64(res.Log.Bytes())/float64(max(res.Log.Len(), 1)), "B/event")
	return eng, nat
}

func bigLimits() Config {
	return Config{Policy: PolicyGo, Limits: Limits{MaxEvents: 1 << 30}}
}

// BenchmarkPingPong: one op is a round trip over two unbuffered channels.
func BenchmarkPingPong(b *testing.B) {
	for _, pol := range []Policy{PolicyGo, PolicyRandom} {
		b.Run(pol.String(), func(b *testing.B) {
			cfg := bigLimits()
			cfg.Policy = pol
			compare(b, nativePingPong, func(n int) *Result {
				return Run(Program{Main: func() { simPingPong(n) }}, cfg)
			})
		})
	}
}

func nativePingPong(n int) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	for i := 0; i < n; i++ {
		ping <- i
		<-pong
	}
	close(ping)
}

func simPingPong(n int) {
	ping, pong := MakeChan[int]("ping", 0, 0), MakeChan[int]("pong", 0, 0)
	Go("echo", 0, func() {
		for v := range ping.Range(0) {
			pong.Send(v, 0)
		}
	})
	for i := 0; i < n; i++ {
		ping.Send(i, 0)
		pong.Recv1(0)
	}
	ping.Close(0)
}

const fanItems = 100_000

// BenchmarkFanOutFanIn: one op is 100,000 items through 1 producer, 8
// workers and 1 collector over channels of capacity 16.
func BenchmarkFanOutFanIn(b *testing.B) {
	compare(b, func(n int) {
		for range n {
			nativeFan()
		}
	}, func(n int) *Result {
		return Run(Program{Main: func() {
			for range n {
				simFan()
			}
		}}, bigLimits())
	})
}

func nativeFan() {
	in, out := make(chan int, 16), make(chan int, 16)
	go func() {
		for i := range fanItems {
			in <- i
		}
		close(in)
	}()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range in {
				out <- v * 2
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()
	sum := 0
	for v := range out {
		sum += v
	}
	if sum != fanItems*(fanItems-1) {
		panic("bad sum")
	}
}

func simFan() {
	in, out := MakeChan[int]("in", 16, 0), MakeChan[int]("out", 16, 0)
	Go("producer", 0, func() {
		for i := range fanItems {
			in.Send(i, 0)
		}
		in.Close(0)
	})
	var wg WaitGroup
	for range 8 {
		wg.Add(1, 0)
		Go("worker", 0, func() {
			defer wg.Done(0)
			for v := range in.Range(0) {
				out.Send(v*2, 0)
			}
		})
	}
	Go("closer", 0, func() { wg.Wait(0); out.Close(0) })
	sum := 0
	for v := range out.Range(0) {
		sum += v
	}
	if sum != fanItems*(fanItems-1) {
		panic("bad sum")
	}
}

// BenchmarkManyGoroutines: one op is 10,000 goroutines each sending 10 values
// into one buffered channel that main drains.
func BenchmarkManyGoroutines(b *testing.B) {
	compare(b, func(n int) {
		for range n {
			c := make(chan int, 100)
			for g := range 10_000 {
				go func() {
					for i := range 10 {
						c <- g*10 + i
					}
				}()
			}
			for range 100_000 {
				<-c
			}
		}
	}, func(n int) *Result {
		return Run(Program{Main: func() {
			for range n {
				c := MakeChan[int]("c", 100, 0)
				for g := range 10_000 {
					Go("sender", 0, func() {
						for i := range 10 {
							c.Send(g*10+i, 0)
						}
					})
				}
				for range 100_000 {
					c.Recv1(0)
				}
			}
		}}, bigLimits())
	})
}

// BenchmarkThousandWorkers: one op is one number through a pool of a
// thousand workers (jobs in, results out, both buffered), the page's load
// test: every channel operation joins vector clocks a thousand wide and
// every send and receive reads the channel for the race detector.
func BenchmarkThousandWorkers(b *testing.B) {
	const workers = 1000
	compare(b, func(n int) {
		jobs, results := make(chan int, 16), make(chan int, 16)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range jobs {
					results <- j
				}
			}()
		}
		go func() {
			for i := range n {
				jobs <- i
			}
			close(jobs)
		}()
		go func() { wg.Wait(); close(results) }()
		for range results {
		}
	}, func(n int) *Result {
		return Run(Program{Main: func() {
			jobs, results := MakeChan[int]("jobs", 16, 0), MakeChan[int]("results", 16, 0)
			var wg WaitGroup
			for range workers {
				wg.Add(1, 0)
				Go("worker", 0, func() {
					defer wg.Done(0)
					for j := range jobs.Range(0) {
						results.Send(j, 0)
					}
				})
			}
			Go("producer", 0, func() {
				for i := range n {
					jobs.Send(i, 0)
				}
				jobs.Close(0)
			})
			Go("closer", 0, func() { wg.Wait(0); results.Close(0) })
			for range results.Range(0) {
			}
		}}, bigLimits())
	})
}

// memWorkers is how many goroutines share memory in BenchmarkSharedMemory.
const memWorkers = 4

// BenchmarkSharedMemory: one op is one access's worth of shared-memory work
// in each of memWorkers goroutines. "mutex" is §4's counter: count++ under a
// Mutex (a read and a write between Lock and Unlock); "readwrite" reads a
// shared setting and writes the goroutine's own slot of a shared slice, with
// no lock. ns/access and native-ns/access are per read or write.
func BenchmarkSharedMemory(b *testing.B) {
	const accesses = 2 // per iteration of either loop
	cases := []struct {
		name   string
		native func(n int)
		sim    func(n int)
	}{
		{"mutex", func(n int) {
			var mu sync.Mutex
			count := 0
			var wg sync.WaitGroup
			for range memWorkers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range n / memWorkers {
						mu.Lock()
						count++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if count != n/memWorkers*memWorkers {
				panic("bad count")
			}
		}, func(n int) {
			var mu Mutex
			count := 0
			var wg WaitGroup
			for range memWorkers {
				wg.Add(1, 0)
				Go("worker", 0, func() {
					defer wg.Done(0)
					for range n / memWorkers {
						mu.Lock(0)
						Update(&count, func(c int) int { return c + 1 }, 0)
						mu.Unlock(0)
					}
				})
			}
			wg.Wait(0)
			if count != n/memWorkers*memWorkers {
				panic("bad count")
			}
		}},
		{"readwrite", func(n int) {
			step, slots := 1, make([]int, memWorkers)
			var wg sync.WaitGroup
			for w := range memWorkers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range n / memWorkers {
						slots[w] += step
					}
				}()
			}
			wg.Wait()
		}, func(n int) {
			step, slots := 1, make([]int, memWorkers)
			var wg WaitGroup
			for w := range memWorkers {
				wg.Add(1, 0)
				Go("worker", 0, func() {
					defer wg.Done(0)
					for range n / memWorkers {
						Write(&slots[w], slots[w]+Read(&step, 0), 0)
					}
				})
			}
			wg.Wait(0)
		}},
	}
	for _, c := range cases {
		for _, pol := range []Policy{PolicyGo, PolicyRandom} {
			b.Run(c.name+"/"+pol.String(), func(b *testing.B) {
				cfg := bigLimits()
				cfg.Policy = pol
				eng, nat := compare(b, func(n int) { c.native(n * memWorkers) }, func(n int) *Result {
					return Run(Program{Main: func() { c.sim(n * memWorkers) }}, cfg)
				})
				per := float64(b.N * memWorkers * accesses)
				b.ReportMetric(float64(eng.Nanoseconds())/per, "ns/access")
				b.ReportMetric(float64(nat.Nanoseconds())/per, "native-ns/access")
			})
		}
	}
}

// BenchmarkCompute: one op is one loop iteration that calls Compute, the
// cost every back edge of a rewritten program pays when nothing happens
// there (the slice's end and timers are rare).
func BenchmarkCompute(b *testing.B) {
	sink := 0
	compare(b, func(n int) {
		for i := range n {
			sink += i
		}
	}, func(n int) *Result {
		return Run(Program{Main: func() {
			for i := range n {
				sink += i
				Compute(0)
			}
		}}, bigLimits())
	})
}
