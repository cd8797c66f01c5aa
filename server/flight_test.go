package server

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/scenarios"
)

// gateEnv names the file a gated run waits for, in its child.
const gateEnv = "CONCVIZ_TEST_GATE"

// The gated programs stream some events, then wait for their gate to be
// opened, so that a test can join them, leave them or kill them in flight.
func init() {
	testCatalog["gated"] = &scenarios.Scenario{ID: "gated", Program: engine.Program{Main: func() { gated(false) }}}
	testCatalog["gated-crash"] = &scenarios.Scenario{ID: "gated-crash", Program: engine.Program{Main: func() { gated(true) }}}
}

func gated(crash bool) {
	c := engine.MakeChan[int]("c", 1, 0)
	echo := func() {
		for i := range engine.ObserveEvery {
			c.Send(i, 0)
			c.Recv(0)
		}
	}
	echo()
	// Real time, past the child's flush interval: the next events the
	// engine observes are sent with all before them, and the run is seen
	// in flight.
	time.Sleep(60 * time.Millisecond)
	echo()
	for {
		if _, err := os.Stat(os.Getenv(gateEnv)); err == nil {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	if crash {
		os.Exit(7)
	}
	echo()
}

// spare is the child a Runner keeps started for its next scenario run,
// from its first run on (spare.go): one more than its runs' children.
const spare = 1

// children counts the child processes a server starts, and keeps them.
type children struct {
	gate string // the gated runs' gate: open it with open
	mu   sync.Mutex
	cmds []*exec.Cmd
}

func (c *children) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cmds)
}

func (c *children) open(t *testing.T) {
	require.NoError(t, os.WriteFile(c.gate, nil, 0o600))
}

// gatedLimits leave a gated run in flight however slow the machine: only
// its gate, or a kill, ends it.
func gatedLimits() Limits {
	lim := testLimits()
	lim.Wall = time.Minute
	return lim
}

// gatedServer is a test server whose children are counted and whose gated
// runs wait for the returned gate.
func gatedServer(t *testing.T, lim Limits, opts ...func(*Options)) (*Server, *httptest.Server, *children) {
	t.Helper()
	kids := &children{gate: filepath.Join(t.TempDir(), "gate")}
	s, ts := newTestServer(t, lim, append([]func(*Options){func(o *Options) {
		start := o.ChildCommand
		o.ChildCommand = func(ctx context.Context) *exec.Cmd {
			cmd := start(ctx)
			cmd.Env = append(cmd.Env, gateEnv+"="+kids.gate)
			kids.mu.Lock()
			kids.cmds = append(kids.cmds, cmd)
			kids.mu.Unlock()
			return cmd
		}
	}}, opts...)...)
	return s, ts, kids
}

// watched is what one caller of Run saw: the lengths of the logs it was
// given, the last of them, and the result.
type watched struct {
	mu    sync.Mutex
	lens  []int
	last  RunLog
	first chan struct{} // closed at the first emit
	log   *RunLog
	err   error
	done  chan struct{}
}

// watch calls Run in a goroutine, recording what it sees.
func watch(ctx context.Context, r *Runner, req engine.RunInput) *watched {
	w := &watched{first: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		w.log, w.err = r.Run(ctx, req, func(l *RunLog) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if len(w.lens) == 0 {
				close(w.first)
			}
			w.lens = append(w.lens, l.Len())
			w.last = *l
		})
	}()
	return w
}

func runErrorCode(err error) string {
	var re *RunError
	if errors.As(err, &re) {
		return re.Code
	}
	return ""
}

// Two callers of the same run share one child: the second joins it in
// flight, is given what has arrived at once and every event after, and
// gets the same result; whoever leaves stops watching, and the child dies
// only when nobody watches. A run that fails is not shared with later ones.
func TestRunsInFlightAreShared(t *testing.T) {
	tests := []struct {
		name          string
		program       string
		leave         [2]bool // the first caller, the joiner
		want          [2]string
		childrenAfter int // once a third caller has asked for the same run
	}{
		{"the joiner shares the child and its outcome", "gated", [2]bool{}, [2]string{"ok", "ok"}, 1},
		{"the first caller leaving does not stop the joiner", "gated", [2]bool{true, false}, [2]string{codeCancelled, "ok"}, 1},
		{"the joiner leaving does not stop the first caller", "gated", [2]bool{false, true}, [2]string{"ok", codeCancelled}, 1},
		{"the last one leaving kills the child", "gated", [2]bool{true, true}, [2]string{codeCancelled, codeCancelled}, 2},
		{"a failed run is shared by its watchers, not with later calls", "gated-crash", [2]bool{}, [2]string{codeCrashed, codeCrashed}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _, kids := gatedServer(t, gatedLimits())
			r := s.runner
			req := engine.RunInput{Program: tc.program, Seed: 1}
			key, _ := r.prepare(req)
			var ctxs [2]context.Context
			var cancels [2]context.CancelFunc
			for i := range ctxs {
				ctxs[i], cancels[i] = context.WithCancel(context.Background())
				defer cancels[i]()
			}
			first := watch(ctxs[0], r, req)
			<-first.first // events have arrived: the run is in flight
			r.mu.Lock()
			f := r.flights[key]
			r.mu.Unlock()
			require.NotNil(t, f)
			joiner := watch(ctxs[1], r, req)
			<-joiner.first // given at once what had arrived when it joined
			for i, leave := range tc.leave {
				if leave {
					cancels[i]()
				}
			}
			if tc.leave[0] {
				<-first.done // leaving returns before the run ends: the gate is shut
			}
			if tc.leave[1] {
				<-joiner.done
			}
			if tc.leave[0] && tc.leave[1] {
				<-f.done // nobody watches: the child is killed, not left to the gate
				assert.Equal(t, codeCancelled, runErrorCode(f.err), "the run was killed, not timed out")
			}
			kids.open(t)
			<-first.done
			<-joiner.done
			assert.Equal(t, 1+spare, kids.count(), "one child for both callers")

			for i, w := range []*watched{first, joiner} {
				if tc.want[i] != "ok" {
					assert.Equal(t, tc.want[i], runErrorCode(w.err), "caller %d", i)
					continue
				}
				require.NoError(t, w.err, "caller %d", i)
				require.NotNil(t, w.log.End)
				assert.Equal(t, "ok", string(w.log.End.Outcome.Outcome), "caller %d", i)
				assert.Equal(t, w.log.Len(), w.last.Len(), "caller %d was given every event", i)
				assert.IsIncreasing(t, w.lens, "caller %d is given each part once, in order", i)
				for j := range w.last.Len() {
					require.Equal(t, w.log.At(j), w.last.At(j))
				}
			}
			if tc.want == [2]string{"ok", "ok"} {
				assert.Same(t, first.log, joiner.log, "one log for both")
			}
			if tc.want[1] == "ok" {
				assert.Greater(t, joiner.lens[0], 0, "the joiner is given what had arrived")
				assert.Less(t, joiner.lens[0], joiner.log.Len(), "the joiner joined the run in flight")
			}
			if tc.want[0] == codeCrashed {
				assert.Same(t, first.err, joiner.err, "one error for both")
			}

			// A third caller, once the run is over, gets it from the cache,
			// or runs it again if it failed or nobody saw it to its end.
			third, err := r.Run(context.Background(), req, func(*RunLog) {})
			if tc.program == "gated-crash" {
				assert.Equal(t, codeCrashed, runErrorCode(err))
			} else {
				require.NoError(t, err)
				assert.Equal(t, "ok", string(third.End.Outcome.Outcome))
			}
			assert.Equal(t, tc.childrenAfter+spare, kids.count())
		})
	}
}

// Close kills the runs in flight: their callers get the cancelled error.
func TestCloseEndsRunsInFlight(t *testing.T) {
	s, _, kids := gatedServer(t, gatedLimits())
	w := watch(context.Background(), s.runner, engine.RunInput{Program: "gated", Seed: 1})
	<-w.first
	s.Close()
	<-w.done
	assert.Equal(t, codeCancelled, runErrorCode(w.err))
	assert.Equal(t, 1+spare, kids.count())
	_, err := s.runner.Run(context.Background(), engine.RunInput{Program: "pool", Seed: 1}, func(*RunLog) {})
	assert.Equal(t, codeCancelled, runErrorCode(err), "a closed runner runs nothing more")
	assert.Equal(t, 1+spare, kids.count(), "nor starts a spare")
}
