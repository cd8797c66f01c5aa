package explore

import (
	"slices"

	"github.com/concviz/concviz/engine"
)

// step is what one goroutine did between two scheduling choices of a run.
type step struct {
	g     int32
	touch []uint64
	node  *node // the free choice at or before it where another goroutine could run instead
	start int   // the first step of the stretch the goroutine ran without a switch
}

// steps returns the run's steps: one per ChoiceRun point.
func steps(tr *engine.Traced, at []*node) []step {
	var out []step
	var last *node
	for p := range tr.Points {
		pt := &tr.Points[p]
		if pt.Kind != engine.ChoiceRun {
			continue
		}
		if at[p] != nil {
			last = at[p]
		}
		st := step{g: pt.Pick, touch: pt.Touch, node: last, start: len(out)}
		if len(out) > 0 && out[len(out)-1].g == st.g {
			st.start = out[len(out)-1].start
		}
		out = append(out, st)
	}
	return out
}

// ends reports whether a run that ended with k stopped goroutines that could
// still run: main returning, a panic, os.Exit and a limit end them all.
func ends(k engine.OutcomeKind) bool { return k != engine.OutcomeDeadlock }

// reverse finds the races of a run (two dependent steps of different
// goroutines with no step ordered between them) and queues, for each, a
// goroutine that starts the reversed order at the point before the first
// step: source-set DPOR's rule, plus the bounded-POR point where the first
// step's goroutine was switched in.
func (s *search) reverse(tr *engine.Traced, at []*node) {
	st := steps(tr, at)
	if len(st) == 0 {
		return
	}
	if ends(tr.Outcome.Outcome) {
		// The last step ended every goroutine that could still run: each
		// of them races with it.
		if n := st[len(st)-1].node; n != nil {
			for _, o := range n.choice.Options {
				s.enqueue(n, o)
			}
		}
	}
	// Goroutines as dense indices for vector clocks.
	idx := map[int32]int{}
	for _, x := range st {
		if _, ok := idx[x.g]; !ok {
			idx[x.g] = len(idx)
		}
	}
	ng := len(idx)
	// vc[j][idx[g]] is 1 + the last step of g that happens before step j
	// (j included), 0 for none.
	vc := make([][]int32, len(st))
	byKey := map[uint64][]int{}
	var preds []int
	covered := make([]int32, ng)
	all := engine.TouchKey(engine.TouchAll, 0)
	var globals []int // steps that depend on every step
	for j := range st {
		preds = preds[:0]
		if slices.Contains(st[j].touch, all) {
			for i := range j {
				preds = append(preds, i)
			}
		} else {
			for _, k := range st[j].touch {
				preds = append(preds, byKey[k]...)
			}
			preds = append(preds, globals...)
		}
		slices.Sort(preds)
		preds = slices.Compact(preds)
		gj := idx[st[j].g]
		v := make([]int32, ng)
		for _, i := range preds {
			join(v, vc[i])
		}
		v[gj] = int32(j) + 1
		vc[j] = v
		clear(covered)
		for q := len(preds) - 1; q >= 0; q-- {
			i := preds[q]
			gi := idx[st[i].g]
			if gi != gj && covered[gi] <= int32(i) {
				s.race(st, vc, idx, i, j)
			}
			join(covered, vc[i])
		}
		for _, k := range st[j].touch {
			byKey[k] = append(byKey[k], j)
		}
		if slices.Contains(st[j].touch, all) {
			globals = append(globals, j)
		}
	}
}

func join(dst, src []int32) {
	for i, x := range src {
		dst[i] = max(dst[i], x)
	}
}

// race queues the reversal of racing steps i < j: at the point before i,
// one goroutine that can start the sequence of the steps after i that do not
// depend on i, followed by j, unless one already is queued there.
func (s *search) race(st []step, vc [][]int32, idx map[int32]int, i, j int) {
	n := st[i].node
	if n == nil {
		return
	}
	gi := idx[st[i].g]
	// The initials of v = notdep(i).j: steps of v with no step of v before
	// them in happens-before order.
	var initials []int32
	first := map[int]int{} // goroutine index -> its first step in v
	consider := func(k int) {
		gk := idx[st[k].g]
		for g, f := range first {
			if vc[k][g] > int32(f) {
				if _, seen := first[gk]; !seen {
					first[gk] = k
				}
				return
			}
		}
		if _, seen := first[gk]; !seen {
			first[gk] = k
		}
		if !slices.Contains(initials, st[k].g) {
			initials = append(initials, st[k].g)
		}
	}
	for k := i + 1; k < j; k++ {
		if vc[k][gi] > int32(i) { // i happens before k
			continue
		}
		consider(k)
	}
	consider(j)
	for _, g := range initials {
		_, asleep := n.sleep[g]
		if asleep || slices.Contains(n.queued, g) {
			s.conservative(st, i, g)
			return
		}
	}
	pick := initials[0]
	if slices.Contains(initials, st[j].g) {
		pick = st[j].g
	}
	if !slices.Contains(n.choice.Options, pick) {
		// Not runnable there: the trace misses a dependency; fall back to
		// every option, as classic DPOR does.
		for _, o := range n.choice.Options {
			s.enqueue(n, o)
		}
		return
	}
	s.enqueue(n, pick)
	s.conservative(st, i, pick)
}

// conservative queues g where step i's goroutine was switched in, so a
// reversal the bound cuts at i is still tried where it costs no more.
func (s *search) conservative(st []step, i int, g int32) {
	if n := st[st[i].start].node; n != nil && n != st[i].node {
		s.enqueue(n, g)
	}
}
