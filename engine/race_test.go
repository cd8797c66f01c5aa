package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// edge is one happens-before edge of the Go memory model (go.dev/ref/mem, or
// the package doc that states it in the memory model's terms): a program in
// which the edge orders two accesses to x, and the same program without the
// edge, in which they race.
type edge struct {
	sentence     string
	synced, racy func()
}

// checkEdges runs each edge's programs over several seeds and every policy:
// the synchronised one must report no race, the other one must report one
// in every run, which proves the first assertion can fail.
func checkEdges(t *testing.T, edges []edge) {
	t.Helper()
	for _, e := range edges {
		t.Run(e.sentence, func(t *testing.T) {
			t.Parallel()
			seeds(t, 5, e.synced, func(t *testing.T, r *Result) {
				assert.Empty(t, r.Outcome.Races, r.Outcome.RaceReport)
				assert.NotEqual(t, OutcomeLimit, r.Outcome.Kind, r.Outcome.Message)
			})
			seeds(t, 5, e.racy, func(t *testing.T, r *Result) {
				assert.Len(t, r.Outcome.Races, 1, "the program without the edge must race")
			})
		})
	}
}

func TestRaceGoAndChannels(t *testing.T) {
	checkEdges(t, []edge{
		{
			sentence: "The go statement that starts a new goroutine is synchronized before the start of the goroutine's execution.",
			synced: func() {
				var x int
				Write(&x, 1, P(1))
				Go("main.worker", P(2), func() { Read(&x, W(1)) })
				Sleep(10, P(3))
			},
			racy: func() {
				var x int
				Go("main.worker", P(2), func() { Read(&x, W(1)) })
				Write(&x, 1, P(1))
				Sleep(10, P(3))
			},
		},
		{
			sentence: "A send on a channel is synchronized before the completion of the corresponding receive from that channel.",
			synced: func() {
				var x int
				c := MakeChan[int]("c", 1, P(1))
				Go("main.worker", P(2), func() { Write(&x, 1, W(1)); c.Send(1, W(2)) })
				c.Recv(P(3))
				Read(&x, P(4))
			},
			racy: func() {
				var x int
				c := MakeChan[int]("c", 1, P(1))
				Go("main.worker", P(2), func() { c.Send(1, W(2)); Write(&x, 1, W(1)) })
				c.Recv(P(3))
				Sleep(10, P(5))
				Read(&x, P(4))
			},
		},
		{
			sentence: "The closing of a channel is synchronized before a receive that returns because the channel is closed.",
			synced: func() {
				var x int
				c := MakeChan[int]("c", 0, P(1))
				Go("main.worker", P(2), func() { Write(&x, 1, W(1)); c.Close(W(2)) })
				c.Recv(P(3))
				Read(&x, P(4))
			},
			racy: func() {
				var x int
				c := MakeChan[int]("c", 0, P(1))
				Go("main.worker", P(2), func() { c.Close(W(2)); Write(&x, 1, W(1)) })
				c.Recv(P(3))
				Sleep(10, P(5))
				Read(&x, P(4))
			},
		},
		{
			sentence: "A receive from an unbuffered channel is synchronized before the completion of the corresponding send on that channel.",
			synced: func() {
				var x int
				c := MakeChan[int]("c", 0, P(1))
				Go("main.worker", P(2), func() { Write(&x, 1, W(1)); c.Recv(W(2)) })
				c.Send(1, P(3))
				Read(&x, P(4))
			},
			// The memory model's own counter-example: with a buffer the send
			// completes without waiting for the receive.
			racy: func() {
				var x int
				c := MakeChan[int]("c", 1, P(1))
				Go("main.worker", P(2), func() { Write(&x, 1, W(1)); c.Recv(W(2)) })
				c.Send(1, P(3))
				Sleep(10, P(5))
				Read(&x, P(4))
			},
		},
		{
			sentence: "The kth receive on a channel with capacity C is synchronized before the completion of the k+Cth send from that channel completes.",
			synced: func() {
				var x int
				c := MakeChan[int]("sem", 1, P(1))
				c.Send(1, P(2))
				Go("main.worker", P(3), func() { Write(&x, 1, W(1)); c.Recv(W(2)) })
				c.Send(2, P(4)) // the second send waits for the first receive
				Read(&x, P(5))
			},
			racy: func() {
				var x int
				c := MakeChan[int]("sem", 2, P(1))
				c.Send(1, P(2))
				Go("main.worker", P(3), func() { Write(&x, 1, W(1)); c.Recv(W(2)) })
				c.Send(2, P(4)) // room for two: it waits for nothing
				Sleep(10, P(6))
				Read(&x, P(5))
			},
		},
		{
			sentence: "A select case performs its operation: a send chosen by select is synchronized before the completion of the corresponding receive.",
			synced: func() {
				var x int
				c := MakeChan[int]("c", 0, P(1))
				d := MakeChan[int]("d", 0, P(1))
				Go("main.worker", P(2), func() { Write(&x, 1, W(1)); Select(W(2), false, Send(c, 1), Send(d, 2)) })
				Select(P(3), false, Recv(c), Recv(d))
				Read(&x, P(4))
			},
			racy: func() {
				var x int
				c := MakeChan[int]("c", 0, P(1))
				d := MakeChan[int]("d", 0, P(1))
				Go("main.worker", P(2), func() { Select(W(2), false, Send(c, 1), Send(d, 2)); Write(&x, 1, W(1)) })
				Select(P(3), false, Recv(c), Recv(d))
				Sleep(10, P(5))
				Read(&x, P(4))
			},
		},
	})
}

func TestRaceChannelCapacityChange(t *testing.T) {
	// The semaphore of capacity 1 grown to 2 by an intervention before the
	// second send: that send no longer waits for the first receive, so the
	// accesses race; shrunk back to 1 it waits again.
	prog := func() {
		var x int
		c := MakeChan[int]("sem", 1, P(1))
		c.Send(1, P(2))
		Go("main.worker", P(3), func() { Write(&x, 1, W(1)); c.Recv(W(2)) })
		Sleep(10, P(6))
		c.Send(2, P(4))
		Read(&x, P(5))
	}
	for _, tc := range []struct {
		name  string
		cap   int
		races int
	}{{"kept", 1, 0}, {"grown", 2, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(prog, Config{Interventions: []Intervention{{Step: 2, Kind: SetCap, Obj: 1, Cap: tc.cap}}})
			assert.Len(t, r.Outcome.Races, tc.races, r.Outcome.RaceReport)
		})
	}
}

func TestRaceLocks(t *testing.T) {
	checkEdges(t, []edge{
		{
			sentence: "For any sync.Mutex or sync.RWMutex variable l and n < m, call n of l.Unlock() is synchronized before call m of l.Lock() returns.",
			synced: func() {
				var x int
				var mu Mutex
				Go("main.worker", P(1), func() { mu.Lock(W(1)); Update(&x, func(v int) int { return v + 1 }, W(2)); mu.Unlock(W(3)) })
				mu.Lock(P(2))
				Update(&x, func(v int) int { return v + 1 }, P(3))
				mu.Unlock(P(4))
				Sleep(10, P(5))
			},
			racy: func() {
				var x int
				var mu Mutex
				Go("main.worker", P(1), func() { Update(&x, func(v int) int { return v + 1 }, W(2)) })
				mu.Lock(P(2))
				Update(&x, func(v int) int { return v + 1 }, P(3))
				mu.Unlock(P(4))
				Sleep(10, P(5))
			},
		},
		{
			sentence: "For any call to l.RLock on a sync.RWMutex variable l, there is an n such that the nth call to l.Unlock is synchronized before the return from l.RLock",
			synced: func() {
				var x int
				var rw RWMutex
				Go("main.worker", P(1), func() { rw.Lock(W(1)); Write(&x, 1, W(2)); rw.Unlock(W(3)) })
				Sleep(5, P(2))
				rw.RLock(P(3))
				Read(&x, P(4))
				rw.RUnlock(P(5))
			},
			// Readers exclude no reader: RUnlock orders nothing before RLock.
			racy: func() {
				var x int
				var rw RWMutex
				Go("main.worker", P(1), func() { rw.RLock(W(1)); Write(&x, 1, W(2)); rw.RUnlock(W(3)) })
				Sleep(5, P(2))
				rw.RLock(P(3))
				Read(&x, P(4))
				rw.RUnlock(P(5))
			},
		},
		{
			sentence: "... and the matching call to l.RUnlock is synchronized before the return from call n+1 to l.Lock.",
			synced: func() {
				var x int
				var rw RWMutex
				Go("main.worker", P(1), func() { rw.RLock(W(1)); Read(&x, W(2)); rw.RUnlock(W(3)) })
				Sleep(5, P(2))
				rw.Lock(P(3))
				Write(&x, 1, P(4))
				rw.Unlock(P(5))
			},
			racy: func() {
				var x int
				var rw RWMutex
				Go("main.worker", P(1), func() { rw.RLock(W(1)); rw.RUnlock(W(3)); Read(&x, W(2)) })
				Sleep(5, P(2))
				rw.Lock(P(3))
				Write(&x, 1, P(4))
				rw.Unlock(P(5))
			},
		},
		{
			sentence: "The completion of a single call of f() from once.Do(f) is synchronized before the return of any call of once.Do(f).",
			synced: func() {
				var x int
				var once Once
				Go("main.worker", P(1), func() { once.Do(func() { Write(&x, 1, W(1)) }, W(2)) })
				once.Do(func() { Write(&x, 1, P(2)) }, P(3))
				Read(&x, P(4))
				Sleep(10, P(5))
			},
			racy: func() {
				var x int
				var once Once
				Go("main.worker", P(1), func() { once.Do(func() {}, W(2)); Write(&x, 1, W(1)) })
				once.Do(func() {}, P(3))
				Read(&x, P(4))
				Sleep(10, P(5))
			},
		},
		{
			sentence: "sync.WaitGroup: a call to Done \"synchronizes before\" the return of any Wait call that it unblocks.",
			synced: func() {
				var x int
				var wg WaitGroup
				wg.Add(1, P(1))
				Go("main.worker", P(2), func() { Write(&x, 1, W(1)); wg.Done(W(2)) })
				wg.Wait(P(3))
				Read(&x, P(4))
			},
			racy: func() {
				var x int
				var wg WaitGroup
				wg.Add(1, P(1))
				Go("main.worker", P(2), func() { wg.Done(W(2)); Write(&x, 1, W(1)) })
				wg.Wait(P(3))
				Sleep(10, P(5))
				Read(&x, P(4))
			},
		},
		{
			// The Cond's lock is an RWMutex's read side, which orders nothing,
			// so only the signal can order the accesses.
			sentence: "sync.Cond: a call to Broadcast or Signal \"synchronizes before\" any Wait call that it unblocks.",
			synced: func() {
				var x int
				var rw RWMutex
				c := NewCond(rw.RLocker())
				Go("main.worker", P(1), func() { Sleep(5, W(1)); Write(&x, 1, W(2)); c.Signal(W(3)) })
				c.L.Lock(P(2))
				c.Wait(P(3))
				Read(&x, P(4))
				c.L.Unlock(P(5))
			},
			racy: func() {
				var x int
				var rw RWMutex
				c := NewCond(rw.RLocker())
				Go("main.worker", P(1), func() { Sleep(5, W(1)); c.Broadcast(W(3)); Write(&x, 1, W(2)) })
				c.L.Lock(P(2))
				c.Wait(P(3))
				Sleep(10, P(6))
				Read(&x, P(4))
				c.L.Unlock(P(5))
			},
		},
	})
}

func TestRaceAtomicsContextTimers(t *testing.T) {
	checkEdges(t, []edge{
		{
			sentence: "Not the memory model's, Go's implementation: each write to os.Stdout takes the file's lock, which a -race binary sees, so a print is synchronized before the next print.",
			synced: func() {
				var x int
				Go("main.worker", P(1), func() { Write(&x, 1, W(1)); Println(W(2), "worker") })
				Sleep(10, P(2))
				Println(P(3), "main")
				Read(&x, P(4))
			},
			racy: func() {
				var x int
				Go("main.worker", P(1), func() { Write(&x, 1, W(1)); Println(W(2), "worker") })
				Sleep(10, P(2))
				Read(&x, P(4))
				Println(P(3), "main")
			},
		},
		{
			sentence: "If the effect of an atomic operation A is observed by atomic operation B, then A is synchronized before B.",
			synced: func() {
				var x int
				var flag AtomicBool
				Go("main.worker", P(1), func() { Write(&x, 1, W(1)); flag.Store(true, W(2)) })
				for !flag.Load(P(2)) {
					Sleep(1, P(3))
				}
				Read(&x, P(4))
			},
			racy: func() {
				var x int
				var flag AtomicBool
				Go("main.worker", P(1), func() { flag.Store(true, W(2)); Write(&x, 1, W(1)) })
				for !flag.Load(P(2)) {
					Sleep(1, P(3))
				}
				Sleep(10, P(5))
				Read(&x, P(4))
			},
		},
		{
			sentence: "Atomic functions on a plain variable: a load that observes a store is synchronized after it; a load releases nothing.",
			synced: func() {
				var x int
				var flag int32
				Go("main.worker", P(1), func() { Write(&x, 1, W(1)); AtomicStore(&flag, 1, W(2)) })
				for AtomicLoad(&flag, P(2)) == 0 {
					Sleep(1, P(3))
				}
				Read(&x, P(4))
			},
			racy: func() {
				var x int
				var flag int32
				Go("main.worker", P(1), func() { Write(&x, 1, W(1)); AtomicLoad(&flag, W(2)) })
				Sleep(10, P(5))
				AtomicLoad(&flag, P(2))
				Read(&x, P(4))
			},
		},
		{
			sentence: "An atomic access and a plain access to one variable, unordered, race (atomics never race with atomics).",
			synced: func() {
				var n int64
				Write(&n, 0, P(1))
				Go("main.worker", P(2), func() { AtomicAdd(&n, 1, W(1)) })
				AtomicAdd(&n, 1, P(3))
				Sleep(10, P(4))
			},
			racy: func() {
				var n int64
				Write(&n, 0, P(1))
				Go("main.worker", P(2), func() { AtomicAdd(&n, 1, W(1)) })
				Write(&n, 5, P(3))
				Sleep(10, P(4))
			},
		},
		{
			sentence: "An atomic access first, then a plain one to the same variable, unordered, race too.",
			synced: func() {
				var n int64
				Go("main.worker", P(2), func() { AtomicAdd(&n, 1, W(1)) })
				for AtomicLoad(&n, P(3)) == 0 {
					Sleep(1, P(4))
				}
				Write(&n, 5, P(5))
			},
			racy: func() {
				var n int64
				Go("main.worker", P(2), func() { AtomicAdd(&n, 1, W(1)) })
				Sleep(10, P(4))
				Write(&n, 5, P(5))
			},
		},
		{
			sentence: "context: cancellation closes Done (the closing of a channel is synchronized before a receive that returns because the channel is closed).",
			synced: func() {
				var x int
				ctx, cancel := WithCancel(Background(), P(1))
				Go("main.worker", P(2), func() { Write(&x, 1, W(1)); cancel() })
				ctx.Done().Recv(P(3))
				Read(&x, P(4))
			},
			racy: func() {
				var x int
				ctx, cancel := WithCancel(Background(), P(1))
				Go("main.worker", P(2), func() { cancel(); Write(&x, 1, W(1)) })
				ctx.Done().Recv(P(3))
				Sleep(10, P(5))
				Read(&x, P(4))
			},
		},
		{
			sentence: "context: \"If Done is closed, Err returns a non-nil error\": the cancellation is synchronized before Err returns non-nil.",
			synced: func() {
				var x int
				ctx, cancel := WithCancel(Background(), P(1))
				Go("main.worker", P(2), func() { Write(&x, 1, W(1)); cancel() })
				for ctx.Err() == nil {
					Sleep(1, P(3))
				}
				Read(&x, P(4))
			},
			racy: func() {
				var x int
				ctx, cancel := WithCancel(Background(), P(1))
				Go("main.worker", P(2), func() { cancel(); Write(&x, 1, W(1)) })
				for ctx.Err() == nil {
					Sleep(1, P(3))
				}
				Sleep(10, P(5))
				Read(&x, P(4))
			},
		},
		{
			sentence: "context: a deadline cancels the context as a timer the creator set: WithTimeout is synchronized before Done is seen closed.",
			synced: func() {
				var x int
				var ctx Context
				Go("main.worker", P(2), func() { Write(&x, 1, W(1)); ctx, _ = WithTimeout(Background(), 5, W(2)) })
				Sleep(1, P(3))
				ctx.Done().Recv(P(4))
				Read(&x, P(5))
			},
			racy: func() {
				var x int
				var ctx Context
				Go("main.worker", P(2), func() { ctx, _ = WithTimeout(Background(), 5, W(2)); Sleep(1, W(4)); Write(&x, 1, W(1)) })
				Sleep(1, P(3))
				ctx.Done().Recv(P(4))
				Sleep(10, P(6))
				Read(&x, P(5))
			},
		},
		{
			sentence: "time.AfterFunc waits for the duration to elapse and then calls f in its own goroutine: setting it is synchronized before f runs.",
			synced: func() {
				var x int
				Write(&x, 1, P(1))
				AfterFunc(5, func() { Read(&x, W(1)) }, P(2))
				Sleep(10, P(3))
			},
			racy: func() {
				var x int
				AfterFunc(5, func() { Read(&x, W(1)) }, P(2))
				Write(&x, 1, P(1))
				Sleep(10, P(3))
			},
		},
		{
			sentence: "A timer's channel: the timer is set before it fires, and its send is synchronized before the receive of the tick.",
			synced: func() {
				var x int
				var tm *Timer
				Go("main.worker", P(1), func() { Write(&x, 1, W(1)); tm = NewTimer(5, W(2)) })
				Sleep(1, P(2))
				tm.C.Recv(P(3))
				Read(&x, P(4))
			},
			racy: func() {
				var x int
				var tm *Timer
				Go("main.worker", P(1), func() { tm = NewTimer(5, W(2)); Write(&x, 1, W(1)) })
				Sleep(1, P(2))
				tm.C.Recv(P(3))
				Read(&x, P(4))
			},
		},
	})
}
