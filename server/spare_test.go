package server

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/scenarios"
)

// stderrLine is what the "stderr" program says on its stderr before it
// exits: a crashed run's error repeats it.
const stderrLine = "concviz test: broken on purpose"

func init() {
	testCatalog["stderr"] = &scenarios.Scenario{ID: "stderr", Program: engine.Program{Main: func() {
		fmt.Fprintln(os.Stderr, stderrLine)
		os.Exit(3)
	}}}
}

// warmUp runs a first scenario run on r, which starts r's spare, and
// returns the spare once it has started.
func warmUp(t *testing.T, r *Runner) *child {
	t.Helper()
	_, err := r.Run(context.Background(), engine.RunInput{Program: "pool", Seed: 999}, func(*RunLog) {})
	require.NoError(t, err)
	return readySpare(t, r)
}

// readySpare waits for r's spare to have started and returns it.
func readySpare(t *testing.T, r *Runner) *child {
	t.Helper()
	var c *child
	require.Eventually(t, func() bool {
		r.spare.mu.Lock()
		defer r.spare.mu.Unlock()
		c = r.spare.ready
		return c != nil
	}, 10*time.Second, time.Millisecond, "the spare starts")
	return c
}

// runResult is a run's log as frames and its ending, or its error: equal
// results are equal runs.
type runResult struct {
	frames []byte
	end    engine.Ending
	code   string
	msg    string
}

func resultOf(t *testing.T, l *RunLog, err error) runResult {
	t.Helper()
	if err != nil {
		return runResult{code: runErrorCode(err), msg: err.Error()}
	}
	frames, ferr := engine.AppendFrames(nil, &l.Log, &engine.FrameCursor{}, l.Len())
	require.NoError(t, ferr)
	require.NotNil(t, l.End)
	return runResult{frames: frames, end: *l.End}
}

// A Runner's second scenario run takes the spare its first one started:
// it starts no process of its own (only its own next spare), and runs as
// a new child would have, its log, its ending, its error and what the
// child said on stderr alike.
func TestSecondRunTakesTheSpare(t *testing.T) {
	tests := []struct {
		program string
		code    string // "" for a run that ends
	}{
		{"pool", ""},
		{"stderr", codeCrashed},
		{"garbage", codeGarbled},
	}
	for _, tc := range tests {
		t.Run(tc.program, func(t *testing.T) {
			t.Parallel()
			req := engine.RunInput{Program: tc.program, Seed: 7}
			s, _, kids := gatedServer(t, testLimits())
			warmUp(t, s.runner)
			require.Equal(t, 1+spare, kids.count(), "the first run starts its child and a spare")
			l, err := s.runner.Run(context.Background(), req, func(*RunLog) {})
			warm := resultOf(t, l, err)
			assert.Equal(t, 1+spare+1, kids.count(), "the second run started only the next spare")
			assert.NotNil(t, kids.cmd(1).ProcessState, "the spare ran the second run and is gone")
			assert.Same(t, kids.cmd(2), readySpare(t, s.runner).cmd, "the next spare waits")

			fresh, _, freshKids := gatedServer(t, testLimits())
			l, err = fresh.runner.Run(context.Background(), req, func(*RunLog) {})
			want := resultOf(t, l, err)
			require.Equal(t, 1+spare, freshKids.count(), "a first run has no spare to take")

			assert.Equal(t, tc.code, warm.code)
			assert.Equal(t, want, warm, "the run on the spare is the run on a new child")
			if tc.program == "stderr" {
				assert.Contains(t, warm.msg, stderrLine, "the spare's stderr is the run's")
			}
		})
	}
}

// cmd is the i-th command the server made.
func (c *children) cmd(i int) *exec.Cmd {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cmds[i]
}

// exited reports whether a process has exited, all its threads and so
// its files with them, though nobody has waited for it yet: its leader is
// a zombie (Z) and the last of its threads.
func exited(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false // gone: somebody waited for it, which is not what the test wants
	}
	_, after, _ := strings.Cut(string(b), ") ")
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	return err == nil && strings.HasPrefix(after, "Z") && len(tasks) == 1
}

// A spare killed while it waited is thrown away: the run starts a new
// child, as without a spare, and runs as it would have.
func TestDeadSpareIsReplaced(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc: cannot tell when the killed spare has exited")
	}
	t.Parallel()
	s, _, kids := gatedServer(t, testLimits())
	dead := warmUp(t, s.runner)
	require.NoError(t, dead.cmd.Process.Kill())
	require.Eventually(t, func() bool { return exited(dead.cmd.Process.Pid) }, 10*time.Second, time.Millisecond,
		"the killed spare has exited: its stdin has no reader")

	l, err := s.runner.Run(context.Background(), engine.RunInput{Program: "pool", Seed: 7}, func(*RunLog) {})
	require.NoError(t, err)
	assert.Equal(t, engine.OutcomeDeadlock, l.End.Outcome.Outcome)
	assert.ElementsMatch(t, []string{"1", "4", "9", "16", "25"}, strings.Fields(l.End.Stdout))
	assert.Equal(t, 1+1+1+spare, kids.count(), "the first run's child, the dead spare, the run's own child and the next spare")
	require.NotNil(t, dead.cmd.ProcessState, "the dead spare was waited for")
	assert.False(t, dead.cmd.ProcessState.Exited(), "it ran nothing: it was killed")
}

// A run on the spare whose caller leaves kills the spare's child, though
// the spare was started under no run's context.
func TestCancelledRunKillsTheSpare(t *testing.T) {
	t.Parallel()
	s, _, kids := gatedServer(t, gatedLimits())
	r := s.runner
	sp := warmUp(t, r)
	req := engine.RunInput{Program: "gated", Seed: 1}
	key, _ := r.prepare(req)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := watch(ctx, r, req)
	<-w.first
	r.mu.Lock()
	f := r.flights[key]
	r.mu.Unlock()
	require.NotNil(t, f)
	cancel()
	<-w.done
	assert.Equal(t, codeCancelled, runErrorCode(w.err))
	<-f.done // the gate stays shut: only a kill ends the child before its minute
	assert.Equal(t, codeCancelled, runErrorCode(f.err), "the run was killed, not timed out")
	assert.Equal(t, 1+spare+1, kids.count(), "the run was on the spare")
	require.NotNil(t, sp.cmd.ProcessState, "the spare's child is gone")
	assert.False(t, sp.cmd.ProcessState.Exited(), "killed")
}

// The wall-clock limit counts from when a run takes the spare: a spare
// idle for longer than the limit runs a quick scenario to its end.
func TestSpareIdleLongerThanTheWallLimit(t *testing.T) {
	t.Parallel()
	lim := testLimits()
	lim.Wall = time.Second
	s, _, kids := gatedServer(t, lim)
	r := s.runner
	r.refillSpare() // no first run: it would be under the short limit too
	sp := readySpare(t, r)
	time.Sleep(lim.Wall + lim.Wall/4)
	l, err := r.Run(context.Background(), engine.RunInput{Program: "pool", Seed: 7}, func(*RunLog) {})
	require.NoError(t, err)
	assert.Equal(t, engine.OutcomeDeadlock, l.End.Outcome.Outcome)
	assert.Equal(t, spare+spare, kids.count(), "the run took the spare, and started the next")
	assert.NotNil(t, sp.cmd.ProcessState, "the spare ran it")
}

// Close kills the spare, ready or still starting, and waits for it: no
// process and no goroutine of it is left; a closed Runner starts no spare.
func TestCloseKillsTheSpare(t *testing.T) {
	tests := []struct {
		name  string
		ready bool
	}{
		{"ready", true},
		{"starting", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: no other test's goroutines come and go. After
			// the server's cleanup, which closes the test server too.
			ignore := goleak.IgnoreCurrent()
			t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
			s, _, kids := gatedServer(t, testLimits())
			r := s.runner
			r.refillSpare()
			if tc.ready {
				readySpare(t, r)
			}
			r.Close()
			sp := kids.cmd(0)
			require.NotNil(t, sp.ProcessState, "the spare was waited for")
			assert.False(t, sp.ProcessState.Exited(), "killed")
			r.refillSpare()
			assert.Nil(t, r.spare.starting, "a closed Runner starts no spare")
			assert.Nil(t, r.spare.ready)
			assert.Equal(t, spare, kids.count())
		})
	}
}

// A Runner starts no process before its first scenario run.
func TestNoSpareBeforeTheFirstRun(t *testing.T) {
	t.Parallel()
	s, ts, kids := gatedServer(t, testLimits())
	c := dial(t, ts)
	c.send(map[string]any{"type": "hello", "version": ProtocolVersion})
	assert.Equal(t, "hello", c.read()["type"])
	s.Close()
	assert.Zero(t, kids.count())
}

// A prefetched run goes the same way as a watched one: it takes the spare.
// It starts the next spare only after spareAfterPrefetch, while its page
// loads; a run asked for meanwhile starts its own child, and the next
// spare at once.
func TestPrefetchTakesTheSpare(t *testing.T) {
	t.Parallel()
	s, _, kids := gatedServer(t, testLimits())
	s.runner.spareAfterPrefetch = time.Hour
	sp := warmUp(t, s.runner)
	req := engine.RunInput{Program: "pool", Seed: 7}
	ended := make(chan struct{})
	require.True(t, s.runner.Prefetch(context.Background(), req, func() { close(ended) }))
	<-ended
	assert.Equal(t, 1+spare, kids.count(), "the prefetch started no process: its page is loading")
	assert.NotNil(t, sp.cmd.ProcessState, "the spare ran the prefetched run")
	key, _ := s.runner.prepare(req)
	_, ok := s.runner.Cache.Get(key)
	assert.True(t, ok, "and it ran to its end")

	_, err := s.runner.Run(context.Background(), engine.RunInput{Program: "pool", Seed: 8}, func(*RunLog) {})
	require.NoError(t, err)
	assert.Equal(t, 1+spare+2, kids.count(), "a run meanwhile starts its own child and the next spare")
	assert.Same(t, kids.cmd(3), readySpare(t, s.runner).cmd, "which waits")
}

// The spare a prefetch puts off waits for the run's end, however long the
// run takes: its page is still taking the run in until then.
func TestPrefetchStartsTheSpareAfterItsRun(t *testing.T) {
	t.Parallel()
	s, _, kids := gatedServer(t, gatedLimits())
	s.runner.spareAfterPrefetch = time.Millisecond
	ended := make(chan struct{})
	require.True(t, s.runner.Prefetch(context.Background(), engine.RunInput{Program: "gated", Seed: 7}, func() { close(ended) }))
	time.Sleep(100 * time.Millisecond) // a hundred times the delay
	assert.Equal(t, 1, kids.count(), "no spare while the run goes on")
	kids.open(t)
	<-ended
	sp := readySpare(t, s.runner)
	assert.Same(t, kids.cmd(1), sp.cmd, "the spare comes after it")
}

// The spare a prefetch put off starts after spareAfterPrefetch.
func TestPrefetchStartsTheSpareLater(t *testing.T) {
	t.Parallel()
	s, _, kids := gatedServer(t, testLimits())
	s.runner.spareAfterPrefetch = 50 * time.Millisecond
	ended := make(chan struct{})
	require.True(t, s.runner.Prefetch(context.Background(), engine.RunInput{Program: "pool", Seed: 7}, func() { close(ended) }))
	<-ended
	// The spare's command is made when it starts, spareAfterPrefetch after
	// the run: wait for it before asking which command it is.
	sp := readySpare(t, s.runner)
	assert.Same(t, kids.cmd(1), sp.cmd, "the next spare comes")
	assert.Equal(t, 2, kids.count(), "the prefetch's child, then the spare")
}
