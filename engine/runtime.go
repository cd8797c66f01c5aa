package engine

import (
	"bytes"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"sync"
	"time"
	"unsafe"
)

// Program is what a run executes: the program's main function and the source
// positions its operations refer to.
type Program struct {
	Name  string // for messages, e.g. "worker-pool-deadlock"
	Sites []Site // Sites[p] is the position of Pos p; Sites[0] is "unknown"
	Main  func() // the program's main.main
}

// Config holds the inputs of a run besides the program. The zero Config is a
// random-policy run with seed 0 and default limits.
type Config struct {
	Seed          uint64
	Policy        Policy
	Caps          map[string]int   // channel capacity overrides by knob name, applied at make
	Knobs         map[string]int64 // values of the program's marked constants, by name (see Knob)
	Interventions []Intervention   // sorted by Step
	Limits        Limits
	Internet      *Internet // the simulated internet for HTTPGet (nil: every URL fails as go run fails offline)
	Stdout        io.Writer // if set, receives the program's standard output as it is printed
	Stderr        io.Writer // if set, receives the program's standard error as it is printed

	// Observe, if set, is called with the log every ObserveEvery events
	// while the run goes on, so a caller can stream it. It must not keep the
	// log beyond the call or change it.
	Observe func(*Log)

	// Digest, if set, is called with the engine's state at the first
	// scheduling point at or after every DigestEvery-th step (0 or 1: every
	// step that has one) and when the run ends, for tests that check the
	// page's folding against the engine.
	Digest      func(Digest)
	DigestEvery int

	// Chooser, if set, decides every scheduling point where more than one
	// goroutine could run and every select with more than one ready case, in
	// place of the policy's draw and of run-next and case interventions; its
	// defaults are the go policy's, so it is meant for PolicyGo runs.
	Chooser Chooser

	// Race makes the run behave as a binary built with -race: each data
	// race is reported on standard error when found, and a run that found
	// any ends with "Found N data race(s)" and exit status 66 where it would
	// exit with 0. Races are detected, and kept in the Outcome, either way.
	Race bool
}

// ObserveEvery is how many events pass between calls of Config.Observe:
// often enough for a streaming caller to batch by time as well as by count.
const ObserveEvery = 64

// Limits bound a run. A zero field takes its default.
type Limits struct {
	MaxEvents     int   // default DefaultMaxEvents
	MaxGoroutines int   // live goroutines at once; default DefaultMaxGoroutines
	MaxTime       int64 // virtual nanoseconds; default DefaultMaxTime
	// MaxWall, if set, is the run's wall-clock time, checked where
	// goroutines compute (see Compute): a process that runs one program
	// sets it below its parent's kill, so a runaway run ends as a run, with
	// its output and log, not as a killed process. Zero: no limit.
	MaxWall time.Duration
}

// Default limits. A simulated goroutine is a real one parked in a coroutine:
// measured, about 3.5 KiB each (its 2 KiB stack, 1.3 KiB of heap with its
// share of a log of 40-byte events), so 1.5 million live goroutines take
// about 5 GiB and four such runs, the server's children at once, fit in the
// 24 GiB machine. Go's own benchmarks of 2^20 goroutines fit, and their
// events (7.3 million for 2^20 readers of an RWMutex) fit the event cap.
const (
	DefaultMaxEvents     = 20_000_000 // 800 MB of log
	DefaultMaxGoroutines = 1_500_000
	DefaultMaxTime       = int64(24 * 3600 * 1e9)
)

func (l Limits) withDefaults() Limits {
	if l.MaxEvents <= 0 {
		l.MaxEvents = DefaultMaxEvents
	}
	if l.MaxGoroutines <= 0 {
		l.MaxGoroutines = DefaultMaxGoroutines
	}
	if l.MaxTime <= 0 {
		l.MaxTime = DefaultMaxTime
	}
	return l
}

// Result is what a run produced.
type Result struct {
	Outcome Outcome
	Log     *Log
	Stdout  string
	Stderr  string // what the program printed to standard error, then the report if OnStderr: the stderr of go run's binary
}

// gstate is a goroutine's scheduling state.
type gstate uint8

const (
	gRunnable gstate = iota
	gRunning
	gBlocked
	gDone
)

// g is a simulated goroutine: a coroutine that runs only while it holds the baton.
type g struct {
	id     int32
	state  gstate
	name   string
	parent int32
	goPos  Pos // the go statement
	pos    Pos // the operation it is at

	reason   WaitReason // wait reason while blocked
	waitOn   int32      // object it waits on while blocked
	waitObjs []int32    // every channel a blocked select waits on

	next  func() (struct{}, bool)
	stop  func()
	yield func(struct{}) bool
	fn    func()

	// Set by whoever completes the goroutine's blocking operation.
	closed   bool // woken because the channel was closed
	selIdx   int  // select case that fired
	selWaits []waiter

	sleep timer // reused for Sleep

	recovered []recovery // panics recovered by this goroutine's deferred calls

	reads *readRing // its latest reads of shared variables, for lost updates (memory.go)

	race gclock // what the goroutine knows happened before (race.go)
}

// waiter is a parked select case that can be withdrawn from its channel.
type waiter interface{ cancel() }

// unwind is the panic value that unwinds a goroutine when its run ends.
type unwind struct{}

// goexit is the panic value of Goexit, which runs deferred calls and ends the goroutine.
type goexit struct{}

// runtime is one run in progress.
type runtime struct {
	prog   Program
	cfg    Config
	limits Limits
	rng    *rand.Rand
	epoch  uint64

	gs   []*g
	cur  *g
	runq runQueue
	live int // goroutines not done

	clock   int64
	timers  timerHeap
	timerSq uint64

	log     *Log
	objs    []any                        // objs[id-1] is the engine value behind object id
	ptrObjs map[any]int32                // plain variables touched by sync/atomic functions
	vars    map[unsafe.Pointer]*variable // shared variables and maps, by address (see memory.go)
	named   map[string]int               // how many zero-value objects were named after each expression
	stdout  bytes.Buffer
	stderr  bytes.Buffer

	ivs       []Intervention // run-next and capacity interventions, by step
	caseIvs   []Intervention // select-case interventions, by step
	lastPoint int            // log length at the latest scheduling point the Chooser saw (-1: none yet)
	choice    Choice         // reused for every call of the Chooser
	recSeen   map[int32]int  // recoveries of each goroutine the Chooser was told of

	nextDigest, lastDigest int       // see takeDigest
	digested               int       // events takeDigest has read
	digestPos              []Pos     // digestPos[id-1]: the position of goroutine id's latest event
	waits                  waitRoles // the log's events as waitFor reads them, folded before a chunk is dropped

	ending     bool
	outcome    Outcome
	mainExited bool // main called Goexit

	since    int64  // virtual time at which cur last got the processor: its time slice (compute.go)
	computes uint32 // Compute calls in the run
	stint    uint32 // computes when cur last got the processor

	formatting int       // > 0 while the engine formats a value with the program's own methods (see formatting)
	deadline   time.Time // the end of Limits.MaxWall (zero: none)

	race raceState // the race detector (race.go)
}

var (
	runMu  sync.Mutex
	active *runtime
	epochs uint64
)

// Run executes prog under cfg and returns its log and outcome. Runs in one
// process are serialised: a second call waits for the first to finish. When
// Run returns, none of the run's goroutines remain.
func Run(prog Program, cfg Config) *Result {
	runMu.Lock()
	defer runMu.Unlock()
	epochs++
	rt := &runtime{
		prog:      prog,
		cfg:       cfg,
		limits:    cfg.Limits.withDefaults(),
		rng:       rand.New(rand.NewPCG(cfg.Seed, 0x636f6e6376697a)), // "concviz"
		epoch:     epochs,
		log:       &Log{},
		lastPoint: -1,
	}
	rt.ivs, rt.caseIvs = splitCases(cfg.Interventions, cfg.Chooser != nil)
	if rt.limits.MaxWall > 0 {
		rt.deadline = time.Now().Add(rt.limits.MaxWall)
	}
	if len(rt.prog.Sites) == 0 {
		rt.prog.Sites = []Site{{}}
	}
	active = rt
	defer func() { active = nil }()

	main := rt.newG("main.main", 0, 0, prog.Main)
	rt.runq.pop(rt.cfg.Policy) // main runs first; it is not waiting in the queue
	rt.cur = main
	main.state = gRunning
	for !rt.ending {
		rt.cur.next()
	}
	if rt.cfg.Digest != nil {
		rt.takeDigest(true)
	}
	// Unwind every goroutine still suspended, in creation order, so the
	// process keeps none of them.
	for _, gg := range rt.gs {
		if gg.state != gDone {
			gg.stop()
			gg.state = gDone
		}
	}
	rt.raceEnd()
	res := &Result{Outcome: rt.outcome, Log: rt.log, Stdout: rt.stdout.String()}
	if rt.outcome.Kind.OnStderr() {
		rt.stderr.WriteString(rt.outcome.Report)
		if rt.cfg.Stderr != nil && rt.outcome.Report != "" {
			io.WriteString(rt.cfg.Stderr, rt.outcome.Report)
		}
	}
	res.Stderr = rt.stderr.String()
	return res
}

func (rt *runtime) site(p Pos) Site {
	if p > 0 && int(p) < len(rt.prog.Sites) {
		return rt.prog.Sites[p]
	}
	return Site{}
}

// newG creates a runnable goroutine that will run fn.
func (rt *runtime) newG(name string, parent int32, pos Pos, fn func()) *g {
	gg := &g{id: int32(len(rt.gs) + 1), name: name, parent: parent, goPos: pos, pos: pos, fn: fn}
	gg.sleep.g = gg
	gg.sleep.idx = -1
	gg.next, gg.stop = iter.Pull(func(yield func(struct{}) bool) {
		gg.yield = yield
		defer rt.finish(gg)
		gg.fn()
	})
	rt.gs = append(rt.gs, gg)
	rt.log.Gs = append(rt.log.Gs, Goroutine{ID: gg.id, Name: name, Parent: parent, Pos: pos})
	rt.live++
	rt.makeRunnable(gg, false)
	return gg
}

// finish runs when a goroutine's function returns or panics. It must not
// panic: a panic here would escape the coroutine into Run.
func (rt *runtime) finish(gg *g) {
	r := recover()
	if rt.ending {
		return
	}
	switch r.(type) {
	case nil, goexit:
		if gg.id == 1 && r == nil {
			rt.record(Event{Kind: KindGoEnd, G: gg.id, Pos: gg.pos})
			rt.endMainReturned()
			return
		}
		rt.record(Event{Kind: KindGoEnd, G: gg.id, Pos: gg.pos})
		gg.state = gDone
		rt.live--
		if gg.id == 1 {
			rt.mainExited = true
		}
		if rt.ending { // the event cap may have been hit
			return
		}
		rt.switchAway(gg)
	case unwind:
		// The run ended while this goroutine ran; Run unwinds the rest.
	default:
		rt.panicked(gg, r)
	}
}

// enter starts an operation at pos: it returns the active run and its running
// goroutine, after the scheduling point every operation is, and unwinds the
// caller if the run has ended (a deferred call running during unwinding).
func enter(pos Pos) (*runtime, *g) {
	rt := active
	if rt == nil || rt.ending {
		panic(unwind{})
	}
	if rt.cfg.Digest != nil {
		rt.takeDigest(false)
	}
	gg := rt.cur
	if pos != 0 {
		gg.pos = pos
	}
	rt.preempt(gg)
	return rt, gg
}

// record appends an event stamped with the current virtual time. Reaching
// the event cap ends the run.
func (rt *runtime) record(e Event) {
	e.Time = rt.clock
	rt.log.append(e)
	if rt.cfg.Observe != nil && rt.log.n%ObserveEvery == 0 {
		rt.cfg.Observe(rt.log)
		rt.dropSent()
	}
	if rt.log.n >= rt.limits.MaxEvents && !rt.ending {
		rt.endLimit(fmt.Sprintf("event cap reached: %d events", rt.limits.MaxEvents))
	}
}

// dropSent drops the log's chunks that its observer has sent (Log.forget),
// once waitFor's roles have them and, if the run takes digests, takeDigest
// has read them.
func (rt *runtime) dropSent() {
	upto := rt.log.n
	if rt.cfg.Digest != nil {
		upto = rt.digested
	}
	for rt.log.droppable(upto) {
		rt.waits.foldTo(rt.log, (rt.log.dropped+1)*chunkSize)
		rt.log.drop()
	}
}

// recordVal records e with v encoded as its value, without allocating for
// scalars and strings.
func recordVal[T any](rt *runtime, e Event, v T) {
	e.VK, e.Val = encode(rt.log, v)
	rt.record(e)
}

// park records e, the event after which gg waits, stamped with the reason
// it waits, and blocks gg: the event and the goroutine's state say the same.
func (rt *runtime) park(gg *g, e Event, reason WaitReason, obj int32) {
	e.Reason = reason
	rt.record(e)
	rt.block(gg, reason, obj)
}

// block parks the running goroutine gg until another goroutine or a timer
// makes it runnable. It returns when gg holds the baton again.
func (rt *runtime) block(gg *g, reason WaitReason, obj int32) {
	gg.state = gBlocked
	gg.reason = reason
	gg.waitOn = obj
	if rt.ending {
		panic(unwind{})
	}
	rt.switchAway(gg)
	if rt.ending {
		panic(unwind{})
	}
}

// ready makes a blocked goroutine runnable. Who released it is in the event
// that records the release.
func (rt *runtime) ready(gg *g) {
	gg.reason = WaitNone
	gg.waitOn = 0
	rt.makeRunnable(gg, true)
}

func (rt *runtime) makeRunnable(gg *g, woken bool) {
	gg.state = gRunnable
	if rt.cfg.Policy == PolicyGo {
		// As Go's runnext: the goroutine just readied or started runs next,
		// bumping the previous one to the tail of the queue.
		if rt.runq.runnext != nil {
			rt.runq.push(rt.runq.runnext)
		}
		rt.runq.runnext = gg
		return
	}
	rt.runq.push(gg)
}

// switchAway hands the baton from gg (blocked, done, or runnable and already
// queued) to the next goroutine, advancing virtual time when nothing is
// runnable. It returns when gg runs again, or at once if gg is done or the run
// ends.
func (rt *runtime) switchAway(gg *g) {
	for rt.runq.len() == 0 {
		if rt.timers.Len() == 0 {
			rt.endStuck()
			break
		}
		rt.fireTimers()
		if rt.ending {
			break
		}
	}
	if rt.ending {
		if gg.state == gDone {
			return
		}
		panic(unwind{})
	}
	next := rt.pickNext()
	next.state = gRunning
	rt.cur = next
	rt.newStint()
	if next == gg {
		return
	}
	if gg.state == gDone {
		return // the coroutine returns; Run resumes rt.cur
	}
	if !gg.yield(struct{}{}) {
		panic(unwind{})
	}
}

// pickNext takes the goroutine to run next from the run queue (non-empty),
// honouring a due "run goroutine G next" intervention or the Chooser.
func (rt *runtime) pickNext() *g {
	if gg := rt.forcedNext(); gg != nil {
		return gg
	}
	if rt.cfg.Chooser != nil {
		if gg := rt.chooseRun(rt.cur, false); gg != nil {
			return gg
		}
	}
	return rt.pickPolicy()
}

// pickPolicy takes the goroutine the policy runs next from the run queue
// (non-empty), with no intervention or Chooser: a preemption at a time
// slice's end (Compute) is deterministic, not a choice.
func (rt *runtime) pickPolicy() *g {
	q := &rt.runq
	switch rt.cfg.Policy {
	case PolicyRandom:
		return q.take(rt.rng.IntN(q.len()))
	case PolicyGo:
		if q.runnext != nil {
			gg := q.runnext
			q.runnext = nil
			return gg
		}
	}
	return q.pop(rt.cfg.Policy)
}

// preempt is the scheduling point at the start of every operation: under the
// random policy the running goroutine may be switched for any runnable one,
// under fifo it goes to the back of the queue, and a Chooser may switch it.
func (rt *runtime) preempt(gg *g) {
	rt.applyDue()
	if rt.ending {
		panic(unwind{})
	}
	n := rt.runq.len()
	if n == 0 {
		return
	}
	if fg := rt.forcedNext(); fg != nil {
		rt.handOff(gg, fg)
		return
	}
	if rt.cfg.Chooser != nil {
		if next := rt.chooseRun(gg, true); next != nil {
			rt.handOff(gg, next)
		}
		return
	}
	switch rt.cfg.Policy {
	case PolicyRandom:
		i := rt.rng.IntN(n + 1)
		if i == n {
			return // keep running
		}
		next := rt.runq.swap(i, gg)
		gg.state = gRunnable
		rt.handOff(gg, next)
	case PolicyFIFO:
		next := rt.runq.pop(PolicyFIFO)
		gg.state = gRunnable
		rt.runq.push(gg)
		rt.handOff(gg, next)
	}
}

// handOff switches from runnable gg (already queued) to next.
func (rt *runtime) handOff(gg, next *g) {
	next.state = gRunning
	rt.cur = next
	rt.newStint()
	if !gg.yield(struct{}{}) || rt.ending {
		panic(unwind{})
	}
}

// forcedNext returns the goroutine a due "run next" intervention names, taken
// out of the run queue with gg (the running one) requeued in its place, or nil.
func (rt *runtime) forcedNext() *g {
	if len(rt.ivs) == 0 || rt.ivs[0].Kind != RunNext || int64(rt.log.n) < rt.ivs[0].Step {
		return nil
	}
	iv := rt.ivs[0]
	rt.ivs = rt.ivs[1:]
	// The named goroutine may not be runnable here (it may be the running
	// one): then the intervention has nothing to change.
	return rt.runNext(iv.G)
}

// runNext takes goroutine id out of the run queue, with the running one
// requeued where the policy would put a preempted one, and records the
// choice; it returns nil if id is not in the queue. Interventions and the
// Chooser both switch through it, so a chosen schedule replays as
// interventions event for event.
func (rt *runtime) runNext(id int32) *g {
	q := &rt.runq
	var cand *g
	fromRunnext := false
	for i := 0; i < q.n; i++ {
		if q.at(i).id == id {
			cand = q.at(i)
			q.remove(i)
			break
		}
	}
	if cand == nil && q.runnext != nil && q.runnext.id == id {
		cand, fromRunnext = q.runnext, true
		q.runnext = nil
	}
	if cand == nil {
		return nil
	}
	rt.record(Event{Kind: KindSchedule, G: cand.id, Pos: cand.pos})
	if rt.cur != nil && rt.cur.state == gRunning {
		rt.cur.state = gRunnable
		if rt.cfg.Policy == PolicyGo && q.runnext == nil && !fromRunnext {
			q.runnext = rt.cur
		} else {
			q.push(rt.cur)
		}
	}
	return cand
}

// applyDue applies capacity interventions whose step has come.
func (rt *runtime) applyDue() {
	for len(rt.ivs) > 0 && rt.ivs[0].Kind == SetCap && int64(rt.log.n) >= rt.ivs[0].Step {
		iv := rt.ivs[0]
		rt.ivs = rt.ivs[1:]
		if c := rt.chanByID(iv.Obj); c != nil && iv.Cap >= 0 {
			c.resize(rt, iv.Cap)
		}
	}
}
