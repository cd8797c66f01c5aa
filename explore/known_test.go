package explore

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/concviz/concviz/engine"
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
	_ = os.Stdout
}
