package engine

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
)

// ScheduleSpec says how a run driven by [RunSchedule] makes its choices:
// Prefix[i] is the option (a goroutine id, or a select's case index) taken at
// the i-th choice that is not Fixed; after the prefix, the go policy's
// default, or PCT's priorities when PCT is set.
type ScheduleSpec struct {
	Prefix []int32  `json:"prefix,omitempty"`
	PCT    *PCTSpec `json:"pct,omitempty"`
}

// PCTSpec is one run of probabilistic concurrency testing (Burckhardt et al.,
// ASPLOS 2010): goroutines get random distinct priorities, the highest
// runnable one runs, and at Depth-1 points drawn among the first Steps the
// running goroutine drops below all others. A bug of depth Depth shows with
// probability at least 1/(n·Steps^(Depth-1)) per run for n goroutines.
type PCTSpec struct {
	Seed  uint64 `json:"seed"`
	Depth int    `json:"depth"`
	Steps int    `json:"steps"`
}

// Point is a choice of a traced run: the choice, the option taken, and for a
// ChoiceRun what the goroutine that ran next touched until the next
// ChoiceRun, as keys (see TouchKey): two steps that touch no key in common
// commute.
type Point struct {
	Choice
	Pick  int32    `json:"pick"`
	Touch []uint64 `json:"touch,omitempty"`
}

// Traced is the record of a run made by [RunSchedule].
type Traced struct {
	Points  []Point       `json:"points"`
	Outcome OutcomeRecord `json:"outcome"`
	Report  string        `json:"report,omitempty"` // Go's report on stderr: where each goroutine is stuck
	Stdout  string        `json:"stdout"`
	// Diverged is set when a Prefix option was not among a choice's options:
	// the prefix came from another program or inputs.
	Diverged bool `json:"diverged,omitempty"`
}

// Keys a step touches besides its objects (see TouchKey).
const (
	TouchObject    = 1 // a synchronisation object, by id
	TouchGoroutine = 2 // a goroutine, by id: its start, wake-up or own steps
	TouchOutput    = 3 // standard output and error (id 0)
	TouchClock     = 4 // the virtual clock and the timer queue (id 0)
	// TouchAll marks a step that touched something no event names (a
	// panic, recovered or not, from an operation that failed, or os.Exit):
	// it depends on every step.
	TouchAll = 5
)

// TouchKey is the key of what a step touches: a class above and an id.
func TouchKey(class uint8, id int32) uint64 { return uint64(class)<<32 | uint64(uint32(id)) }

// RunSchedule runs prog under cfg (its policy made go's) with the choices
// spec makes, and returns the run's choice points and outcome.
func RunSchedule(prog Program, cfg Config, spec ScheduleSpec) *Traced {
	ch := &scheduleChooser{prefix: spec.Prefix}
	if spec.PCT != nil {
		ch.pct = newPCT(*spec.PCT)
	}
	cfg.Policy, cfg.Chooser = PolicyGo, ch
	res := Run(prog, cfg)
	touches(res.Log, ch.points)
	tr := &Traced{Points: ch.points, Outcome: res.Record(prog.Sites), Stdout: res.Stdout, Diverged: ch.diverged}
	if res.Outcome.Kind != OutcomeOK {
		tr.Report = res.Outcome.Report
	}
	return tr
}

// scheduleChooser follows a prefix of choices, then the default or PCT, and
// records every choice.
type scheduleChooser struct {
	prefix   []int32
	next     int
	pct      *pct
	points   []Point
	diverged bool
}

func (s *scheduleChooser) Choose(c *Choice) int {
	k := 0
	switch {
	case c.Fixed:
	case s.next < len(s.prefix):
		want := s.prefix[s.next]
		s.next++
		if k = slices.Index(c.Options, want); k < 0 {
			s.diverged, k = true, 0
		}
	case s.pct != nil:
		k = s.pct.choose(c)
	}
	p := Point{Choice: *c, Pick: c.Options[k]}
	p.Options = slices.Clone(c.Options)
	s.points = append(s.points, p)
	return k
}

// touches fills in what each ChoiceRun point's step touched, from the
// events logged between it and the next.
func touches(l *Log, points []Point) {
	var runs []int
	for i := range points {
		if points[i].Kind == ChoiceRun {
			runs = append(runs, i)
		}
	}
	for j, i := range runs {
		from, to := int(points[i].Step), l.Len()
		if j+1 < len(runs) {
			to = int(points[runs[j+1]].Step)
		}
		g := points[i].Pick
		keys := []uint64{TouchKey(TouchGoroutine, g)}
		prevTime := int64(-1)
		if from > 0 && from <= l.Len() {
			prevTime = l.At(from - 1).Time
		}
		if j+1 < len(runs) && points[runs[j+1]].Recovered {
			keys = append(keys, TouchKey(TouchAll, 0))
		}
		for k := from; k < to; k++ {
			e := l.At(k)
			keys = appendTouch(keys, l, e, g)
			if prevTime >= 0 && e.Time != prevTime {
				keys = append(keys, TouchKey(TouchClock, 0))
			}
			prevTime = e.Time
		}
		slices.Sort(keys)
		points[i].Touch = slices.Compact(keys)
	}
}

// appendTouch adds what event e, logged while goroutine g ran, touches.
func appendTouch(keys []uint64, l *Log, e Event, g int32) []uint64 {
	if e.Obj != 0 {
		keys = append(keys, TouchKey(TouchObject, e.Obj))
		if int(e.Obj) <= len(l.Objects) {
			switch l.Objects[e.Obj-1].Kind {
			case ObjTimer, ObjTicker, ObjContext:
				keys = append(keys, TouchKey(TouchClock, 0))
			}
		}
	}
	if e.G != 0 && e.G != g {
		keys = append(keys, TouchKey(TouchGoroutine, e.G))
	}
	switch e.Kind {
	case KindGo:
		keys = append(keys, TouchKey(TouchGoroutine, e.Peer))
	case KindPrint:
		keys = append(keys, TouchKey(TouchOutput, 0))
	case KindPanic, KindExit:
		keys = append(keys, TouchKey(TouchAll, 0))
	case KindSleep, KindWake, KindTimerFire, KindTimerStop, KindTimerReset, KindHTTP, KindHTTPDone:
		keys = append(keys, TouchKey(TouchClock, 0))
	}
	return keys
}

// pct is the state of one PCT run.
type pct struct {
	rng     *rand.Rand
	prio    map[int32]int
	changes []int // run choices after which the running goroutine drops, ascending
	seen    int   // run choices so far
	low     int   // the next dropped priority (below every initial one)
}

func newPCT(s PCTSpec) *pct {
	p := &pct{rng: rand.New(rand.NewPCG(s.Seed, 0x706374)), prio: map[int32]int{}}
	for i := 1; i < s.Depth; i++ {
		p.changes = append(p.changes, 1+p.rng.IntN(max(1, s.Steps)))
	}
	slices.Sort(p.changes)
	p.low = -len(p.changes)
	return p
}

func (p *pct) priority(g int32) int {
	pr, ok := p.prio[g]
	if !ok {
		// Distinct with probability ~1; ties go to the earlier option.
		pr = 1 + p.rng.IntN(1<<30)
		p.prio[g] = pr
	}
	return pr
}

func (p *pct) choose(c *Choice) int {
	if c.Kind == ChoiceCase {
		return p.rng.IntN(len(c.Options))
	}
	p.seen++
	for len(p.changes) > 0 && p.changes[0] <= p.seen {
		p.changes = p.changes[1:]
		if c.G != 0 {
			p.prio[c.G] = p.low
			p.low++
		}
	}
	best := 0
	for i, g := range c.Options {
		if p.priority(g) > p.priority(c.Options[best]) {
			best = i
		}
	}
	return best
}

// ServeSchedules runs prog once for each ScheduleSpec read from r, writing
// each run's Traced to w, until r ends: the loop of an explorer's child
// process, which keeps one process busy with many runs. Both streams are
// encoding/gob, which costs a fraction of JSON's time for traces of
// thousands of points.
func ServeSchedules(prog Program, cfg Config, r io.Reader, w io.Writer) error {
	dec := gob.NewDecoder(bufio.NewReader(r))
	bw := bufio.NewWriter(w)
	enc := gob.NewEncoder(bw)
	for {
		var spec ScheduleSpec
		if err := dec.Decode(&spec); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("read schedule: %w", err)
		}
		if err := enc.Encode(RunSchedule(prog, cfg, spec)); err != nil {
			return fmt.Errorf("write run: %w", err)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("write run: %w", err)
		}
	}
}

// Interventions returns the interventions that replay the traced run in a
// go-policy run with the same inputs and no Chooser: one for each choice that
// was not the default, and one for every select choice (a case intervention
// also spares the run's seeded source a draw, so the program's own random
// numbers stay the same).
func (t *Traced) Interventions() []InterventionSpec {
	var ivs []InterventionSpec
	for _, p := range t.Points {
		switch {
		case p.Fixed:
		case p.Kind == ChoiceCase:
			k := int(p.Pick)
			ivs = append(ivs, InterventionSpec{Step: p.Step, Case: &k})
		case p.Pick != p.Options[0]:
			ivs = append(ivs, InterventionSpec{Step: p.Step, Run: p.Pick})
		}
	}
	return ivs
}

// Preemptions counts the traced run's forced switches: choices where the
// running goroutine could have gone on and another ran.
func (t *Traced) Preemptions() int {
	n := 0
	for _, p := range t.Points {
		if p.Kind == ChoiceRun && p.Preempt && p.Pick != p.G {
			n++
		}
	}
	return n
}
