package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The guide's §6 worker pool, buggy version: with buffers of 3 the workers
// finish and main waits forever on results, which nobody closes.
func guideWorkerPool(jobsCap, resultsCap int) func() {
	return func() {
		jobs := MakeChan[int]("jobs", jobsCap, P(11))
		results := MakeChan[int]("results", resultsCap, P(12))
		var wg WaitGroup
		for i := 1; i <= 3; i++ {
			wg.Add(1, P(16))
			Go("main.main.func1", P(17), func() {
				defer wg.Done(P(18))
				for j := range jobs.Range(W(4)) {
					results.Send(j*j, W(5))
				}
			})
		}
		for i := 1; i <= 5; i++ {
			jobs.Send(i, P(24))
		}
		jobs.Close(P(26))
		for r := range results.Range(P(28)) {
			Println(P(29), r)
		}
	}
}

func TestDeadlockReportIsGos(t *testing.T) {
	r := run(guideWorkerPool(3, 3), Config{Seed: 1})
	require.Equal(t, OutcomeDeadlock, r.Outcome.Kind)
	assert.Equal(t, "fatal error: all goroutines are asleep - deadlock!", r.Outcome.Message)
	assert.Equal(t, 2, r.Outcome.ExitCode)
	assert.Equal(t, "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:\nmain.main()\n\tprog.go:28\n", r.Outcome.Report)
	assert.True(t, strings.HasSuffix(r.Stderr, r.Outcome.Report))
	require.Len(t, r.Outcome.Blocked, 1)
	assert.Equal(t, Blocked{G: 1, Name: "main.main", Reason: WaitChanReceive, Obj: 2, Pos: P(28)}, r.Outcome.Blocked[0])
	assert.Equal(t, []WaitEdge{{G: 1, Obj: 2, By: []int32{}}}, r.Outcome.Edges, "a dead end: every goroutine that sent on results has exited")
}

func TestDeadlockEarlyWithUnbufferedChannels(t *testing.T) {
	// jobs=0, results=0: each worker takes one job and blocks sending its
	// result; main blocks sending the fourth job.
	seeds(t, 30, guideWorkerPool(0, 0), func(t *testing.T, r *Result) {
		require.Equal(t, OutcomeDeadlock, r.Outcome.Kind)
		var mainB Blocked
		workers := 0
		for _, b := range r.Outcome.Blocked {
			if b.G == 1 {
				mainB = b
			} else {
				workers++
				assert.Equal(t, WaitChanSend, b.Reason)
				assert.Equal(t, W(5), b.Pos)
			}
		}
		assert.Equal(t, WaitChanSend, mainB.Reason)
		assert.Equal(t, P(24), mainB.Pos)
		assert.Equal(t, 3, workers)
		assert.Contains(t, r.Outcome.Report, "\ngoroutine 2 [chan send]:\nmain.worker(...)\n\tprog.go:105\ncreated by main.main in goroutine 1\n\tprog.go:17\n")
	})
}

func TestOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		main    func()
		kind    OutcomeKind
		message string
		exit    int
	}{
		{"main returns", func() { Println(P(1), "hi") }, OutcomeOK, "", 0},
		{"main returns while a goroutine is blocked", func() {
			c := MakeChan[int]("c", 0, P(1))
			Go("main.worker", P(2), func() { c.Send(1, W(1)) })
			Sleep(1, P(3))
		}, OutcomeLeak, "concviz: 1 goroutine still blocked when main returned", 0},
		{"os.Exit", func() {
			defer Println(P(2), "deferred calls do not run")
			Exit(3, P(1))
		}, OutcomeExit, "exit status 3", 3},
		{"main calls Goexit and the others finish", func() {
			Go("main.worker", P(1), func() { Sleep(1, W(1)) })
			Goexit(P(2))
		}, OutcomeDeadlock, "fatal error: no goroutines (main called runtime.Goexit) - deadlock!", 2},
		{"event cap", func() {
			for {
				Gosched(P(1))
			}
		}, OutcomeLimit, "concviz: limit: event cap reached: 1000 events", ExitCodeLimit},
		{"goroutine cap", func() {
			for {
				Go("main.worker", P(1), func() { Select(W(1), false) })
			}
		}, OutcomeLimit, "concviz: limit: goroutine cap reached: 50 live goroutines", ExitCodeLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(tc.main, Config{Limits: Limits{MaxEvents: 1000, MaxGoroutines: 50}})
			assert.Equal(t, tc.kind, r.Outcome.Kind)
			assert.Equal(t, tc.message, r.Outcome.Message)
			assert.Equal(t, tc.exit, r.Outcome.ExitCode)
			assert.NotContains(t, r.Stdout, "deferred calls do not run")
		})
	}
}

func TestGoexitRunsDeferredCalls(t *testing.T) {
	r := run(func() {
		done := MakeChan[bool]("done", 0, P(1))
		Go("main.worker", P(2), func() {
			defer done.Send(true, W(3))
			defer func() {
				if r := Recover(recover()); r != nil {
					Println(W(2), "recovered", r)
				}
			}()
			Goexit(W(1))
			Println(W(4), "not reached")
		})
		done.Recv1(P(3))
		Println(P(4), "goroutines:", NumGoroutine())
	}, Config{Policy: PolicyGo})
	assert.Equal(t, OutcomeOK, r.Outcome.Kind, r.Outcome.Message)
	assert.Equal(t, "goroutines: 1\n", r.Stdout)
}

func TestPanicInGoroutineEndsTheRun(t *testing.T) {
	r := run(func() {
		Go("main.worker", P(1), func() { panic("worker failed") })
		Sleep(1, P(2))
		Println(P(3), "main never gets here")
	}, Config{})
	assert.Equal(t, OutcomePanic, r.Outcome.Kind)
	assert.Equal(t, int32(2), r.Outcome.G)
	assert.Equal(t, "panic: worker failed", r.Outcome.Message)
	assert.Empty(t, r.Stdout)
	assert.Contains(t, r.Stderr, "goroutine 2 [running]:\n")
	assert.Contains(t, r.Stderr, "outcome_test.go:", "the stack shows where the program panicked")
}

func TestOutputCapture(t *testing.T) {
	var live strings.Builder
	r := run(func() {
		Println(P(1), "a", 1)
		Printf(P(2), "%s-%d\n", "b", 2)
		Print(P(3), "c", "d\n")
		PrintlnBuiltin(P(4), "to stderr", 1.5, true)
		Stdout.Write([]byte("via os.Stdout\n"))
	}, Config{Stdout: &live})
	assert.Equal(t, "a 1\nb-2\ncd\nvia os.Stdout\n", r.Stdout)
	assert.Equal(t, r.Stdout, live.String(), "the live writer sees the same output")
	assert.Equal(t, "to stderr 1.5 true\n", r.Stderr)
	prints := 0
	for _, e := range r.Log.All {
		if e.Kind == KindPrint {
			prints++
		}
	}
	assert.Equal(t, 5, prints, "every print is a step of its own")
}

func TestKnobs(t *testing.T) {
	prog := func() { Println(P(1), Knob("workers", 3), Knob("other", 7)) }
	assert.Equal(t, "3 7\n", run(prog, Config{}).Stdout)
	assert.Equal(t, "5 7\n", run(prog, Config{Knobs: map[string]int64{"workers": 5}}).Stdout)
}

// A deferred call that recovers a panic and panics again before returning:
// Go prints the recovered panic first, marked [recovered], and a value
// panicked again as itself is one line marked [recovered, repanicked]
// (runtime.printpanics). A recovery that completed is not printed.
func TestRepanicReport(t *testing.T) {
	tests := []struct {
		name   string
		main   func()
		header string
	}{
		{"a new value", func() {
			defer func() {
				r := Recover(recover())
				panic(fmt.Sprint("again ", r))
			}()
			panic("first")
		}, "panic: first [recovered]\n\tpanic: again first\n\n"},
		{"the same value", func() {
			defer func() { panic(Recover(recover())) }()
			panic("first")
		}, "panic: first [recovered, repanicked]\n\n"},
		{"a recovery that completed", func() {
			func() {
				defer func() { Recover(recover()) }()
				panic("first")
			}()
			panic("second")
		}, "panic: second\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(tc.main, Config{})
			require.Equal(t, OutcomePanic, r.Outcome.Kind)
			assert.True(t, strings.HasPrefix(r.Outcome.Report, tc.header), "report:\n%s", r.Outcome.Report)
			first, _, _ := strings.Cut(tc.header, "\n")
			assert.Equal(t, first, r.Outcome.Message)
		})
	}
}
