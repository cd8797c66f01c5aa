package engine

import (
	"fmt"
	goruntime "runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpus is every engine-level program of the tests, for the properties that
// must hold of all of them.
var corpus = map[string]func(){
	"worker-pool-deadlock":   guideWorkerPool(3, 3),
	"worker-pool-unbuffered": guideWorkerPool(0, 0),
	"fan-out-fan-in":         simFanIn,
	"mutex-counter":          simMutexCounter,
	"context-timeout":        simContextTimeout,
	"ping-pong":              func() { simPingPong(20) },
	"select-mix": func() {
		a, b := MakeChan[int]("a", 1, P(1)), MakeChan[int]("b", 0, P(1))
		quit := MakeChan[struct{}]("quit", 0, P(1))
		Go("main.worker", P(2), func() {
			for i := range 10 {
				Select(W(1), false, Send(a, i), Send(b, -i))
			}
			quit.Close(W(2))
		})
		for {
			ra, rb, rq := Recv(a), Recv(b), Recv(quit)
			if Select(P(3), false, ra, rb, rq) == 2 {
				return
			}
			Println(P(4), ra.V+rb.V)
		}
	},
}

func simFanIn() {
	data := []int{1, 2, 3, 4, 5}
	in := MakeChan[int]("in", len(data), P(1))
	out := MakeChan[int]("out", len(data), P(1))
	var wg WaitGroup
	Go("main.producer", P(2), func() {
		for _, d := range data {
			in.Send(d, W(1))
		}
		in.Close(W(2))
	})
	for i := 1; i <= 3; i++ {
		wg.Add(1, P(3))
		Go("main.worker", P(4), func() {
			defer wg.Done(W(5))
			for n := range in.Range(W(3)) {
				out.Send(n*n, W(4))
			}
		})
	}
	Go("main.main.func1", P(5), func() { wg.Wait(W(6)); out.Close(W(7)) })
	for r := range out.Range(P(6)) {
		Println(P(7), "Result:", r)
	}
}

func simMutexCounter() {
	var mu Mutex
	var wg WaitGroup
	count := 0
	for range 100 {
		wg.Add(1, P(1))
		Go("main.main.func1", P(2), func() {
			defer wg.Done(W(3))
			mu.Lock(W(1))
			count++
			mu.Unlock(W(2))
		})
	}
	wg.Wait(P(3))
	Println(P(4), "Final count:", count)
}

func simContextTimeout() {
	files := []string{"file1.txt", "file2.txt", "file3.txt"}
	ch := MakeChan[string]("ch", len(files), P(1))
	var wg WaitGroup
	ctx, cancel := WithTimeout(Background(), 1500*time.Millisecond, P(2))
	defer cancel()
	for _, f := range files {
		wg.Add(1, P(3))
		Go("main.processFile", P(4), func() {
			defer wg.Done(W(1))
			switch Select(W(2), false, Recv(ctx.Done()), Recv(After(time.Second, W(2)))) {
			case 0:
				ch.Send(fmt.Sprintf("Cancelled processing %s", f), W(3))
			case 1:
				ch.Send(fmt.Sprintf("Processed %s", f), W(4))
			}
		})
	}
	Go("main.main.func1", P(5), func() { wg.Wait(W(5)); ch.Close(W(6)) })
	for r := range ch.Range(P(6)) {
		Println(P(7), r)
	}
}

// Same program, seed and policy give the same log, byte for byte.
func TestDeterminism(t *testing.T) {
	for name, prog := range corpus {
		t.Run(name, func(t *testing.T) {
			distinct := map[string]bool{}
			for _, pol := range []Policy{PolicyRandom, PolicyGo, PolicyFIFO} {
				for seed := range uint64(100) {
					cfg := Config{Seed: seed, Policy: pol}
					a, b := logHash(run(prog, cfg)), logHash(run(prog, cfg))
					require.Equal(t, a, b, "policy %s seed %d", pol, seed)
					distinct[a] = true
				}
			}
			t.Logf("%d distinct logs over 300 runs", len(distinct))
		})
	}
}

// A run with an intervention at step k is identical to the run without it
// up to step k.
func TestInterventionKeepsPrefix(t *testing.T) {
	for name, prog := range corpus {
		t.Run(name, func(t *testing.T) {
			base := run(prog, Config{Seed: 7})
			k := base.Log.Len() / 2
			changed := 0
			for g := int32(1); g <= int32(len(base.Log.Gs)); g++ {
				r := run(prog, Config{Seed: 7, Interventions: []Intervention{{Step: int64(k), Kind: RunNext, G: g}}})
				for i := 0; i < k; i++ {
					require.Equal(t, base.Log.At(i), r.Log.At(i), "event %d differs before the intervention at %d", i, k)
				}
				if logHash(r) != logHash(base) {
					changed++
				}
			}
			t.Logf("%d of %d goroutine choices at step %d changed the run", changed, len(base.Log.Gs), k)
		})
	}
}

// "Run goroutine G next" decides who runs at that point: choosing each
// sender in turn decides which value the receiver gets first.
func TestRunNextChoosesTheGoroutine(t *testing.T) {
	prog := func() {
		c := MakeChan[int]("c", 0, P(1))
		for i := 1; i <= 3; i++ {
			Go("main.worker", P(2), func() { c.Send(i, W(1)) })
		}
		Println(P(3), c.Recv1(P(3)))
	}
	// After the make and the three go events (4 events) main is about to
	// receive; goroutines 2, 3 and 4 are runnable, each about to send.
	for g, want := range map[int32]string{2: "1\n", 3: "2\n", 4: "3\n"} {
		r := run(prog, Config{Policy: PolicyGo, Interventions: []Intervention{{Step: 4, Kind: RunNext, G: g}}})
		assert.Equal(t, want, r.Stdout, "running goroutine %d first", g)
		assert.Equal(t, KindSchedule, r.Log.At(4).Kind)
	}
}

// A thousand runs in a loop do not grow memory.
func TestRunsDoNotGrowMemory(t *testing.T) {
	heap := func() uint64 {
		var m goruntime.MemStats
		goruntime.GC()
		goruntime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for range 50 { // warm up caches and pools
		run(guideWorkerPool(3, 3), Config{})
	}
	before := heap()
	for seed := range uint64(1000) {
		run(guideWorkerPool(3, 3), Config{Seed: seed})
		run(simContextTimeout, Config{Seed: seed})
	}
	after := heap()
	assert.Less(t, int64(after)-int64(before), int64(1<<20), "heap grew from %d to %d bytes over 2000 runs", before, after)
}

// Where the output is deterministic up to order, the engine prints what the
// same program prints on real goroutines.
func TestMatchesNativeGo(t *testing.T) {
	native := map[string]func(p func(...any)){
		"fan-out-fan-in": func(p func(...any)) {
			data := []int{1, 2, 3, 4, 5}
			in, out := make(chan int, len(data)), make(chan int, len(data))
			var wg sync.WaitGroup
			go func() {
				for _, d := range data {
					in <- d
				}
				close(in)
			}()
			for range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := range in {
						out <- n * n
					}
				}()
			}
			go func() { wg.Wait(); close(out) }()
			for r := range out {
				p("Result:", r)
			}
		},
		"mutex-counter": func(p func(...any)) {
			var mu sync.Mutex
			var wg sync.WaitGroup
			count := 0
			for range 100 {
				wg.Add(1)
				go func() { defer wg.Done(); mu.Lock(); count++; mu.Unlock() }()
			}
			wg.Wait()
			p("Final count:", count)
		},
	}
	sorted := func(s string) []string {
		lines := strings.Split(strings.TrimSpace(s), "\n")
		sort.Strings(lines)
		return lines
	}
	for name, nat := range native {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			var b strings.Builder
			nat(func(a ...any) { mu.Lock(); fmt.Fprintln(&b, a...); mu.Unlock() })
			want := sorted(b.String())
			seeds(t, 20, corpus[name], func(t *testing.T, r *Result) {
				assert.Equal(t, OutcomeOK, r.Outcome.Kind)
				assert.True(t, slices.Equal(want, sorted(r.Stdout)), "native %q, engine %q", want, sorted(r.Stdout))
			})
		})
	}
}
