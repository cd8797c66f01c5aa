package engine

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// longExchange trades n values between two goroutines, which main waits
// for: a long run that ends well.
func longExchange(n int) func() {
	return func() {
		ch := MakeChan[int]("ch", 0, P(1))
		var wg WaitGroup
		wg.Add(2, P(2))
		Go("main.main.func1", P(3), func() {
			defer wg.Done(P(4))
			for i := range n {
				ch.Send(i, P(5))
			}
		})
		Go("main.main.func2", P(6), func() {
			defer wg.Done(P(7))
			for range n {
				ch.Recv(P(8))
			}
		})
		wg.Wait(P(9))
	}
}

// longDeadlock trades many values between two goroutines, then deadlocks:
// main holds a lock it took first thing and waits on a channel nobody
// sends on; G2, which sent on ch2 at the start, waits for main's lock; G3
// waits on ch2 for a second value. Who could release each of them was
// settled in the run's first events, long before the end.
func longDeadlock(n int) func() {
	return func() {
		var mu Mutex
		mu.Lock(P(1))
		ch := MakeChan[int]("ch", 0, P(2))
		ch2 := MakeChan[int]("ch2", 1, P(3))
		done := MakeChan[int]("done", 0, P(4))
		Go("main.main.func1", P(5), func() {
			ch2.Send(1, P(6))
			for i := range n {
				ch.Send(i, P(7))
			}
			mu.Lock(P(8))
		})
		Go("main.main.func2", P(9), func() {
			for range n {
				ch.Recv(P(10))
			}
			ch2.Recv(P(11))
			ch2.Recv(P(12))
		})
		done.Recv(P(13))
	}
}

// A streamed run drops the chunks of its log it has sent, yet streams
// every event and ends as the whole run does: the same frames' events as
// an in-process run, the same outcome, and a deadlock's wait-for graph
// drawn from events it no longer holds.
func TestStreamedRunDropsWhatItSent(t *testing.T) {
	cfg := Config{Seed: 5}
	for _, tc := range []struct {
		name string
		main func()
	}{
		{"20,000 exchanges", longExchange(20_000)},
		{"deadlock after 20,000 exchanges", longDeadlock(20_000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			whole := run(tc.main, cfg)
			require.Greater(t, whole.Log.Len(), 10*chunkSize, "the run is long enough that the stream drops most of it")
			b, res := streamed(t, tc.main, cfg)
			rec, err := readAll(b, 0)
			require.NoError(t, err)
			require.Equal(t, whole.Log.Len(), rec.Len())
			for i := range whole.Log.Len() {
				require.Equal(t, whole.Log.Record(i, testSites), rec.Record(i, rec.Sites), "event %d", i)
			}
			assert.Equal(t, whole.Record(testSites), res.Record(testSites))
			assert.Equal(t, whole.Record(testSites), rec.End.Outcome)
			// What the streamed run still holds: the chunks it had not
			// sent (frames go every thousand events) and the ones it
			// reuses, not the run.
			chunk := chunkSize * int(unsafe.Sizeof(Event{}))
			assert.LessOrEqual(t, res.Log.Bytes(), 3*chunk, "%d events", res.Log.Len())
		})
	}
	long := run(longDeadlock(20_000), cfg)
	require.Equal(t, OutcomeDeadlock, long.Outcome.Kind)
	mu, ch2 := int32(1), int32(3)
	assert.Contains(t, long.Outcome.Edges, WaitEdge{G: 2, Obj: mu, By: []int32{1}}, "main has held the lock since its first event")
	assert.Contains(t, long.Outcome.Edges, WaitEdge{G: 3, Obj: ch2, By: []int32{2}}, "G2 sent on ch2 in its first event")
}

// A run that takes digests keeps the events it has not read yet: digests
// read the log behind the run, so the stream drops only what they have read.
func TestStreamedRunKeepsWhatDigestsHaveNotRead(t *testing.T) {
	var whole, fromStream []Digest
	main := longDeadlock(5_000)
	run(main, Config{Seed: 2, Digest: func(d Digest) { whole = append(whole, d) }, DigestEvery: 7_000})
	streamed(t, main, Config{Seed: 2, Digest: func(d Digest) { fromStream = append(fromStream, d) }, DigestEvery: 7_000})
	require.Greater(t, len(whole), 2)
	assert.Equal(t, whole, fromStream)
}
