package explore

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/scenarios"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func p(line int) engine.Pos { return engine.Pos(line) }

// known are hand-written programs whose outcome sets the issue states.
var known = []struct {
	name  string
	main  func()
	bound int
	want  []string // the stdouts every schedule within the bound can print
}{
	{"two printers print in both orders", func() {
		wg := &engine.WaitGroup{}
		for _, s := range []string{"a", "b"} {
			wg.Add(1, p(1))
			engine.Go("main.printer", p(2), func() {
				engine.Println(p(3), s)
				wg.Done(p(4))
			})
		}
		wg.Wait(p(5))
	}, 2, []string{"a\nb\n", "b\na\n"}},
	{"three senders arrive in all six orders", func() {
		c := engine.MakeChan[int]("c", 0, p(1))
		for i := range 3 {
			engine.Go("main.sender", p(2), func() { c.Send(i, p(3)) })
		}
		for range 3 {
			v, _ := c.Recv(p(4))
			engine.Print(p(5), v)
		}
	}, 2, []string{"012", "021", "102", "120", "201", "210"}},
	{"select over two ready channels takes both", func() {
		a, b := engine.MakeChan[int]("a", 1, p(1)), engine.MakeChan[int]("b", 1, p(1))
		a.Send(1, p(2))
		b.Send(2, p(2))
		ra, rb := engine.Recv(a), engine.Recv(b)
		engine.Print(p(4), engine.Select(p(3), false, ra, rb))
	}, 0, []string{"0", "1"}},
}

func stdouts(r *Result) []string {
	var out []string
	for _, o := range r.Outcomes {
		out = append(out, o.Stdout)
	}
	return out
}

func TestKnownSets(t *testing.T) {
	for _, tc := range known {
		t.Run(tc.name, func(t *testing.T) {
			for _, naive := range []bool{false, true} {
				r, err := Explore(context.Background(), []Runner{&InProcess{Program: engine.Program{Name: tc.name, Main: tc.main}}}, Options{Preemptions: tc.bound, Naive: naive})
				require.NoError(t, err)
				assert.True(t, r.Complete)
				assert.ElementsMatch(t, tc.want, stdouts(r), "naive %v", naive)
				t.Logf("naive=%v schedules=%d", naive, r.Schedules)
			}
		})
	}
}

// scenarioRunner runs a catalog scenario in this process with settings in.
func scenarioRunner(t *testing.T, id string, in engine.RunInput) Runner {
	t.Helper()
	sc, ok := scenarios.Lookup(id)
	require.True(t, ok, id)
	cfg, err := sc.RunConfig(in)
	require.NoError(t, err)
	return &InProcess{Program: sc.Program, Config: cfg}
}

func kinds(r *Result) []engine.OutcomeKind {
	var out []engine.OutcomeKind
	for _, o := range r.Outcomes {
		if !slices.Contains(out, o.Outcome) {
			out = append(out, o.Outcome)
		}
	}
	return out
}

// TestCatalogKnownOutcomes: the guide's buggy pool deadlocks in every
// schedule whatever its buffers, the fixed one never does; the philosophers
// deadlock within bound 2 and their fix never does. A pool's search at
// bound 2 does not finish in a test's time (nor the fixed pool's at bound
// 0), so a budget of schedules samples it, past the buggy pool's complete
// bound-0 search (every free choice).
func TestCatalogKnownOutcomes(t *testing.T) {
	t.Parallel()
	for c := range 4 {
		caps := map[string]int{"jobs": c, "results": c}
		for _, tc := range []struct {
			id   string
			want engine.OutcomeKind
		}{{"worker-pool-deadlock", engine.OutcomeDeadlock}, {"worker-pool-fixed", engine.OutcomeOK}} {
			r := scenarioRunner(t, tc.id, engine.RunInput{Caps: caps})
			sampled, err := Explore(context.Background(), []Runner{r}, Options{Preemptions: 2, MaxSchedules: 300})
			require.NoError(t, err)
			assert.Equal(t, []engine.OutcomeKind{tc.want}, kinds(sampled), "%s caps %d: every schedule ends %s", tc.id, c, tc.want)
			if tc.want == engine.OutcomeDeadlock {
				exact, err := Explore(context.Background(), []Runner{r}, Options{Preemptions: 0})
				require.NoError(t, err)
				assert.True(t, exact.Complete, "%s caps %d: the bound-0 search finishes", tc.id, c)
				assert.Equal(t, []engine.OutcomeKind{tc.want}, kinds(exact), "%s caps %d: every schedule ends %s", tc.id, c, tc.want)
			}
		}
	}
	for _, n := range []int64{2, 3, 5} {
		r := scenarioRunner(t, "dining-philosophers", engine.RunInput{Knobs: map[string]int64{"philosophers": n}})
		res, err := Explore(context.Background(), []Runner{r}, Options{Preemptions: 2, MaxSchedules: 2000})
		require.NoError(t, err)
		assert.Equal(t, []engine.OutcomeKind{engine.OutcomeDeadlock}, kinds(res), "%d philosophers deadlock in every schedule", n)
		least := res.Outcomes[0].Preemptions
		for _, o := range res.Outcomes {
			least = min(least, o.Preemptions)
		}
		assert.Equal(t, 0, least, "the pause alone deadlocks them: no preemption needed")
		if n < 5 {
			assert.True(t, res.Complete, "%d philosophers: complete at bound 2", n)
		}
	}
	r := scenarioRunner(t, "dining-philosophers-fixed", engine.RunInput{Knobs: map[string]int64{"philosophers": 2, "meals": 1}})
	res, err := Explore(context.Background(), []Runner{r}, Options{Preemptions: 2})
	require.NoError(t, err)
	assert.True(t, res.Complete)
	assert.Equal(t, []engine.OutcomeKind{engine.OutcomeOK}, kinds(res), "the fixed philosophers never deadlock")
}

// TestUntilStopsAtTheFirstMatch: "find a deadlock" stops the search at the
// first run that ends so, and says why it stopped.
func TestUntilStopsAtTheFirstMatch(t *testing.T) {
	senders := known[1]
	r := []Runner{&InProcess{Program: engine.Program{Name: senders.name, Main: senders.main}}}
	full, err := Explore(context.Background(), r, Options{Preemptions: 2})
	require.NoError(t, err)
	res, err := Explore(context.Background(), r, Options{Preemptions: 2, Until: func(o Outcome) bool { return o.Stdout == "210" }})
	require.NoError(t, err)
	assert.Equal(t, "found", res.Stopped)
	assert.False(t, res.Complete)
	assert.Contains(t, stdouts(res), "210")
	assert.Less(t, res.Runs, full.Runs, "it stopped early")
}
