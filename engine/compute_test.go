package engine

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nap is how long main sleeps while a goroutine spins: long enough for
// many time slices, short enough to keep the tests quick under -race.
const nap = 100 * time.Millisecond

// spinOnFlag is the busy loop of issue 13: a goroutine spins on a flag
// (`for !stop { n++ }`) while main sleeps, sets the flag, prints and
// returns. In Go the spinner is preempted and main ends the program.
func spinOnFlag() {
	stop := false
	Go("main.worker", P(1), func() {
		n := 0
		for !Read(&stop, W(1)) {
			n++
			Compute(W(1))
		}
	})
	Sleep(nap, P(2))
	Write(&stop, true, P(3))
	Println(P(4), "stopped")
}

// A goroutine spinning on a flag lets the sleeper wake and the program end
// as in Go, under every policy: computing costs virtual time, so main's
// timer comes due, and the spinner is preempted at its time slice's end.
func TestSpinLoopEnds(t *testing.T) {
	seeds(t, 3, spinOnFlag, func(t *testing.T, r *Result) {
		assert.Equal(t, OutcomeOK, r.Outcome.Kind, r.Outcome.Message)
		assert.Equal(t, "stopped\n", r.Stdout)
	})
	// Alone on the processor, the spinner pays for its iterations from its
	// FreeComputes-th on, once: main wakes after the nap's worth of them, so
	// a one-second nap would cost about 101,000 reads of the flag, well under
	// the server's million events.
	r := run(spinOnFlag, Config{Policy: PolicyGo})
	reads := 0
	for i := range r.Log.Len() {
		if e := r.Log.At(i); e.Kind == KindRead && e.G == 2 {
			reads++
		}
	}
	assert.InDelta(t, FreeComputes+int(nap/ComputeCost), reads, 2)
}

// The spinner without any shared access, and main spinning while a sleeper
// waits to print: the same.
func TestComputeOnlyLoopsEnd(t *testing.T) {
	tests := []struct {
		name string
		main func()
		want string
	}{
		{"a worker computes forever, main sleeps", func() {
			Go("main.worker", P(1), func() {
				for {
					Compute(W(1))
				}
			})
			Sleep(nap, P(2))
			Println(P(3), "main done")
		}, "main done\n"},
		{"main computes until a sleeper has printed", func() {
			printed := false
			Go("main.worker", P(1), func() {
				Sleep(nap, W(1))
				Println(W(2), "worker woke")
				Write(&printed, true, W(3))
			})
			for !Read(&printed, P(2)) {
				Compute(P(2))
			}
			Println(P(3), "main done")
		}, "worker woke\nmain done\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seeds(t, 3, tt.main, func(t *testing.T, r *Result) {
				assert.Equal(t, OutcomeOK, r.Outcome.Kind, r.Outcome.Message)
				assert.Equal(t, tt.want, r.Stdout)
			})
		})
	}
}

// preempts returns the run's preemptions as "G ns" lines.
func preempts(l *Log) []string {
	var out []string
	for i := range l.Len() {
		if e := l.At(i); e.Kind == KindPreempt {
			out = append(out, l.Value(e)+" by "+strconv.Itoa(int(e.G)))
		}
	}
	return out
}

// Two busy goroutines share the processor in time slices, as on one CPU in
// Go: each is preempted after exactly TimeSlice of computing, the other
// runs, and the run takes their busy time in virtual time.
func TestPreemptAfterTimeSlice(t *testing.T) {
	// A stint on the processor that ends a slice: the free calls, then a
	// slice's worth. Each worker ends two slices, then finishes within its
	// free calls.
	stint := FreeComputes + int(TimeSlice/ComputeCost)
	calls := 2*stint + FreeComputes
	prog := func() {
		var wg WaitGroup
		for range 2 {
			wg.Add(1, P(1))
			Go("main.worker", P(2), func() {
				defer wg.Done(W(2))
				for range calls {
					Compute(W(1))
				}
			})
		}
		wg.Wait(P(3))
	}
	slice := strconv.FormatInt(int64(TimeSlice), 10) + " by "
	r := run(prog, Config{Policy: PolicyGo})
	require.Equal(t, OutcomeOK, r.Outcome.Kind, r.Outcome.Message)
	// The last started (3) runs first.
	assert.Equal(t, []string{slice + "3", slice + "2", slice + "3", slice + "2"}, preempts(r.Log))
	assert.Equal(t, 4*int64(TimeSlice), r.Log.At(r.Log.Len()-1).Time, "the run took four slices")
	for _, cfg := range []Config{{Policy: PolicyFIFO}, {Seed: 1}, {Seed: 2}} {
		r := run(prog, cfg)
		require.Equal(t, OutcomeOK, r.Outcome.Kind, r.Outcome.Message)
		ps := preempts(r.Log)
		assert.NotEmpty(t, ps, "%v: a busy goroutine ends a slice while the other waits", cfg)
		for _, p := range ps {
			assert.True(t, strings.HasPrefix(p, slice), "%v: %s", cfg, p)
		}
	}
}

// A goroutine computing alone is never preempted: nobody else could run,
// and nothing on screen changes.
func TestNoPreemptWithNobodyToRun(t *testing.T) {
	r := run(func() {
		for range 100_000 {
			Compute(P(1))
		}
	}, Config{})
	require.Equal(t, OutcomeOK, r.Outcome.Kind)
	assert.Empty(t, preempts(r.Log))
}

// A program that never ends stops at a limit with a clear message, and
// keeps everything it printed before: at the wall-clock limit a parent
// process sets (Limits.MaxWall), or at the virtual time cap.
func TestNeverEndingLoopStopsAtLimit(t *testing.T) {
	tests := []struct {
		name   string
		limits Limits
		main   func()
		want   string
	}{
		{"for {} in main", Limits{MaxWall: 20 * time.Millisecond}, func() {
			Println(P(1), "before")
			for {
				Compute(P(2))
			}
		}, "wall-clock time limit reached: 20ms (goroutine 1 was computing at prog.go:2 without blocking)"},
		{"for {} in a worker main waits for", Limits{MaxWall: 20 * time.Millisecond}, func() {
			Println(P(1), "before")
			done := MakeChan[int]("done", 0, P(2))
			Go("main.worker", P(3), func() {
				for {
					Compute(W(4))
				}
			})
			done.Recv1(P(4))
		}, "wall-clock time limit reached: 20ms (goroutine 2 was computing at prog.go:104 without blocking)"},
		{"virtual time cap", Limits{MaxTime: int64(time.Second)}, func() {
			Println(P(1), "before")
			for {
				Compute(P(2))
			}
		}, "virtual time cap reached: 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			r := run(tt.main, Config{Limits: tt.limits, Stdout: &stdout, Stderr: &stderr})
			require.Equal(t, OutcomeLimit, r.Outcome.Kind)
			assert.Equal(t, ExitCodeLimit, r.Outcome.ExitCode)
			assert.Equal(t, LimitMessage(tt.want), r.Outcome.Message)
			assert.Equal(t, "before\n", r.Stdout)
			assert.Equal(t, "before\n", stdout.String(), "streamed as printed")
			assert.Equal(t, LimitMessage(tt.want)+"\n", stderr.String())
		})
	}
}

// Compute is safe outside a run, and a deferred loop that computes while a
// run ends cannot hold the end up: Compute unwinds it as every operation
// does.
func TestComputeOutsideARunAndWhileEnding(t *testing.T) {
	assert.NotPanics(t, func() { Compute(P(1)) })
	r := run(func() {
		block := MakeChan[int]("block", 0, P(1))
		Go("main.worker", P(2), func() {
			defer func() {
				for {
					Compute(W(2))
				}
			}()
			block.Recv1(W(1))
		})
		Gosched(P(3))
		Println(P(4), "main returns")
	}, Config{Policy: PolicyGo})
	assert.Equal(t, OutcomeLeak, r.Outcome.Kind, "the worker stays blocked; its deferred loop was cut short")
	assert.Equal(t, "main returns\n", r.Stdout)
}

// A busy goroutine's computing advances the clock that time.Now reads, at
// ComputeCost per call after its free ones; a brief computation leaves the
// clock where it was, as on the Go playground.
func TestComputeCostsVirtualTime(t *testing.T) {
	tests := []struct {
		calls int
		want  time.Duration
	}{
		{3, 0},
		{FreeComputes, 0},
		{FreeComputes + 500, 500 * ComputeCost},
	}
	for _, tt := range tests {
		var elapsed time.Duration
		r := run(func() {
			start := Now()
			for range tt.calls {
				Compute(P(1))
			}
			elapsed = Since(start)
		}, Config{})
		require.Equal(t, OutcomeOK, r.Outcome.Kind)
		assert.Equal(t, tt.want, elapsed, "%d calls", tt.calls)
	}
}

// A parent's kill stays the last resort: the run's own limit comes first.
func TestRunWallIsBelowTheParentsLimit(t *testing.T) {
	for _, wall := range []time.Duration{time.Second, 10 * time.Second, time.Minute} {
		got := RunWall(wall)
		assert.Greater(t, got, wall/2, "most of the time is the program's")
		assert.Less(t, got, wall)
	}
}
