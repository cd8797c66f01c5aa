package claims

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/explore"
)

func TestText(t *testing.T) {
	out := func(kind engine.OutcomeKind, stdout string) explore.Outcome {
		return explore.Outcome{Outcome: kind, Stdout: stdout, Schedules: 1}
	}
	for _, tc := range []struct {
		name string
		res  explore.Result
		want string
	}{
		{"one end, one output", explore.Result{Bound: 2, Complete: true, Outcomes: []explore.Outcome{out("ok", "a\n")}},
			"Never deadlocks: it ends normally in every schedule with at most 2 forced switches. It always prints the same."},
		{"squares in orders", explore.Result{Bound: 2, Complete: true, Outcomes: []explore.Outcome{out("deadlock", "1\n4\n"), out("deadlock", "4\n1\n")}},
			"Deadlocks in every schedule with at most 2 forced switches. It prints the same lines in 2 orders."},
		{"different outputs", explore.Result{Bound: 1, Complete: true, Outcomes: []explore.Outcome{out("ok", "1\n"), out("ok", "2\n"), out("ok", "")}},
			"Never deadlocks: it ends normally in every schedule with at most 1 forced switch. It can print 3 different outputs."},
		{"mixed ends", explore.Result{Bound: 2, Complete: true, Outcomes: []explore.Outcome{out("ok", "x\n"), out("deadlock", "x\n"), out("panic", "x\n")}},
			"Depending on the schedule it deadlocks, ends normally or panics (every schedule with at most 2 forced switches explored). It always prints the same."},
		{"a budget stopped it", explore.Result{Bound: 2, Runs: 1000, CompleteBound: -1, Outcomes: []explore.Outcome{out("deadlock", "1\n4\n"), out("deadlock", "4\n1\n")}},
			"Deadlocked in all 1000 schedules explored with at most 2 forced switches (not every one there is). It printed the same lines in 2 orders."},
		{"a budget stopped it after bound 1", explore.Result{Bound: 2, Runs: 1000, CompleteBound: 1, Outcomes: []explore.Outcome{out("deadlock", "1\n4\n")}},
			"Deadlocks in every schedule with at most 1 forced switch, and in all 1000 schedules explored with at most 2 forced switches (not every one there is). It printed the same every time."},
		{"bound 0", explore.Result{Bound: 0, Complete: true, Outcomes: []explore.Outcome{out("ok", "")}},
			"Never deadlocks: it ends normally in every schedule with no forced switch. It always prints the same."},
		{"stopped, mixed", explore.Result{Bound: 2, Runs: 10, CompleteBound: 1, Outcomes: []explore.Outcome{out("ok", ""), out("leak", "")}},
			"Depending on the schedule it left goroutines blocked when main returned or ended normally (10 schedules explored with at most 2 forced switches, not every one there is). It printed the same every time."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Text(&tc.res))
		})
	}
}

func TestSourceIsSortedGo(t *testing.T) {
	src, err := Source(map[string]string{"b": "B says \"hi\".", "a": "A."})
	assert.NoError(t, err)
	assert.Contains(t, string(src), "\t\"a\": \"A.\",\n\t\"b\": \"B says \\\"hi\\\".\",\n")
}
