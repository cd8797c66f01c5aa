package explore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
)

// incrementers is §4's counter without its mutex: n workers each do x++,
// main waits for them and prints x.
func incrementers(n int) func() {
	return func() {
		x := 0
		var wg engine.WaitGroup
		for range n {
			wg.Add(1, p(1))
			engine.Go("main.worker", p(2), func() {
				defer wg.Done(p(4))
				engine.Update(&x, func(v int) int { return v + 1 }, p(3))
			})
		}
		wg.Wait(p(5))
		engine.Println(p(6), engine.Read(&x, p(6)))
	}
}

// Shared-memory accesses are scheduling points (they start with the same
// preempt as every operation), so the explorer can switch between the read
// and the write of x++. DPOR's dependency relation (dpor.go, touch sets
// from choice_run.go's appendTouch) gives each access the variable's object
// as a touch, so any two accesses of one variable are dependent, two reads
// included: sound, if more than needed. A busy goroutine's computing
// (engine.FreeComputes) moves the clock within its step, so that step
// touches the clock too, which is also sound.
func TestExploreFindsLostUpdate(t *testing.T) {
	tests := []struct {
		name string
		main func()
		want []Outcome // Stdout, Outcome and Message of every outcome
	}{
		{"two workers do x++", incrementers(2), []Outcome{
			{Stdout: "2\n", Outcome: engine.OutcomeOK},
			{Stdout: "1\n", Outcome: engine.OutcomeOK}, // one increment lost
		}},
		{"two workers write one map", func() {
			m := map[int]int{}
			var wg engine.WaitGroup
			for i := range 2 {
				wg.Add(1, p(1))
				engine.Go("main.worker", p(2), func() {
					defer wg.Done(p(4))
					engine.MapWrite(m, i, i, p(3))
				})
			}
			wg.Wait(p(5))
			engine.Println(p(6), len(m))
		}, []Outcome{
			{Stdout: "2\n", Outcome: engine.OutcomeOK},
			{Outcome: engine.OutcomePanic, Message: "fatal error: concurrent map writes"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, naive := range []bool{false, true} {
				r, err := Explore(context.Background(), []Runner{&InProcess{Program: engine.Program{Name: tt.name, Main: tt.main}}}, Options{Preemptions: 1, Naive: naive})
				require.NoError(t, err)
				assert.True(t, r.Complete)
				var got []Outcome
				for _, o := range r.Outcomes {
					got = append(got, Outcome{Stdout: o.Stdout, Outcome: o.Outcome, Message: o.Message})
					if o.Outcome == engine.OutcomePanic || o.Stdout == "1\n" {
						assert.Equal(t, 1, o.Preemptions, "one switch in the middle of an update suffices")
					}
				}
				assert.ElementsMatch(t, tt.want, got, "naive %v", naive)
			}
		})
	}
}

// Eight workers doing x++ can finish in 8! orders without a preemption,
// each a different trace (every pair of increments conflicts), far more
// than a budget of 300 schedules. The budget is shared between the bounds,
// so bound 1 still runs and finds the lost updates; spent on bound 0 alone,
// it would report "8" as the only output.
func TestBudgetReachesPreemptions(t *testing.T) {
	r, err := Explore(context.Background(), []Runner{&InProcess{Program: engine.Program{Name: "eight", Main: incrementers(8)}}}, Options{Preemptions: 1, MaxSchedules: 300})
	require.NoError(t, err)
	assert.False(t, r.Complete)
	assert.Equal(t, -1, r.CompleteBound, "bound 0 alone has more schedules than the budget")
	assert.Equal(t, 300, r.Runs)
	var lost []string
	for _, o := range r.Outcomes {
		if o.Stdout != "8\n" {
			lost = append(lost, o.Stdout)
			assert.Equal(t, 1, o.Preemptions)
		}
	}
	assert.NotEmpty(t, lost, "no lost update found: %+v", r.Outcomes)
}
