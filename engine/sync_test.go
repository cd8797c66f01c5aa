package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSync(t *testing.T) {
	tests := []rule{
		{
			rule: "Mutex: only one goroutine holds the lock; 100 increments under it give 100.",
			main: func() {
				var mu Mutex
				var wg WaitGroup
				count := 0
				for range 100 {
					wg.Add(1, P(1))
					Go("main.main.func1", P(2), func() {
						defer wg.Done(W(4))
						mu.Lock(W(1))
						v := count
						Gosched(W(2)) // invite a race the lock must prevent
						count = v + 1
						mu.Unlock(W(3))
					})
				}
				wg.Wait(P(3))
				Println(P(4), count)
			},
			stdout: "100\n",
			kind:   OutcomeOK,
		},
		{
			rule: "Mutex.TryLock fails while another goroutine holds the lock.",
			main: func() {
				var mu Mutex
				mu.Lock(P(1))
				done := MakeChan[bool]("done", 0, P(2))
				Go("main.worker", P(3), func() { done.Send(mu.TryLock(W(1)), W(1)) })
				Println(P(4), done.Recv1(P(4)), mu.TryLock(P(5)))
			},
			stdout: "false false\n",
			kind:   OutcomeOK,
		},
		{
			rule: "RWMutex: readers share the lock; a writer excludes them.",
			main: func() {
				var rw RWMutex
				var wg WaitGroup
				readers, maxReaders := 0, 0
				for range 4 {
					wg.Add(1, P(1))
					Go("main.worker", P(2), func() {
						defer wg.Done(W(5))
						rw.RLock(W(1))
						readers++
						maxReaders = max(maxReaders, readers)
						Sleep(10, W(2))
						readers--
						rw.RUnlock(W(3))
					})
				}
				Sleep(1, P(3))
				rw.Lock(P(4))
				Println(P(5), "writer sees readers:", readers)
				rw.Unlock(P(6))
				wg.Wait(P(7))
				Println(P(8), "readers at once:", maxReaders)
			},
			stdout: "writer sees readers: 0\nreaders at once: 4\n",
			kind:   OutcomeOK,
		},
		{
			rule: "RWMutex: a waiting writer blocks new readers (no writer starvation).",
			main: func() {
				var rw RWMutex
				rw.RLock(P(1))
				Go("main.worker", P(2), func() { rw.Lock(W(1)); Println(W(2), "writer"); rw.Unlock(W(3)) })
				Sleep(1, P(3)) // the writer is waiting now
				Go("main.worker", P(4), func() { rw.RLock(W(4)); Println(W(5), "late reader"); rw.RUnlock(W(6)) })
				Sleep(1, P(5))
				rw.RUnlock(P(6))
				Sleep(1, P(7))
			},
			stdout: "writer\nlate reader\n",
			kind:   OutcomeOK,
		},
		{
			rule: "WaitGroup: Wait blocks until the counter is zero; Go adds and runs.",
			main: func() {
				var wg WaitGroup
				n := 0
				for range 5 {
					wg.Go(func() { Sleep(3, W(1)); n++ }, "main.main.func1", P(1))
				}
				wg.Wait(P(2))
				Println(P(3), n)
			},
			stdout: "5\n",
			kind:   OutcomeOK,
		},
		{
			rule: "Once: the function runs once; concurrent callers wait for it to return.",
			main: func() {
				var once Once
				var wg WaitGroup
				calls := 0
				for range 3 {
					wg.Add(1, P(1))
					Go("main.worker", P(2), func() {
						defer wg.Done(W(3))
						once.Do(func() { Sleep(5, W(1)); calls++ }, W(2))
						Println(W(4), "after Do, calls =", calls)
					})
				}
				wg.Wait(P(3))
			},
			stdout: "after Do, calls = 1\nafter Do, calls = 1\nafter Do, calls = 1\n",
			kind:   OutcomeOK,
		},
		{
			rule: "Cond: Wait releases the lock and sleeps until Broadcast; every waiter re-checks its condition.",
			main: func() {
				var mu Mutex
				cond := NewCond(&mu)
				ready := false
				var wg WaitGroup
				for range 3 {
					wg.Add(1, P(1))
					Go("main.worker", P(2), func() {
						defer wg.Done(W(5))
						mu.Lock(W(1))
						for !ready {
							cond.Wait(W(2))
						}
						Println(W(3), "go")
						mu.Unlock(W(4))
					})
				}
				Sleep(1, P(3))
				mu.Lock(P(4))
				ready = true
				cond.Broadcast(P(5))
				mu.Unlock(P(6))
				wg.Wait(P(7))
			},
			stdout: "go\ngo\ngo\n",
			kind:   OutcomeOK,
		},
		{
			rule: "Atomic counter: 50 goroutines adding 1 give 50.",
			main: func() {
				var n AtomicInt[int64]
				var plain int32
				var wg WaitGroup
				for range 50 {
					wg.Go(func() { n.Add(1, W(1)); AtomicAdd(&plain, 2, W(2)) }, "main.main.func1", P(1))
				}
				wg.Wait(P(2))
				Println(P(3), n.Load(P(3)), AtomicLoad(&plain, P(3)))
			},
			stdout: "50 100\n",
			kind:   OutcomeOK,
		},
	}
	checkRules(t, 30, tests)
}

// Misusing a lock is a fatal error in Go: recover cannot stop it.
func TestFatalErrors(t *testing.T) {
	tests := []struct {
		name string
		main func()
		msg  string
	}{
		{"unlock of unlocked mutex", func() { var mu Mutex; mu.Unlock(P(1)) }, "fatal error: sync: unlock of unlocked mutex"},
		{"RUnlock of unlocked RWMutex", func() { var mu RWMutex; mu.RUnlock(P(1)) }, "fatal error: sync: RUnlock of unlocked RWMutex"},
		{"Unlock of unlocked RWMutex", func() { var mu RWMutex; mu.Unlock(P(1)) }, "fatal error: sync: Unlock of unlocked RWMutex"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(func() {
				defer func() {
					if Recover(recover()) != nil {
						Println(P(2), "recovered")
					}
				}()
				tc.main()
			}, Config{})
			assert.Equal(t, OutcomePanic, r.Outcome.Kind)
			assert.True(t, r.Outcome.Fatal)
			assert.Equal(t, tc.msg, r.Outcome.Message)
			assert.Empty(t, r.Stdout, "a fatal error is not recoverable")
			assert.Equal(t, 2, r.Outcome.ExitCode)
		})
	}
}

func TestWaitGroupReuse(t *testing.T) {
	// Wait is released at zero, but before the waiter returns another Add
	// makes the counter positive again: Go panics in the waiter.
	r := run(func() {
		var wg WaitGroup
		wg.Add(1, P(1))
		Go("main.worker", P(2), func() {
			wg.Done(W(1))
			wg.Add(1, W(2))
		})
		wg.Wait(P(3))
	}, Config{Policy: PolicyGo})
	require.Equal(t, OutcomePanic, r.Outcome.Kind)
	assert.Equal(t, "panic: sync: WaitGroup is reused before previous Wait has returned", r.Outcome.Message)
}

func TestMutexDeadlockNamesHolder(t *testing.T) {
	r := run(func() {
		var a, b Mutex
		a.Lock(P(1))
		Go("main.worker", P(2), func() {
			b.Lock(W(1))
			Sleep(1, W(2))
			a.Lock(W(3))
		})
		Sleep(1, P(3))
		b.Lock(P(4))
	}, Config{})
	require.Equal(t, OutcomeDeadlock, r.Outcome.Kind)
	require.Len(t, r.Outcome.Blocked, 2)
	for _, b := range r.Outcome.Blocked {
		assert.Equal(t, WaitMutexLock, b.Reason)
	}
	assert.Equal(t, []WaitEdge{{G: 1, Obj: 2, By: []int32{2}}, {G: 2, Obj: 1, By: []int32{1}}}, r.Outcome.Edges,
		"a lock-order cycle: main waits on b held by goroutine 2, which waits on a held by main")
}

// TestZeroValueObjectsGetDistinctNames: objects declared at first use are
// named after the expression there; when several share it (five forks each
// first locked as `left`), each still gets a name of its own.
func TestZeroValueObjectsGetDistinctNames(t *testing.T) {
	sites := []Site{{}, {File: "p.go", Line: 1, Func: "main.dine", Expr: "left"}, {File: "p.go", Line: 2, Func: "main.main", Expr: "mu"}}
	main := func() {
		forks := make([]Mutex, 3)
		for i := range forks {
			left := &forks[i]
			left.Lock(1)
			left.Unlock(1)
		}
		var mu Mutex
		mu.Lock(2)
		mu.Unlock(2)
	}
	for range 2 { // a second run in the same process names them afresh
		r := Run(Program{Name: "names", Sites: sites, Main: main}, Config{Seed: 1})
		var names []string
		for _, o := range r.Log.Objects {
			names = append(names, o.Name)
		}
		assert.Equal(t, []string{"left", "left (2)", "left (3)", "mu"}, names)
	}
}
