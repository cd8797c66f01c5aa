package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// "If one or more of the communications can proceed, a single one that can
// proceed is chosen via a uniform pseudo-random selection."
func TestSelectChoosesUniformly(t *testing.T) {
	counts := make([]int, 3)
	const runs = 3000
	for seed := range uint64(runs) {
		r := run(func() {
			a, b, c := MakeChan[int]("a", 1, P(1)), MakeChan[int]("b", 1, P(1)), MakeChan[int]("c", 1, P(1))
			a.Send(0, P(2))
			b.Send(1, P(2))
			c.Send(2, P(2))
			ra, rb, rc := Recv(a), Recv(b), Recv(c)
			switch Select(P(3), false, ra, rb, rc) {
			case 0:
				Print(P(4), ra.V)
			case 1:
				Print(P(4), rb.V)
			case 2:
				Print(P(4), rc.V)
			}
		}, Config{Seed: seed, Policy: PolicyGo})
		require.Equal(t, OutcomeOK, r.Outcome.Kind)
		counts[r.Stdout[0]-'0']++
	}
	for i, n := range counts {
		// Each case has p = 1/3: 1000 expected, sd ~26; 5 sd either side.
		assert.InDelta(t, runs/3, n, 130, "case %d chosen %d times of %d", i, n, runs)
	}
}

func TestSelect(t *testing.T) {
	tests := []rule{
		{
			rule: "If none of the communications can proceed and there is a default case, that case is chosen.",
			main: func() {
				c := MakeChan[int]("c", 0, P(1))
				Println(P(3), Select(P(2), true, Recv(c), Send(c, 1)))
			},
			stdout: "-1\n",
			kind:   OutcomeOK,
		},
		{
			rule: "If there is no default case, the select statement blocks until at least one of the communications can proceed.",
			main: func() {
				a, b := MakeChan[int]("a", 0, P(1)), MakeChan[string]("b", 0, P(1))
				Go("main.worker", P(2), func() {
					Sleep(5, W(1))
					b.Send("late", W(2))
				})
				ra, rb := Recv(a), Recv(b)
				i := Select(P(3), false, ra, rb)
				Println(P(4), i, rb.V, rb.OK)
			},
			stdout: "1 late true\n",
			kind:   OutcomeOK,
		},
		{
			rule: "A blocked select wakes on close with the zero value and ok false.",
			main: func() {
				c := MakeChan[int]("c", 0, P(1))
				Go("main.worker", P(2), func() { c.Close(W(1)) })
				rc := Recv(c)
				Select(P(3), false, rc, Recv[int](nil))
				Println(P(4), rc.V, rc.OK)
			},
			stdout: "0 false\n",
			kind:   OutcomeOK,
		},
		{
			rule: "A blocked select send case completes when a receiver arrives; the other cases are withdrawn.",
			main: func() {
				a, b := MakeChan[int]("a", 0, P(1)), MakeChan[int]("b", 0, P(1))
				Go("main.worker", P(2), func() { Println(W(1), "got", b.Recv1(W(1))) })
				i := Select(P(3), false, Send(a, 1), Send(b, 2))
				Sleep(1, P(4))
				Println(P(5), "case", i, "a waiting senders withdrawn:", Select(P(6), true, Recv(a)) == -1)
			},
			stdout: "got 2\ncase 1 a waiting senders withdrawn: true\n",
			kind:   OutcomeOK,
		},
		{
			rule: "Cases on nil channels never proceed: a select of only nil cases blocks forever.",
			main: func() {
				var c *Chan[int]
				Select(P(1), false, Recv(c), Send(c, 1))
			},
			kind: OutcomeDeadlock,
		},
		{
			rule: "select {} blocks forever.",
			main: func() { Select(P(1), false) },
			kind: OutcomeDeadlock,
		},
		{
			rule: "A select send case on a closed channel panics.",
			main: func() {
				c := MakeChan[int]("c", 0, P(1))
				c.Close(P(2))
				Select(P(3), false, Send(c, 1))
			},
			kind: OutcomePanic,
		},
	}
	checkRules(t, 20, tests)
}

func TestSelectWaitReasons(t *testing.T) {
	r := run(func() { Select(P(1), false) }, Config{})
	require.Len(t, r.Outcome.Blocked, 1)
	assert.Equal(t, WaitSelectNoCases, r.Outcome.Blocked[0].Reason)
	r = run(func() {
		a, b := MakeChan[int]("a", 0, P(1)), MakeChan[int]("b", 0, P(1))
		Select(P(2), false, Recv(a), Send(b, 1))
	}, Config{})
	require.Len(t, r.Outcome.Blocked, 1)
	assert.Equal(t, WaitSelect, r.Outcome.Blocked[0].Reason)
	var objs []int32
	for _, e := range r.Outcome.Edges {
		objs = append(objs, e.Obj)
	}
	assert.Equal(t, []int32{1, 2}, objs, "the wait-for graph names every channel the select waits on")
}
