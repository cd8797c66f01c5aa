package engine

import "fmt"

// Policy chooses which runnable goroutine runs at each scheduling point.
// Every operation starts with one, a read or write of a shared variable
// included (and a map write spans a second, see MapWrite), so the policy
// decides how often an update like x++ is split by another goroutine. Under
// every policy, Compute also preempts a goroutine that has computed for a
// TimeSlice without blocking, as Go does; that is no choice of the policy's.
type Policy uint8

// Scheduling policies.
const (
	// PolicyRandom switches, at every operation, to a goroutine drawn
	// uniformly from the runnable ones (the running one included), using the
	// run's seeded source. It explores interleavings; it is the default. At a
	// shared-memory access it may switch like at any operation, so x++ in
	// several goroutines loses updates at some seeds.
	PolicyRandom Policy = iota
	// PolicyGo keeps the running goroutine until it blocks, then runs the
	// goroutine it last readied or started, else the oldest runnable one, as
	// Go's scheduler roughly does with GOMAXPROCS=1. At a shared-memory
	// access it never switches (only an intervention or a Chooser does), as
	// on one CPU, where the running goroutine keeps the processor until it
	// blocks or its time slice ends: racy updates seldom lose anything, as
	// under go run on a quiet machine.
	PolicyGo
	// PolicyFIFO rotates: at every operation the running goroutine goes to the
	// back of the queue and the one at the front runs, a shared-memory access
	// included, so goroutines doing x++ side by side interleave their reads
	// and writes and lose updates.
	PolicyFIFO
)

var policyNames = [...]string{PolicyRandom: "random", PolicyGo: "go", PolicyFIFO: "fifo"}

// String returns the policy's name as flags and URLs spell it.
func (p Policy) String() string {
	if int(p) < len(policyNames) {
		return policyNames[p]
	}
	return fmt.Sprintf("policy(%d)", p)
}

// ParsePolicy returns the policy named s ("random", "go" or "fifo").
func ParsePolicy(s string) (Policy, error) {
	for p, n := range policyNames {
		if n == s {
			return Policy(p), nil
		}
	}
	return 0, fmt.Errorf("unknown policy %q (want random, go or fifo)", s)
}

// InterventionKind says what an [Intervention] does.
type InterventionKind uint8

// Intervention kinds.
const (
	RunNext    InterventionKind = iota + 1 // run goroutine G at the next scheduling point
	SetCap                                 // set the capacity of channel Obj to Cap
	SelectCase                             // the next select takes case Case if it is ready
)

// Intervention is a change a user makes to a run at a step: the run is
// identical to the run without it up to that step. It applies at the first
// scheduling point at which the log holds at least Step events (a
// SelectCase: at the first select evaluated then); a RunNext naming a
// goroutine that is not runnable there, or a SelectCase naming a case that
// is not ready, changes nothing.
type Intervention struct {
	Step int64
	Kind InterventionKind
	G    int32 // RunNext: the goroutine to run
	Obj  int32 // SetCap: the channel
	Cap  int   // SetCap: its new capacity
	Case int   // SelectCase: the case's index in source order, from 0
}

// runQueue holds the runnable goroutines: a ring in FIFO order, plus Go's
// runnext slot for PolicyGo. The random policy ignores the order and takes
// any element in O(1).
type runQueue struct {
	ring    []*g
	head, n int
	runnext *g
}

func (q *runQueue) len() int {
	if q.runnext != nil {
		return q.n + 1
	}
	return q.n
}

func (q *runQueue) at(i int) *g { return q.ring[(q.head+i)%len(q.ring)] }

func (q *runQueue) push(gg *g) {
	if q.n == len(q.ring) {
		grown := make([]*g, max(16, 2*len(q.ring)))
		for i := 0; i < q.n; i++ {
			grown[i] = q.at(i)
		}
		q.ring, q.head = grown, 0
	}
	q.ring[(q.head+q.n)%len(q.ring)] = gg
	q.n++
}

// pop removes the front goroutine (runnext first under PolicyGo).
func (q *runQueue) pop(p Policy) *g {
	if p == PolicyGo && q.runnext != nil {
		gg := q.runnext
		q.runnext = nil
		return gg
	}
	gg := q.ring[q.head]
	q.ring[q.head] = nil
	q.head = (q.head + 1) % len(q.ring)
	q.n--
	return gg
}

// take removes element i in O(1) by moving the front element into its
// place: only the random policy, which ignores order, uses it.
func (q *runQueue) take(i int) *g {
	gg := q.at(i)
	q.ring[(q.head+i)%len(q.ring)] = q.ring[q.head]
	q.pop(PolicyRandom)
	return gg
}

// swap returns element i and puts gg in its place (random policy).
func (q *runQueue) swap(i int, gg *g) *g {
	j := (q.head + i) % len(q.ring)
	out := q.ring[j]
	q.ring[j] = gg
	return out
}

// remove deletes element i keeping the order of the rest.
func (q *runQueue) remove(i int) {
	for ; i < q.n-1; i++ {
		q.ring[(q.head+i)%len(q.ring)] = q.at(i + 1)
	}
	q.ring[(q.head+q.n-1)%len(q.ring)] = nil
	q.n--
}
