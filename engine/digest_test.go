package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// digestProgram deadlocks with a full buffer and a sender waiting, a held
// mutex with a goroutine queued, a WaitGroup waited on, and main receiving
// from a channel nobody sends on.
func digestProgram() {
	ch := MakeChan[int]("ch", 2, P(1))
	ch.Send(1, P(2))
	ch.Send(2, P(2))
	var mu Mutex
	var wg WaitGroup
	mu.Lock(P(3))
	wg.Add(1, P(4))
	Go("main.worker", P(5), func() { ch.Send(3, W(1)) })
	Go("main.worker", P(5), func() { mu.Lock(W(2)) })
	Go("main.worker", P(5), func() { wg.Wait(W(3)) })
	never := MakeChan[int]("never", 0, P(6))
	never.Recv(P(7))
}

func TestDigestShowsTheEnginesState(t *testing.T) {
	var ds []Digest
	r := run(digestProgram, Config{Policy: PolicyFIFO, Digest: func(d Digest) { ds = append(ds, d) }})
	require.Equal(t, OutcomeDeadlock, r.Outcome.Kind)
	require.NotEmpty(t, ds)
	last := ds[len(ds)-1]
	assert.Equal(t, r.Log.Len(), last.Step, "the last digest is the run's end")
	assert.Equal(t, []GDigest{
		{ID: 1, State: "blocked", Reason: "chan receive", Line: 7},
		{ID: 2, State: "blocked", Reason: "chan send", Line: 101},
		{ID: 3, State: "blocked", Reason: "sync.Mutex.Lock", Line: 102},
		{ID: 4, State: "blocked", Reason: "sync.WaitGroup.Wait", Line: 103},
	}, last.Gs)
	assert.Equal(t, []ODigest{
		{ID: 1, Buf: []string{"1", "2"}, Sendq: []int32{2}},
		{ID: 2, Holder: 1, Queue: []int32{3}},
		{ID: 3, Count: 1, Waiters: []int32{4}},
		{ID: 4, Recvq: []int32{1}},
	}, last.Objs)
	assert.Equal(t, GDigest{ID: 1, State: "ready"}, ds[0].Gs[0], "main before its first event has no line")
}

func TestDigestEvery(t *testing.T) {
	digests := func(every int) (steps []int, events int) {
		r := run(digestProgram, Config{Policy: PolicyFIFO, DigestEvery: every, Digest: func(d Digest) { steps = append(steps, d.Step) }})
		return steps, r.Log.Len()
	}
	all, events := digests(0)
	fourth, _ := digests(4)
	require.NotEmpty(t, all)
	// Every operation's start is checked: more digests than every 4th, each
	// at a later step than the one before, the last at the end of the log.
	assert.Greater(t, len(all), len(fourth), "every step gives more digests than every 4th")
	assert.IsIncreasing(t, all[:len(all)-1])
	for _, steps := range [][]int{all, fourth} {
		assert.Equal(t, events, steps[len(steps)-1], "the last digest is at the end of the run")
	}
	for i := 1; i < len(fourth)-1; i++ {
		assert.GreaterOrEqual(t, fourth[i]-fourth[i-1], 4, "digests at %v", fourth)
	}
}

func TestDigestShowsOnceCalledAndItsWaiters(t *testing.T) {
	var mid *Digest
	run(func() {
		var once Once
		var wg WaitGroup
		wg.Add(1, P(1))
		Go("main.worker", P(2), func() { once.Do(func() {}, W(1)); wg.Done(W(2)) })
		once.Do(func() { Gosched(P(4)); Gosched(P(4)) }, P(3))
		wg.Wait(P(5))
	}, Config{Policy: PolicyFIFO, Digest: func(d Digest) {
		if len(d.Objs) == 2 && len(d.Objs[1].Queue) > 0 && mid == nil {
			mid = &d
		}
	}})
	require.NotNil(t, mid, "the worker waited for main's call of the Once's function")
	assert.Equal(t, ODigest{ID: 2, Called: true, Queue: []int32{2}}, mid.Objs[1])
}

func TestDigestShowsSleepAndTimers(t *testing.T) {
	var mid *Digest
	run(func() {
		tm := NewTimer(50, P(1))
		Go("main.worker", P(2), func() { Sleep(30, W(1)) })
		Gosched(P(3))
		Gosched(P(3))
		tm.C.Recv(P(4))
	}, Config{Policy: PolicyFIFO, Digest: func(d Digest) {
		if d.Step == 4 { // make, go, gosched, sleep
			mid = &d
		}
	}})
	require.NotNil(t, mid)
	assert.Equal(t, GDigest{ID: 2, State: "blocked", Reason: "sleep", Line: 101, Wake: 30}, mid.Gs[1])
	assert.Equal(t, []ODigest{{ID: 1, Fires: 50}}, mid.Objs)
}
