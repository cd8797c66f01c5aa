package explore

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/concviz/concviz/engine"
)

// node is a choice of the search tree: the i-th choice (not Fixed) of every
// run whose first i choices took the path from the root to it.
type node struct {
	parent   *node
	via      int32 // the option the parent took to get here
	choice   engine.Choice
	cost     int             // preemptions on the path to this choice
	children map[int32]*node // by option taken
	queued   []int32         // options to explore, in the order they were added
	taken    map[int32]bool  // options run or running
	// explored maps each option whose run came back to what its first
	// step touched; sleep holds the goroutines whose step from here is
	// known to lead only to orders explored already (sleep sets), with
	// what that step touches.
	explored map[int32][]uint64
	sleep    map[int32][]uint64
	inflight int // runs under way through this node
}

// costOf is the preemptions taking opt at n adds.
func (n *node) costOf(opt int32) int {
	if n.choice.Kind == engine.ChoiceRun && n.choice.Preempt && opt != n.choice.G {
		return 1
	}
	return 0
}

// item is an option of a node still to run; a nil node is the first run.
type item struct {
	n   *node
	opt int32
}

// search is one bound's depth-first search: items are taken last in, first
// out, which is depth-first with one runner and close to it with several.
type search struct {
	bound    int
	naive    bool
	groups   *groups
	budget   int
	progress func(runs int)

	mu      sync.Mutex
	cond    *sync.Cond
	root    *node
	pending []item
	running int
	runs    int
	err     error
}

// stoppedBudget is why a search that spent its share of MaxSchedules stopped.
const stoppedBudget = "max schedules"

func newSearch(bound int, naive bool, g *groups, budget int) *search {
	s := &search{bound: bound, naive: naive, groups: g, budget: budget}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// run searches with the runners in parallel until the tree is exhausted
// (stopped ""), the budget is spent or ctx ends (stopped says which).
func (s *search) run(ctx context.Context, runners []Runner) (stopped string, err error) {
	s.pending = []item{{}}
	var wg sync.WaitGroup
	for _, r := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.worker(ctx, r)
		}()
	}
	wg.Wait()
	switch {
	case s.err != nil:
		return "error", s.err
	case ctx.Err() != nil:
		return stopReason(ctx), nil
	case len(s.pending) > 0:
		return stoppedBudget, nil
	}
	return "", nil
}

func (s *search) worker(ctx context.Context, r Runner) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		for len(s.pending) == 0 && s.running > 0 && s.err == nil && ctx.Err() == nil {
			s.cond.Wait()
		}
		if len(s.pending) == 0 || s.err != nil || ctx.Err() != nil || s.runs >= s.budget {
			s.cond.Broadcast()
			return
		}
		it := s.pending[len(s.pending)-1]
		s.pending = s.pending[:len(s.pending)-1]
		if it.n != nil && it.n.taken[it.opt] {
			continue
		}
		prefix := s.take(it)
		s.running++
		s.runs++
		s.mu.Unlock()
		tr, err := r.Run(ctx, engine.ScheduleSpec{Prefix: prefix})
		s.mu.Lock()
		s.running--
		last := it.n
		switch {
		case err != nil:
			if s.err == nil && ctx.Err() == nil {
				s.err = fmt.Errorf("run schedule %v: %w", prefix, err)
			}
		case tr.Diverged:
			if s.err == nil {
				s.err = fmt.Errorf("run schedule %v: the program made other choices than its previous runs (is it deterministic?)", prefix)
			}
		default:
			last = s.integrate(tr)
			s.groups.add(tr)
			s.progress(s.runs)
		}
		s.release(it, last)
		s.cond.Broadcast()
	}
}

// take marks it as running and returns its prefix of options.
func (s *search) take(it item) []int32 {
	if it.n == nil {
		return nil
	}
	it.n.taken[it.opt] = true
	for n := it.n; n != nil; n = n.parent {
		n.inflight++
	}
	prefix := []int32{it.opt}
	for n := it.n; n.parent != nil; n = n.parent {
		prefix = append(prefix, n.via)
	}
	slices.Reverse(prefix)
	return prefix
}

// release ends it's run, whose last node was last: nodes with nothing left
// to explore under them are dropped, so the tree holds only the frontier.
func (s *search) release(it item, last *node) {
	for n := it.n; n != nil; n = n.parent {
		n.inflight--
	}
	for n := last; n != nil && n.parent != nil; n = n.parent {
		if n.inflight > 0 || len(n.children) > 0 || n.open() {
			return
		}
		delete(n.parent.children, n.via)
	}
}

// open reports whether n has options queued and not yet taken.
func (n *node) open() bool {
	for _, o := range n.queued {
		if !n.taken[o] {
			return true
		}
	}
	return false
}

// enqueue adds opt to n's options to explore if it is one, is new and fits
// the bound.
func (s *search) enqueue(n *node, opt int32) {
	if n == nil || !slices.Contains(n.choice.Options, opt) || slices.Contains(n.queued, opt) {
		return
	}
	if _, asleep := n.sleep[opt]; asleep {
		return
	}
	if n.cost+n.costOf(opt) > s.bound {
		return
	}
	n.queued = append(n.queued, opt)
	if !n.taken[opt] {
		s.pending = append(s.pending, item{n, opt})
	}
}

// integrate adds a finished run to the tree: its choices become nodes, and
// the options it shows must be explored are queued.
// It returns the node of the run's last choice.
func (s *search) integrate(tr *engine.Traced) *node {
	// path[i] is the node of the run's i-th free choice; at[p] the node of
	// point p (nil for a Fixed one).
	at := make([]*node, len(tr.Points))
	var parent *node
	var via int32
	var sleep map[int32][]uint64 // the next node's sleep set, if it is new
	cost := 0
	lastRun := -1 // the latest ChoiceRun point
	for p := range tr.Points {
		pt := &tr.Points[p]
		if pt.Kind == engine.ChoiceRun {
			lastRun = p
		}
		if pt.Fixed {
			continue
		}
		n := s.root
		if parent != nil {
			n = parent.children[via]
		}
		if n == nil {
			n = &node{parent: parent, via: via, choice: pt.Choice, cost: cost, children: map[int32]*node{}, taken: map[int32]bool{},
				explored: map[int32][]uint64{}, sleep: sleep}
			n.queued = []int32{pt.Pick}
			if parent == nil {
				s.root = n
			} else {
				parent.children[via] = n
			}
			if s.naive || pt.Kind == engine.ChoiceCase {
				for _, o := range pt.Options {
					s.enqueue(n, o)
				}
			}
		}
		n.taken[pt.Pick] = true
		at[p] = n
		cost = n.cost + n.costOf(pt.Pick)
		// What ran from this choice to the next: the steps from the one
		// this choice is in.
		next := len(tr.Points)
		for q := p + 1; q < len(tr.Points); q++ {
			if !tr.Points[q].Fixed {
				next = q
				break
			}
		}
		var ran []uint64
		for q := max(lastRun, 0); q < next; q++ {
			if tr.Points[q].Kind == engine.ChoiceRun && q >= lastRun {
				ran = append(ran, tr.Points[q].Touch...)
			}
		}
		sleep = nil
		if !s.naive && n.costOf(pt.Pick) == 0 {
			sleep = n.sleepAfter(pt.Pick, ran)
			if pt.Kind == engine.ChoiceRun {
				if _, ok := n.explored[pt.Pick]; !ok {
					n.explored[pt.Pick] = pt.Touch
				}
			}
		}
		parent, via = n, pt.Pick
	}
	if !s.naive {
		s.reverse(tr, at)
	}
	return parent
}

// sleepAfter is the sleep set after taking pick at n with ran touched until
// the next choice: n's sleeping goroutines and the options explored at n
// before pick, whose steps commute with what ran.
func (n *node) sleepAfter(pick int32, ran []uint64) map[int32][]uint64 {
	var out map[int32][]uint64
	add := func(g int32, touch []uint64) {
		if g == pick || touches(touch, ran) {
			return
		}
		if out == nil {
			out = map[int32][]uint64{}
		}
		out[g] = touch
	}
	for g, t := range n.sleep {
		add(g, t)
	}
	for g, t := range n.explored {
		if n.costOf(g) == 0 {
			add(g, t)
		}
	}
	return out
}

// touches reports whether a and b share a key, or either touched all.
func touches(a, b []uint64) bool {
	all := engine.TouchKey(engine.TouchAll, 0)
	if slices.Contains(a, all) || slices.Contains(b, all) {
		return true
	}
	for _, k := range a {
		if slices.Contains(b, k) {
			return true
		}
	}
	return false
}
