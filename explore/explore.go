package explore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/concviz/concviz/engine"
)

// Mode says which search ran.
type Mode string

// Modes of a search.
const (
	ModeDPOR  Mode = "dpor"  // every schedule within the bound, up to reordering independent steps
	ModeNaive Mode = "naive" // every schedule within the bound, one run each: the reference for DPOR
	ModePCT   Mode = "pct"   // random schedules with PCT priorities: never complete
)

// Defaults of Options.
const (
	DefaultPreemptions  = 2
	DefaultMaxSchedules = 100_000
	DefaultPCTRuns      = 1000
)

// Options bound a search. A zero field takes its default.
type Options struct {
	Preemptions  int           // the preemption bound K; iterations run 0, 1, ... K (negative: 0)
	MaxSchedules int           // most runs in all (default DefaultMaxSchedules; PCT: DefaultPCTRuns)
	Timeout      time.Duration // wall time for the whole search (0: none but ctx's)
	PCTDepth     int           // > 0: PCT with this depth instead of the bounded search
	Naive        bool          // no reduction: every choice within the bound
	// Progress, if set, is called (from one goroutine at a time) as runs
	// finish, at most every ProgressEvery, and once at the end.
	Progress func(Progress)
	// Until, if set, stops the search at the first run whose outcome it
	// accepts ("find a deadlock"): the result is then incomplete, stopped
	// "found".
	Until func(Outcome) bool
}

// ProgressEvery is the least time between two calls of Options.Progress.
const ProgressEvery = 100 * time.Millisecond

// Progress is a search under way, for a page's progress bar.
type Progress struct {
	Bound     int // the bound being searched
	Schedules int // runs so far
	Outcomes  int // outcome groups so far
	Done      bool
}

// Result is what a search found. Its JSON form is the one `concviz explore
// --json` prints and the page receives.
type Result struct {
	Mode  Mode `json:"mode"`
	Bound int  `json:"bound"` // the preemption bound; PCT: its depth
	// Schedules is how many runs the last bound's search made: each stands
	// for every reordering of its independent steps.
	Schedules int  `json:"schedules"`
	Runs      int  `json:"runs"`     // runs in all, the smaller bounds' searches included
	Complete  bool `json:"complete"` // every schedule within the bound was covered
	// CompleteBound is the largest bound whose search finished (-1: none).
	CompleteBound int           `json:"completeBound"`
	Stopped       string        `json:"stopped,omitempty"` // why an incomplete search stopped
	Outcomes      []Outcome     `json:"outcomes"`
	Elapsed       time.Duration `json:"elapsedNs"`
}

// Outcome is one group of runs that ended the same way.
type Outcome struct {
	Stdout  string             `json:"stdout"`
	Outcome engine.OutcomeKind `json:"outcome"`
	Message string             `json:"message"`
	// Schedules is how many runs of the last bound's search ended this way
	// (with DPOR, one run stands for all its reorderings).
	Schedules int `json:"schedules"`
	// Schedule is the shortest run that gets here (fewest preemptions, then
	// fewest interventions), as the interventions that replay it.
	Schedule    []engine.InterventionSpec `json:"schedule"`
	Preemptions int                       `json:"preemptions"`
	ExitCode    int                       `json:"exitCode"` // the status the real program would exit with
	Link        string                    `json:"link,omitempty"`
	Report      string                    `json:"report,omitempty"` // Go's report: where each goroutine is stuck
}

// Failure reports whether the outcome is one a user would call a bug.
func (o Outcome) Failure() bool {
	return o.Outcome != engine.OutcomeOK && (o.Outcome != engine.OutcomeExit || o.ExitCode != 0)
}

// Failed reports whether any outcome of r is a failure.
func (r *Result) Failed() bool {
	return slices.ContainsFunc(r.Outcomes, Outcome.Failure)
}

// Runner runs one schedule at a time: in this process (InProcess) or in a
// child process (Child).
type Runner interface {
	Run(ctx context.Context, spec engine.ScheduleSpec) (*engine.Traced, error)
}

// Explore searches the program the runners run: each runner serves one run
// at a time, so n runners in n child processes use n cores. The result is
// returned also when the budget or ctx stops the search; the error is a
// runner's failure.
func Explore(ctx context.Context, runners []Runner, opts Options) (*Result, error) {
	if len(runners) == 0 {
		return nil, errors.New("explore: no runner")
	}
	start := time.Now()
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	opts.Preemptions = max(0, opts.Preemptions)
	ctx, found := context.WithCancelCause(ctx)
	defer found(nil)
	groups := &groups{byKey: map[groupKey]*Outcome{}, until: opts.Until, found: func() { found(errFound) }}
	res := &Result{Mode: ModeDPOR, Bound: opts.Preemptions, CompleteBound: -1}
	var err error
	switch {
	case opts.PCTDepth > 0:
		res.Mode, res.Bound = ModePCT, opts.PCTDepth
		err = runPCT(ctx, runners, opts, groups, res)
	default:
		if opts.Naive {
			res.Mode = ModeNaive
		}
		if opts.MaxSchedules <= 0 {
			opts.MaxSchedules = DefaultMaxSchedules
		}
		budget := opts.MaxSchedules
		for k := 0; k <= opts.Preemptions; k++ {
			// A bound below the last gets three quarters of what is left: a program
			// whose goroutines can finish in more orders than the budget
			// (a hundred workers touching one counter) still has its
			// preemptions tried, where a lost update or a deadlock hides.
			// Each bound's search covers the smaller bounds', so a later
			// bound that finishes makes the search complete.
			share := budget
			if k < opts.Preemptions {
				share = max(budget*3/4, 1)
			}
			s := newSearch(k, opts.Naive, groups, share)
			s.progress = progressFunc(opts.Progress, k, groups)
			var stopped string
			stopped, err = s.run(ctx, runners)
			budget -= s.runs
			res.Schedules = s.runs
			res.Runs += s.runs
			groups.closeBound()
			res.Stopped = stopped
			if err != nil || stopped != "" && (stopped != stoppedBudget || k == opts.Preemptions || budget <= 0) {
				break
			}
			if stopped == "" {
				res.CompleteBound = k
			}
		}
		res.Complete = res.CompleteBound == opts.Preemptions
	}
	res.Outcomes = groups.list()
	res.Elapsed = time.Since(start)
	if context.Cause(ctx) == errFound {
		res.Stopped, res.Complete = "found", false
	}
	if opts.Progress != nil {
		opts.Progress(Progress{Bound: res.Bound, Schedules: res.Schedules, Outcomes: len(res.Outcomes), Done: true})
	}
	return res, err
}

// progressFunc returns a throttled caller of report for bound k.
func progressFunc(report func(Progress), k int, g *groups) func(runs int) {
	if report == nil {
		return func(int) {}
	}
	var last time.Time
	return func(runs int) {
		if now := time.Now(); now.Sub(last) >= ProgressEvery {
			last = now
			report(Progress{Bound: k, Schedules: runs, Outcomes: len(g.byKey)})
		}
	}
}

// groupKey is what makes two runs the same outcome.
type groupKey struct {
	stdout  string
	kind    engine.OutcomeKind
	message string
}

// groups collects outcomes over the bounds' searches: the counts are the
// last bound's, the shortest schedule is the best of all.
type groups struct {
	until  func(Outcome) bool
	found  func()
	mu     sync.Mutex
	byKey  map[groupKey]*Outcome
	counts map[groupKey]int // the current bound's
}

func (g *groups) add(tr *engine.Traced) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := groupKey{tr.Stdout, tr.Outcome.Outcome, tr.Outcome.Message}
	if g.counts == nil {
		g.counts = map[groupKey]int{}
	}
	g.counts[k]++
	pre := tr.Preemptions()
	o, ok := g.byKey[k]
	ivs := tr.Interventions()
	if !ok {
		o = &Outcome{Stdout: k.stdout, Outcome: k.kind, Message: k.message, ExitCode: tr.Outcome.ExitCode}
		g.byKey[k] = o
	} else if cmp.Or(cmp.Compare(pre, o.Preemptions), cmp.Compare(len(ivs), len(o.Schedule))) >= 0 {
		return
	}
	o.Preemptions, o.Schedule, o.Report = pre, ivs, tr.Report
	if o.Schedule == nil {
		o.Schedule = []engine.InterventionSpec{}
	}
	if !ok && g.until != nil && g.until(*o) {
		g.found()
	}
}

// errFound is the cause of a search stopped by Options.Until.
var errFound = errors.New("found")

// closeBound ends a bound's search: its counts become the groups'.
func (g *groups) closeBound() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for k, o := range g.byKey {
		if n, ok := g.counts[k]; ok {
			o.Schedules = n
		}
	}
	g.counts = nil
}

// list returns the outcomes, failures first, then by count.
func (g *groups) list() []Outcome {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Outcome, 0, len(g.byKey))
	for _, o := range g.byKey {
		out = append(out, *o)
	}
	slices.SortFunc(out, func(a, b Outcome) int {
		return cmp.Or(
			cmp.Compare(b2i(!a.Failure()), b2i(!b.Failure())),
			cmp.Compare(b.Schedules, a.Schedules),
			cmp.Compare(a.Outcome, b.Outcome),
			cmp.Compare(a.Stdout, b.Stdout),
			cmp.Compare(a.Message, b.Message))
	})
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// runPCT runs opts.MaxSchedules PCT schedules, their seeds shared out among
// the runners.
func runPCT(ctx context.Context, runners []Runner, opts Options, g *groups, res *Result) error {
	n := opts.MaxSchedules
	if n <= 0 {
		n = DefaultPCTRuns
	}
	first, err := runners[0].Run(ctx, engine.ScheduleSpec{})
	if err != nil {
		return err
	}
	steps := 0
	for _, p := range first.Points {
		if p.Kind == engine.ChoiceRun {
			steps++
		}
	}
	g.add(first)
	var (
		mu   sync.Mutex
		next = 1
		done = 1
		werr error
		wg   sync.WaitGroup
	)
	progress := progressFunc(opts.Progress, opts.PCTDepth, g)
	for _, r := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= n || werr != nil || ctx.Err() != nil {
					mu.Unlock()
					return
				}
				seed := uint64(next)
				next++
				mu.Unlock()
				tr, err := r.Run(ctx, engine.ScheduleSpec{PCT: &engine.PCTSpec{Seed: seed, Depth: opts.PCTDepth, Steps: max(1, steps)}})
				mu.Lock()
				if err != nil {
					if werr == nil && ctx.Err() == nil {
						werr = err
					}
				} else {
					g.add(tr)
					done++
					progress(done)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.Schedules, res.Runs = done, done
	g.closeBound()
	if ctx.Err() != nil {
		res.Stopped = stopReason(ctx)
	}
	if werr != nil {
		return fmt.Errorf("pct run: %w", werr)
	}
	return nil
}

// stopReason says why ctx ended a search.
func stopReason(ctx context.Context) string {
	if context.Cause(ctx) == errFound {
		return "found"
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "timeout"
	}
	return "cancelled"
}
