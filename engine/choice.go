package engine

// ChoiceKind says what a [Choice] decides.
type ChoiceKind uint8

// Choice kinds.
const (
	ChoiceRun  ChoiceKind = iota + 1 // which goroutine runs next
	ChoiceCase                       // which ready case a select takes
)

// Choice is a scheduling point of a run driven by a [Chooser]: a point where
// another goroutine than the running one could run next, or a select with
// more than one ready case. Choosing Options[0] is what the go policy does
// (keep running; at a block, the goroutine last readied, else the oldest
// runnable one), so a schedule is the list of points where another option
// was taken, and each of those is one intervention (see Intervention).
type Choice struct {
	Step int64      `json:"step"` // events in the log: the step of the intervention that makes this choice
	Kind ChoiceKind `json:"kind"`
	G    int32      `json:"g"` // the goroutine that ran up to here (ChoiceCase: the one selecting)
	// Options are goroutine ids (ChoiceRun) or case indices in source order
	// (ChoiceCase), the default first.
	Options []int32 `json:"options"`
	// Preempt is set when G could go on running: taking another option is a
	// forced switch, what a preemption bound counts.
	Preempt bool `json:"preempt,omitempty"`
	// Fixed is set when no intervention could make another choice here (a
	// single option, or a second scheduling point at the same step): the
	// chooser is told only so it sees every switch, and must take Options[0].
	Fixed bool `json:"fixed,omitempty"`
	// Recovered is set when G recovered a panic since its last choice: a
	// failed operation records no event, so what it touched is unknown.
	Recovered bool `json:"recovered,omitempty"`
}

// Chooser decides a run's choices (see Config.Chooser). Choose returns an
// index into c.Options; c and its slices are reused after it returns.
type Chooser interface {
	Choose(c *Choice) int
}

// chooseRun asks the Chooser which goroutine runs at a scheduling point
// (preempt: cur is running and may go on) and returns it switched in as an
// intervention would, or nil for the policy's default.
func (rt *runtime) chooseRun(cur *g, preempt bool) *g {
	c := &rt.choice
	n := rt.log.n
	*c = Choice{Step: int64(n), Kind: ChoiceRun, Preempt: preempt, Options: c.Options[:0], Fixed: n == rt.lastPoint}
	rt.lastPoint = n
	if cur != nil {
		c.G = cur.id
		if n := len(cur.recovered); n > rt.recSeen[cur.id] {
			if rt.recSeen == nil {
				rt.recSeen = map[int32]int{}
			}
			rt.recSeen[cur.id], c.Recovered = n, true
		}
	}
	if preempt {
		c.Options = append(c.Options, cur.id)
	}
	q := &rt.runq
	if q.runnext != nil {
		c.Options = append(c.Options, q.runnext.id)
	}
	for i := 0; i < q.n; i++ {
		c.Options = append(c.Options, q.at(i).id)
	}
	if len(c.Options) < 2 {
		c.Fixed = true
	}
	k := rt.cfg.Chooser.Choose(c)
	if c.Fixed || k <= 0 || k >= len(c.Options) {
		return nil
	}
	return rt.runNext(c.Options[k])
}

// chooseCase returns the index of the case a select with ready > 1 ready
// cases takes: the Chooser's, a due SelectCase intervention's (iv, when ok),
// or one drawn uniformly with the run's seeded source.
func (rt *runtime) chooseCase(gg *g, cases []Case, ready int, iv Intervention, ok bool) int {
	if rt.cfg.Chooser != nil {
		c := &rt.choice
		*c = Choice{Step: int64(rt.log.n), Kind: ChoiceCase, G: gg.id, Options: c.Options[:0]}
		for i, cs := range cases {
			if cs.ready() {
				c.Options = append(c.Options, int32(i))
			}
		}
		k := rt.cfg.Chooser.Choose(c)
		if k < 0 || k >= len(c.Options) {
			k = 0
		}
		return int(c.Options[k])
	}
	if ok && iv.Case >= 0 && iv.Case < len(cases) && cases[iv.Case].ready() {
		return iv.Case
	}
	k := rt.rng.IntN(ready)
	for i, cs := range cases {
		if cs.ready() {
			if k == 0 {
				return i
			}
			k--
		}
	}
	return -1 // unreachable: ready cases were counted
}

// dueCase takes the first SelectCase intervention whose step has come: every
// select evaluated consumes one, so it applies to the first at its step.
func (rt *runtime) dueCase() (Intervention, bool) {
	if len(rt.caseIvs) == 0 || int64(rt.log.n) < rt.caseIvs[0].Step {
		return Intervention{}, false
	}
	iv := rt.caseIvs[0]
	rt.caseIvs = rt.caseIvs[1:]
	return iv, true
}

// splitCases separates select-case interventions from the others, each
// list keeping its order: they apply at different points, so one kind
// never waits behind the other. A Chooser replaces both choice kinds, so
// with one only the capacity changes remain.
func splitCases(ivs []Intervention, chooser bool) (rest, cases []Intervention) {
	for _, iv := range ivs {
		switch {
		case chooser && iv.Kind != SetCap:
		case iv.Kind == SelectCase:
			cases = append(cases, iv)
		default:
			rest = append(rest, iv)
		}
	}
	return rest, cases
}
