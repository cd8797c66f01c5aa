package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// choicePrograms exercise every kind of choice: preemptions, picks after a
// block, selects over several ready channels, timers and goroutine starts.
var choicePrograms = map[string]func(){
	"printers": func() {
		done := MakeChan[int]("done", 0, P(1))
		for i := range 3 {
			Go("main.printer", P(2), func() {
				Println(W(1), "g", i)
				done.Send(i, W(2))
			})
		}
		for range 3 {
			v, _ := done.Recv(P(4))
			Println(P(3), v)
		}
	},
	"selects": func() {
		a, b := MakeChan[int]("a", 1, P(1)), MakeChan[int]("b", 1, P(1))
		wg := &WaitGroup{}
		for i := range 2 {
			wg.Add(1, P(2))
			Go("main.feeder", P(2), func() {
				defer wg.Done(W(3))
				a.Send(i, W(1))
				b.Send(10+i, W(2))
			})
		}
		for range 4 {
			ra, rb := Recv(a), Recv(b)
			switch Select(P(3), false, ra, rb) {
			case 0:
				Println(P(4), "a", ra.V)
			case 1:
				Println(P(4), "b", rb.V)
			}
		}
		wg.Wait(P(5))
	},
	"sleepers": func() {
		mu := &Mutex{}
		n := 0
		for i := range 3 {
			Go("main.sleeper", P(1), func() {
				Sleep(1, W(1))
				mu.Lock(W(2))
				n++
				Println(W(3), i, n)
				mu.Unlock(W(4))
			})
		}
		Sleep(10, P(2))
	},
}

// TestScheduleReplaysAsInterventions: every run a chooser makes, read back as
// interventions, is the same run event for event without the chooser, so a
// schedule the explorer finds is a permalink.
func TestScheduleReplaysAsInterventions(t *testing.T) {
	for name, main := range choicePrograms {
		t.Run(name, func(t *testing.T) {
			distinct := map[string]bool{}
			for seed := range uint64(40) {
				prog := Program{Name: name, Main: main}
				tr := RunSchedule(prog, Config{}, ScheduleSpec{PCT: &PCTSpec{Seed: seed, Depth: 3, Steps: 30}})
				require.False(t, tr.Diverged)
				ivs, err := ParseInterventions(tr.Interventions())
				require.NoError(t, err)
				replay := Run(prog, Config{Policy: PolicyGo, Seed: seed + 1000, Interventions: ivs})
				assert.Equal(t, tr.Stdout, replay.Stdout, "seed %d", seed)
				assert.Equal(t, tr.Outcome.Events, replay.Log.Len(), "seed %d", seed)
				assert.Equal(t, tr.Outcome.Outcome, replay.Outcome.Kind, "seed %d", seed)
				distinct[tr.Stdout] = true

				// The same prefix drives the chooser to the same run.
				var prefix []int32
				for _, p := range tr.Points {
					if !p.Fixed {
						prefix = append(prefix, p.Pick)
					}
				}
				again := RunSchedule(prog, Config{}, ScheduleSpec{Prefix: prefix})
				assert.Equal(t, tr.Stdout, again.Stdout)
				assert.Equal(t, tr.Points, again.Points)
			}
			assert.Greater(t, len(distinct), 1, "PCT never changed the output of %s", name)
		})
	}
}

// TestSelectCaseIntervention: a case intervention picks the case it names
// when that case is ready, and changes nothing when it is not.
func TestSelectCaseIntervention(t *testing.T) {
	main := func() {
		a, b := MakeChan[int]("a", 1, P(1)), MakeChan[int]("b", 1, P(1))
		a.Send(1, P(2))
		b.Send(2, P(2))
		ra, rb := Recv(a), Recv(b)
		Println(P(4), Select(P(3), false, ra, rb))
		c := MakeChan[int]("c", 0, P(5))
		Println(P(4), Select(P(3), true, Recv(c)))
	}
	for _, tc := range []struct {
		name string
		ivs  []Intervention
		want string
	}{
		{"case 0", []Intervention{{Step: 0, Kind: SelectCase, Case: 0}}, "0\n-1\n"},
		{"case 1", []Intervention{{Step: 0, Kind: SelectCase, Case: 1}}, "1\n-1\n"},
		{"a case past the end draws", []Intervention{{Step: 0, Kind: SelectCase, Case: 7}, {Step: 0, Kind: SelectCase, Case: 0}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range uint64(8) {
				r := run(main, Config{Seed: seed, Policy: PolicyGo, Interventions: tc.ivs})
				if tc.want != "" {
					assert.Equal(t, tc.want, r.Stdout)
				} else {
					assert.Contains(t, []string{"0\n-1\n", "1\n-1\n"}, r.Stdout)
				}
			}
		})
	}
}

// TestChoicesReportPreemptions: a forced switch is a choice where the
// running goroutine could go on; a pick after it blocks is not.
func TestChoicesReportPreemptions(t *testing.T) {
	prog := Program{Name: "printers", Main: choicePrograms["printers"]}
	tr := RunSchedule(prog, Config{}, ScheduleSpec{})
	assert.Equal(t, 0, tr.Preemptions(), "the default schedule never preempts")
	assert.Empty(t, tr.Interventions())
	assert.Equal(t, "g 2\n2\ng 0\n0\ng 1\n1\n", tr.Stdout, "the default is Go's with one P: main runs until it blocks, then the goroutine started last")
	for i, p := range tr.Points {
		if p.Kind == ChoiceRun && p.Preempt && !p.Fixed {
			prefix := make([]int32, 0, i+1)
			for _, q := range tr.Points[:i] {
				if !q.Fixed {
					prefix = append(prefix, q.Pick)
				}
			}
			sw := RunSchedule(prog, Config{}, ScheduleSpec{Prefix: append(prefix, p.Options[1])})
			assert.Equal(t, 1, sw.Preemptions())
			return
		}
	}
	t.Fatal("no preemptible choice in the default schedule")
}
