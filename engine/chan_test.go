package engine

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Channel rules of the Go spec ("Channel types", "Send statements",
// "Receive operator", "Close"), each checked under every policy and many seeds.
func TestChannelRules(t *testing.T) {
	tests := []rule{
		{
			rule: "If the capacity is zero or absent, the channel is unbuffered and communication succeeds only when both a sender and receiver are ready.",
			main: func() {
				c := MakeChan[int]("c", 0, P(1))
				done := MakeChan[bool]("done", 0, P(2))
				Go("main.main.func1", P(3), func() {
					c.Send(1, W(1))
					Println(W(2), "sent")
					done.Send(true, W(3))
				})
				Sleep(1000, P(4)) // the sender cannot finish before the receive
				Println(P(5), "receiving")
				Println(P(6), c.Recv1(P(6)))
				done.Recv1(P(7))
			},
			stdout: "receiving\n", // then "1" and "sent" in either order
			prefix: true,
			kind:   OutcomeOK,
		},
		{
			rule: "The channel acts as a first-in-first-out queue.",
			main: func() {
				c := MakeChan[int]("c", 5, P(1))
				for i := range 5 {
					c.Send(i, P(2))
				}
				for range 5 {
					Print(P(3), c.Recv1(P(3)))
				}
			},
			stdout: "01234",
			kind:   OutcomeOK,
		},
		{
			rule: "If the capacity is greater than zero, sends succeed without blocking if the buffer is not full.",
			main: func() {
				c := MakeChan[string]("c", 2, P(1))
				c.Send("a", P(2))
				c.Send("b", P(3))
				Println(P(4), c.Len(), c.Cap())
			},
			stdout: "2 2\n",
			kind:   OutcomeOK,
		},
		{
			rule: "The value of ok is true if the value received was delivered by a successful send operation, false if it is a zero value generated because the channel is closed and empty.",
			main: func() {
				c := MakeChan[int]("c", 1, P(1))
				c.Send(7, P(2))
				c.Close(P(3))
				v, ok := c.Recv(P(4))
				Println(P(5), v, ok)
				v, ok = c.Recv(P(6))
				Println(P(7), v, ok)
			},
			stdout: "7 true\n0 false\n",
			kind:   OutcomeOK,
		},
		{
			rule: "After calling close, and after any previously sent values have been received, receive operations will return the zero value without blocking (close wakes every waiting receiver).",
			main: func() {
				c := MakeChan[int]("c", 0, P(1))
				var wg WaitGroup
				for range 3 {
					wg.Add(1, P(2))
					Go("main.worker", P(3), func() {
						defer wg.Done(W(3))
						v, ok := c.Recv(W(1))
						Println(W(2), v, ok)
					})
				}
				Sleep(10, P(4))
				c.Close(P(5))
				wg.Wait(P(6))
			},
			stdout: "0 false\n0 false\n0 false\n",
			kind:   OutcomeOK,
		},
		{
			rule: "For a channel c, the built-in function range iterates over values sent until the channel is closed.",
			main: func() {
				c := MakeChan[int]("c", 0, P(1))
				Go("main.worker", P(2), func() {
					for i := 1; i <= 3; i++ {
						c.Send(i*i, W(1))
					}
					c.Close(W(2))
				})
				for v := range c.Range(P(3)) {
					Println(P(4), v)
				}
			},
			stdout: "1\n4\n9\n",
			kind:   OutcomeOK,
		},
		{
			rule: "Memory model: the kth receive on a channel with capacity C is synchronized before the completion of the k+Cth send (a counting semaphore admits at most C holders).",
			main: func() {
				sem := MakeChan[struct{}]("sem", 2, P(1))
				var wg WaitGroup
				holders, most := 0, 0
				for range 6 {
					wg.Go(func() {
						sem.Send(struct{}{}, W(1))
						holders++
						most = max(most, holders)
						Sleep(5, W(2))
						holders--
						sem.Recv1(W(3))
					}, "main.main.func1", P(2))
				}
				wg.Wait(P(3))
				Println(P(4), "at most", most, "holders")
			},
			stdout: "at most 2 holders\n",
			kind:   OutcomeOK,
		},
		{
			rule: "Memory model: the closing of a channel is synchronized before a receive that returns because the channel is closed.",
			main: func() {
				done := MakeChan[struct{}]("done", 0, P(1))
				msg := ""
				Go("main.worker", P(2), func() {
					msg = "hello, world"
					done.Close(W(1))
				})
				done.Recv1(P(3))
				Println(P(4), msg)
			},
			stdout: "hello, world\n",
			kind:   OutcomeOK,
		},
		{
			rule: "A send on a closed channel proceeds by causing a run-time panic.",
			main: func() {
				c := MakeChan[int]("c", 1, P(1))
				c.Close(P(2))
				c.Send(1, P(3))
			},
			kind: OutcomePanic,
		},
		{
			rule: "Closing a closed channel causes a run-time panic.",
			main: func() {
				c := MakeChan[int]("c", 0, P(1))
				c.Close(P(2))
				c.Close(P(3))
			},
			kind: OutcomePanic,
		},
		{
			rule: "Closing a nil channel causes a run-time panic.",
			main: func() {
				var c *Chan[int]
				c.Close(P(1))
			},
			kind: OutcomePanic,
		},
		{
			rule: "Communication on a nil channel blocks forever (a receive).",
			main: func() {
				var c *Chan[int]
				c.Recv1(P(1))
			},
			kind: OutcomeDeadlock,
		},
		{
			rule: "Communication on a nil channel blocks forever (a send).",
			main: func() {
				var c *Chan[int]
				c.Send(1, P(1))
			},
			kind: OutcomeDeadlock,
		},
		{
			rule: "A nil channel has length and capacity 0.",
			main: func() {
				var c *Chan[int]
				Println(P(1), c.Len(), c.Cap())
			},
			stdout: "0 0\n",
			kind:   OutcomeOK,
		},
		{
			rule: "A panic on a closed channel can be recovered, and recover returns the runtime error.",
			main: func() {
				defer func() {
					r := Recover(recover())
					_, isRuntime := r.(interface{ RuntimeError() })
					Println(P(2), r, isRuntime)
				}()
				c := MakeChan[int]("c", 0, P(1))
				c.Close(P(1))
				c.Close(P(1))
			},
			stdout: "close of closed channel true\n",
			kind:   OutcomeOK,
		},
		{
			rule: "A waiting sender is released, with a panic, when the channel is closed.",
			main: func() {
				c := MakeChan[int]("c", 0, P(1))
				Go("main.worker", P(2), func() { c.Send(1, W(1)) })
				Sleep(10, P(3))
				c.Close(P(4))
				Sleep(10, P(5))
			},
			kind: OutcomePanic,
		},
		{
			rule: "make(chan T, n) with negative n panics: makechan: size out of range.",
			main: func() {
				n := -1
				MakeChan[int]("c", n, P(1))
			},
			kind: OutcomePanic,
		},
	}
	checkRules(t, 20, tests)
}

func TestPanicMessages(t *testing.T) {
	tests := []struct {
		name string
		main func()
		msg  string
	}{
		{"send on closed", func() { c := MakeChan[int]("c", 1, P(1)); c.Close(P(2)); c.Send(1, P(3)) }, "panic: send on closed channel"},
		{"close of closed", func() { c := MakeChan[int]("c", 1, P(1)); c.Close(P(2)); c.Close(P(3)) }, "panic: close of closed channel"},
		{"close of nil", func() { var c *Chan[int]; c.Close(P(3)) }, "panic: close of nil channel"},
		{"makechan", func() { MakeChan[int]("c", -5, P(3)) }, "panic: runtime error: makechan: size out of range"},
		{"user string", func() { panic("boom") }, "panic: boom"},
		{"user error", func() { panic(fmt.Errorf("wrapped: %w", errSendClosed)) }, "panic: wrapped: send on closed channel"},
		{"user int", func() { panic(42) }, "panic: 42"},
		{"user float", func() { panic(1.5) }, "panic: 1.5"},
		{"user complex", func() { panic(3 + 4i) }, "panic: (3+4i)"},
		{"negative WaitGroup", func() { var wg WaitGroup; wg.Done(P(3)) }, "panic: sync: negative WaitGroup counter"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(tc.main, Config{})
			require.Equal(t, OutcomePanic, r.Outcome.Kind)
			assert.Equal(t, tc.msg, r.Outcome.Message)
			assert.Equal(t, 2, r.Outcome.ExitCode)
			assert.False(t, r.Outcome.Fatal)
			assert.Contains(t, r.Stderr, tc.msg+"\n\ngoroutine 1 [running]:\n")
		})
	}
}

// The capacity of a channel can change mid-run (an intervention): growing
// lets blocked senders in, shrinking keeps queued values and refuses new
// ones until the count is below the new capacity.
func TestResize(t *testing.T) {
	t.Run("growing lets blocked senders in", func(t *testing.T) {
		prog := func() {
			c := MakeChan[int]("c", 0, P(1))
			for i := range 3 {
				Go("main.worker", P(2), func() { c.Send(i, W(1)) })
			}
			Sleep(10, P(3)) // all three senders are blocked now
			Gosched(P(4))   // the resize applies at this scheduling point
			Println(P(5), "len", c.Len(), "cap", c.Cap())
		}
		base := run(prog, Config{Policy: PolicyFIFO})
		require.Equal(t, OutcomeLeak, base.Outcome.Kind, "without the resize the senders stay blocked")
		require.Equal(t, "len 0 cap 0\n", base.Stdout)
		step := int64(indexOf(base, KindGosched))
		r := run(prog, Config{Policy: PolicyFIFO, Interventions: []Intervention{{Step: step, Kind: SetCap, Obj: 1, Cap: 2}}})
		assert.Equal(t, "len 2 cap 2\n", r.Stdout)
		assert.Equal(t, OutcomeLeak, r.Outcome.Kind)
		assert.Len(t, r.Outcome.Blocked, 1, "one sender still waits: the buffer holds two")
	})
	t.Run("shrinking keeps queued values and refuses new ones", func(t *testing.T) {
		prog := func() {
			c := MakeChan[int]("c", 3, P(1))
			c.Send(1, P(2))
			c.Send(2, P(3))
			c.Send(3, P(4))
			Gosched(P(5)) // the resize applies here
			Println(P(6), "len", c.Len(), "cap", c.Cap())
			c.Recv1(P(7)) // two values left
			accepted := Select(P(8), true, Send(c, 4)) == 0
			Println(P(9), "2 queued, send accepted:", accepted)
			c.Recv1(P(10))
			c.Recv1(P(11))
			c.Recv1(P(11))
			Println(P(12), "values kept:", c.Len() == 0)
		}
		base := run(prog, Config{Policy: PolicyGo})
		require.Equal(t, "len 3 cap 3\n2 queued, send accepted: true\nvalues kept: true\n", base.Stdout)
		step := int64(indexOf(base, KindGosched))
		r := run(prog, Config{Policy: PolicyGo, Interventions: []Intervention{{Step: step, Kind: SetCap, Obj: 1, Cap: 1}}})
		assert.Equal(t, "len 3 cap 1\n2 queued, send accepted: false\n", r.Stdout)
		assert.Equal(t, OutcomeDeadlock, r.Outcome.Kind, "the fourth receive finds nothing: the refused send never happened")
	})
}

// indexOf returns the sequence number of the first event of kind k.
func indexOf(r *Result, k Kind) int {
	for i := range r.Log.Len() {
		if r.Log.At(i).Kind == k {
			return i
		}
	}
	return -1
}
