package engine

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestEventsStateTheirFacts checks that events say what they did, so that a
// reader folds them without Go's rules: why a goroutine parks, where a value
// went in a buffer, when a Once's function returned. Each program runs
// under the go policy (the running goroutine keeps the processor until it
// blocks), so the order of its events is Go's single-processor one, reasoned
// below line by line.
func TestEventsStateTheirFacts(t *testing.T) {
	tests := []struct {
		name  string
		main  func()
		in    *Internet
		facts []string // "kind g reason fx" of every event with a reason or an effect, in order
		order []string // kinds that must occur in this order (the rest may come between)
	}{
		{
			name: "a blocked sender's value takes the slot a receive frees",
			main: func() {
				c := MakeChan[int]("c", 1, P(1))
				c.Send(1, P(2)) // into the empty buffer
				Go("main.worker", P(3), func() { c.Send(2, W(1)) })
				Sleep(10, P(4)) // the worker runs, finds the buffer full, parks
				Println(P(5), c.Recv1(P(5)))
				Println(P(6), c.Recv1(P(6)))
			},
			facts: []string{
				"send 1 - push",
				"sleep 1 sleep -",
				"send.block 2 chan send -",
				"recv 1 - pop",
				"send.done 2 - push",
				"recv 1 - pop",
			},
		},
		{
			name: "a hand-off to a waiting receiver touches no buffer",
			main: func() {
				c := MakeChan[int]("c", 3, P(1))
				Go("main.worker", P(2), func() { c.Send(7, W(1)) })
				Println(P(3), c.Recv1(P(3))) // main parks first: the buffer stays empty
			},
			facts: []string{"recv.block 1 chan receive -"},
			order: []string{"recv.block", "send", "recv.done"},
		},
		{
			name: "nil channels and an empty select park for ever, in Go's words",
			main: func() {
				var c *Chan[int]
				Go("main.worker", P(1), func() { c.Send(1, W(1)) })
				Go("main.worker", P(2), func() { c.Recv1(W(2)) })
				Select(P(3), false)
			},
			// The goroutine started last runs first (Go's runnext), then the other.
			facts: []string{
				"select.block 1 select (no cases) -",
				"recv.block 3 chan receive (nil chan) -",
				"send.block 2 chan send (nil chan) -",
			},
		},
		{
			name: "locks name the lock a goroutine waits for",
			main: func() {
				var m Mutex
				var rw RWMutex
				m.Lock(P(1))
				rw.Lock(P(2))
				Go("main.worker", P(3), func() { m.Lock(W(1)) })
				Go("main.worker", P(4), func() { rw.RLock(W(2)) })
				Go("main.worker", P(5), func() { rw.Lock(W(3)) })
				Sleep(10, P(6))
				m.Unlock(P(7))
				rw.Unlock(P(8))
			},
			facts: []string{
				"sleep 1 sleep -",
				"lock.block 4 sync.RWMutex.Lock -", // started last, runs first (runnext)
				"lock.block 2 sync.Mutex.Lock -",
				"lock.block 3 sync.RWMutex.RLock -",
			},
		},
		{
			name: "a Cond waiter parks after it has released the lock",
			main: func() {
				var m Mutex
				c := NewCond(&m)
				var wg WaitGroup
				wg.Add(1, P(1))
				Go("main.worker", P(2), func() {
					m.Lock(W(1))
					c.Wait(W(2))
					m.Unlock(W(3))
					wg.Done(W(4))
				})
				Sleep(10, P(3))
				m.Lock(P(4))
				c.Signal(P(5))
				m.Unlock(P(6))
				wg.Wait(P(7))
			},
			// Main keeps the processor from its wake-up to wg.Wait, so the
			// signalled worker finds the lock free again.
			facts: []string{
				"sleep 1 sleep -",
				"cond.wait 2 sync.Cond.Wait -",
				"wg.block 1 sync.WaitGroup.Wait -",
			},
			order: []string{"unlock", "cond.wait"},
		},
		{
			name: "timers: a tick waits in the buffer, a missed tick is dropped, Stop drains",
			main: func() {
				tk := NewTicker(10, P(1))
				Sleep(25, P(2)) // two ticks: the first waits, the second is dropped
				tk.Stop(P(3))
				tm := NewTimer(5, P(4))
				tm.Reset(5, P(5)) // nothing buffered: nothing drained
				Sleep(10, P(6))
				tm.Stop(P(7))
			},
			facts: []string{
				"sleep 1 sleep -",
				"timer.fire 0 - push",
				"timer.stop 1 - drain",
				"sleep 1 sleep -",
				"timer.fire 0 - push",
				"timer.stop 1 - drain",
			},
		},
		{
			name: "a Once is done when its function returns, before its waiters go on",
			main: func() {
				var o Once
				var wg WaitGroup
				wg.Add(1, P(1))
				Go("main.worker", P(2), func() {
					o.Do(func() {}, W(1))
					wg.Done(W(2))
				})
				o.Do(func() { Sleep(10, P(3)) }, P(4))
				wg.Wait(P(5))
			},
			facts: []string{
				"sleep 1 sleep -",
				"lock.block 2 sync.Mutex.Lock -",
				"wg.block 1 sync.WaitGroup.Wait -",
			},
			order: []string{"once", "lock.block", "once.done", "lock.done"},
		},
		{
			name: "a request that takes time parks in IO wait; one that fails at once does not",
			in:   &Internet{Routes: map[string]Reply{"http://slow.test/": {Latency: time.Second}}},
			main: func() {
				_, _ = HTTPGet("http://slow.test/", P(1))
				_, _ = HTTPGet("http://down.test/", P(2))
			},
			facts: []string{"http 1 IO wait -"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Run(Program{Name: "test", Sites: testSites, Main: tc.main}, Config{Policy: PolicyGo, Internet: tc.in})
			var facts, kinds []string
			for _, e := range r.Log.All {
				kinds = append(kinds, e.Kind.String())
				if e.Reason == WaitNone && e.Fx == 0 {
					continue
				}
				facts = append(facts, strings.Join([]string{e.Kind.String(), strconv.Itoa(int(e.G)), orDash(e.Reason.String()), orDash(e.Fx.String())}, " "))
			}
			assert.Equal(t, tc.facts, facts)
			assert.True(t, inOrder(kinds, tc.order), "kinds %v lack %v in that order", kinds, tc.order)
		})
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// inOrder reports whether want occurs in kinds as a subsequence.
func inOrder(kinds, want []string) bool {
	i := 0
	for _, k := range kinds {
		if i < len(want) && k == want[i] {
			i++
		}
	}
	return i == len(want)
}
