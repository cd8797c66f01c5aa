package engine

import (
	"fmt"
	goruntime "runtime"
	"strings"
	"unsafe"
)

// The happens-before race detector: vector clocks (vclock.go) over the edges
// of the Go memory model (go.dev/ref/mem), with the last write and the
// unordered reads of each shared variable kept as epochs (FastTrack,
// Flanagan & Freund, PLDI 2009). Every run detects races; Config.Race only
// decides whether they are reported as a binary built with -race reports
// them (stderr, "Found N data race(s)", exit status 66).
//
// The edges, each where the engine performs the operation:
//   - go statement: the goroutine starts knowing what its creator knew.
//   - channels, as Go's runtime annotates them: an unbuffered hand-off joins
//     sender and receiver both ways through the channel's clock (so a send
//     happens before the receive completes and the receive before the send
//     completes); a buffered channel has one clock per slot, which a send
//     and a receive both acquire and then store their clock in (Go's
//     racereleaseacquire), so send k happens before receive k and receive k
//     before send k+C. The slots are a queue: the free ones, oldest receive
//     first, and the full ones, oldest send first. An intervention that
//     grows the capacity adds fresh slots, carrying no edge, at the head of
//     the free queue; one that shrinks it drops the oldest free slots, so
//     the k-th receive still comes before the (k+C)-th send for the
//     capacity C in force. A close happens before every receive (or woken
//     send) that returns because the channel is closed.
//   - Mutex: Unlock before the next Lock. RWMutex as package sync annotates
//     it: Unlock before the next Lock and RLock, RUnlock before the next Lock.
//   - WaitGroup: every Done (a negative Add) before the Wait that sees zero.
//   - Once: f's return before every Do returns.
//   - Cond: Signal or Broadcast before the Wait it wakes returns.
//   - atomics: every operation acquires the variable's clock, every write
//     or read-modify-write (a CompareAndSwap that swapped) releases into it.
//     An atomic and a plain access to one address that are not ordered
//     race, whichever came first (atomics never race with atomics).
//   - context: cancellation (the close of Done) before a receive from Done
//     returns and before Err returns non-nil.
//   - timers: NewTimer, Reset and AfterFunc release into the timer; its
//     firing acquires that, so setting a timer happens before its tick is
//     received and before AfterFunc's f runs, as Go's runtime annotates.
//   - output: one write to a stream before the next (racePrint).
//
// Besides shared variables, objects are memory where Go annotates them so:
// a channel's send reads it and its close writes it, a WaitGroup's first
// Add from zero reads its semaphore and the first Wait that blocks writes
// it (raceMem), and a Mutex's Lock and Unlock are atomic operations on its
// state (raceWord). So a send and a close, an Add and a Wait, or a plain
// overwrite of a mutex and its use, that are not ordered race. The race
// event of such an access is recorded right after the access's event,
// except a send's and a blocking Wait's, found as the operation starts,
// whose race event comes right before the operation's first event.
//
// Every race found is an event (KindRace); the Outcome and the report keep
// the first race of each pair of source lines.
//
// Reports are Go's text with one frame per stack: the engine knows the
// function and line of each access and of each go statement, not the calls
// that led there (nor the runtime frames Go shows for a map or a channel);
// the address and the frame offsets (+0x0) are stand-ins.
//
// As Go's detector, once a race on a variable is found its history is
// forgotten (the next accesses start afresh), and a race is reported once
// per pair of source locations. Past raceMaxGoroutines goroutines the
// detector stops for the rest of the run (the -race runtime itself dies
// past 8128 live goroutines).

// raceMaxGoroutines is how many goroutines a run may create before race
// detection stops, bounding the clocks' memory in runs of a million
// goroutines: Go's own limit of live goroutines under -race.
const raceMaxGoroutines = 8128

// ExitCodeRace is the exit status of a program built with -race that found
// a race and otherwise exits with status 0.
const ExitCodeRace = 66

// raceBar is the line Go's race report starts and ends each race with.
const raceBar = "=================="

// raceState is a run's race detector.
type raceState struct {
	off    bool         // too many goroutines: detection stopped
	objs   []syncClocks // by object id - 1, grown lazily
	tctx   gclock       // the runtime's timer context (goroutine 0) while a timer fires
	races  []Race       // one per reported pair of source locations
	seen   map[[2]Pos]bool
	report strings.Builder // the blocks Go would print, in order

	// pending holds the atomic accesses to addresses the run did not yet
	// know as shared variables, until a plain access makes one (raceCheck).
	pending map[unsafe.Pointer]*variable

	streams [StreamStderr + 1]vclock // what the writes to each output stream released
}

// syncClocks are the clocks of one synchronising object.
type syncClocks struct {
	vc    vclock    // release clock: a lock, a WaitGroup, a Once, an atomic, a channel's close, an RWMutex's readers' side
	w     vclock    // an RWMutex's writers' side; an unbuffered channel's hand-off clock
	timer vclock    // what set the timer
	full  slotQueue // a buffered channel's full slots, oldest first
	free  slotQueue // its free slots, oldest first; nil is a slot never used
	mem   *variable // the object as memory Go's annotations read and write: a channel, a WaitGroup's semaphore
}

// Race is a data race: two accesses to one variable by different
// goroutines, at least one a write, neither happening before the other.
type Race struct {
	Obj      int32      // the variable (an ObjVar or ObjMap object)
	Access   RaceAccess // the later access, at which the race was found
	Previous RaceAccess // the earlier one
}

// RaceAccess is one side of a [Race].
type RaceAccess struct {
	G      int32
	Write  bool
	Atomic bool
	Pos    Pos
	Step   int // the access's event index in the log
}

// access is a variable's access as its shadow keeps it: an epoch (the
// goroutine and its time) and where it was.
type access struct {
	g      int32
	t      uint32
	pos    Pos
	step   int32
	write  bool
	atomic bool
}

// shadow is the race detector's state for one shared variable: its last
// write and the reads since that no later read by the same goroutine (or
// ordered after them) replaced; one read is the common case. At most
// maxReads reads are kept, the oldest going first.
type shadow struct {
	w       access // g == 0: none
	rs      []access
	checked bool           // accessed before: earlier atomic accesses are merged in
	addr    unsafe.Pointer // the variable's address, set when it is declared
}

// clockOf returns goroutine id's clock (0: the timer context).
func (rt *runtime) clockOf(id int32) *gclock {
	if id == 0 {
		return &rt.race.tctx
	}
	c := &rt.gs[id-1].race
	if c.own == 0 {
		c.id, c.own = id, 1
	}
	return c
}

// sync returns object id's clocks.
func (rc *raceState) sync(id int32) *syncClocks {
	if int(id) > len(rc.objs) {
		rc.objs = append(rc.objs, make([]syncClocks, int(id)-len(rc.objs))...)
	}
	return &rc.objs[id-1]
}

// raceGo starts child's clock from what its creator (0: a timer) knows.
func (rt *runtime) raceGo(parent int32, child *g) {
	rc := &rt.race
	if rc.off {
		return
	}
	if child.id > raceMaxGoroutines {
		rc.off = true
		rc.objs = nil
		return
	}
	p := rt.clockOf(parent)
	c := rt.clockOf(child.id)
	c.vc.set(p.vc)
	if parent != 0 {
		c.vc.raise(parent, p.own)
		p.own++
	}
}

// raceAcquire makes goroutine id know what object obj's release clock knows.
func (rt *runtime) raceAcquire(obj, id int32) {
	if rt.race.off || obj == 0 {
		return
	}
	rt.clockOf(id).acquire(rt.race.sync(obj).vc)
}

// raceRelease adds what goroutine id knows to object obj's release clock.
func (rt *runtime) raceRelease(obj, id int32) {
	if rt.race.off || obj == 0 {
		return
	}
	rt.clockOf(id).releaseTo(&rt.race.sync(obj).vc)
}

// raceAcquireW and raceReleaseW are raceAcquire and raceRelease on an
// RWMutex's writers' clock.
func (rt *runtime) raceAcquireW(obj, id int32) {
	if rt.race.off || obj == 0 {
		return
	}
	rt.clockOf(id).acquire(rt.race.sync(obj).w)
}

func (rt *runtime) raceReleaseW(obj, id int32) {
	if rt.race.off || obj == 0 {
		return
	}
	rt.clockOf(id).releaseTo(&rt.race.sync(obj).w)
}

// raceSignal makes goroutine to know what goroutine from knows now: a Cond's
// Signal or Broadcast waking to.
func (rt *runtime) raceSignal(from, to int32) {
	if rt.race.off {
		return
	}
	rt.clockOf(from).releaseTo(&rt.clockOf(to).vc) // acquiring a release clock is joining it
}

// raceTimerSet records that goroutine id set (or reset) timer obj.
func (rt *runtime) raceTimerSet(obj, id int32) {
	if rt.race.off || obj == 0 {
		return
	}
	rt.clockOf(id).releaseTo(&rt.race.sync(obj).timer)
}

// raceTimerFire makes the timer context know what set timer obj, as it fires.
func (rt *runtime) raceTimerFire(obj int32) {
	rc := &rt.race
	if rc.off {
		return
	}
	rc.tctx.vc = rc.tctx.vc[:0]
	if obj != 0 {
		rc.tctx.vc.set(rc.sync(obj).timer)
	}
}

// raceAtomic is an atomic operation of goroutine id on object obj.
func (rt *runtime) raceAtomic(obj, id int32, write bool) {
	rt.raceAcquire(obj, id)
	if write {
		rt.raceRelease(obj, id)
	}
}

// fitFree keeps a channel's free slots at n, the capacity less the values
// buffered: fresh slots join at the head, surplus ones leave from it.
func (s *syncClocks) fitFree(n int) {
	n = max(n, 0)
	for s.free.n > n {
		s.free.popFront()
	}
	for s.free.n < n {
		s.free.pushFront(nil)
	}
}

// raceSend is goroutine id's send into a free slot of buffered channel cid,
// which holds count values before it.
func (rt *runtime) raceSend(cid int32, capacity, count int, id int32) {
	rc := &rt.race
	if rc.off {
		return
	}
	s := rc.sync(cid)
	for s.full.n > count { // values a timer's Stop or Reset drained
		s.full.popFront()
	}
	s.fitFree(capacity - count)
	c := rt.clockOf(id)
	var slot vclock
	if s.free.n > 0 {
		slot = s.free.popFront()
		c.acquire(slot)
	}
	s.full.pushBack(c.storeIn(slot))
	if id != 0 {
		c.own++
	}
}

// raceRecv is goroutine id's receive from the head slot of buffered channel
// cid, which holds count values after it.
func (rt *runtime) raceRecv(cid int32, capacity, count int, id int32) {
	rc := &rt.race
	if rc.off {
		return
	}
	s := rc.sync(cid)
	for s.full.n > count+1 {
		s.full.popFront()
	}
	c := rt.clockOf(id)
	var slot vclock
	if s.full.n > 0 {
		slot = s.full.popFront()
		c.acquire(slot)
	}
	s.free.pushBack(c.storeIn(slot))
	c.own++
	s.fitFree(capacity - count)
}

// raceHandoff is a value passed from goroutine from to a waiting (or
// waited-for) goroutine to on channel cid: through the slot a buffered
// channel's value would take, else both ways through the channel's clock,
// as Go's racesync.
func (rt *runtime) raceHandoff(cid int32, capacity int, from, to int32) {
	if rt.race.off {
		return
	}
	if capacity > 0 {
		rt.raceSend(cid, capacity, 0, from)
		rt.raceRecv(cid, capacity, 0, to)
		return
	}
	s := rt.race.sync(cid)
	f, t := rt.clockOf(from), rt.clockOf(to)
	f.releaseTo(&s.w)
	t.acquire(s.w)
	t.releaseTo(&s.w)
	f.acquire(s.w)
}

// raceAccess checks goroutine gg's access to v (a write if write) against
// the variable's earlier accesses, and records a race if one of them neither
// happened before it nor is by gg.
func (rt *runtime) raceAccess(gg *g, v *variable, write bool, pos Pos) {
	rt.raceCheck(gg, v, write, false, pos, rt.log.n-1)
}

// raceAtomicAt checks an atomic access (event step) to the
// memory at p, object obj: sync/atomic's functions on a plain variable, a
// Mutex's lock word. It races with the plain accesses to p, before it (p is
// then a shared variable of the run) or after it.
func (rt *runtime) raceAtomicAt(gg *g, p unsafe.Pointer, obj int32, write bool, pos Pos, step int) {
	rc := &rt.race
	if rc.off || rt.ending {
		return
	}
	v, ok := rt.vars[p]
	if !ok {
		if v = rc.pending[p]; v == nil {
			if rc.pending == nil {
				rc.pending = map[unsafe.Pointer]*variable{}
			}
			v = &variable{id: obj}
			rc.pending[p] = v
		}
	}
	rt.raceCheck(gg, v, write, true, pos, step)
}

// raceMem is goroutine id's access to object obj as memory, whose event is
// step, where Go's runtime and package sync annotate one: a channel's send
// reads it and its close writes it, so a send and a close that are not
// ordered race; a WaitGroup's first Add from zero reads its semaphore and
// the first Wait that blocks writes it, so an Add not ordered with a Wait
// races.
func (rt *runtime) raceMem(obj, id int32, write bool, pos Pos, step int) {
	if rt.race.off || id == 0 || obj == 0 {
		return
	}
	s := rt.race.sync(obj)
	if s.mem == nil {
		s.mem = &variable{id: obj}
	}
	rt.raceCheck(rt.gs[id-1], s.mem, write, false, pos, step)
}

// raceCheck checks gg's access to v, whose event is step.
func (rt *runtime) raceCheck(gg *g, v *variable, write, atomic bool, pos Pos, step int) {
	rc := &rt.race
	if rc.off || rt.ending {
		return
	}
	c := rt.clockOf(gg.id)
	cur := access{g: gg.id, t: c.own, pos: pos, step: int32(step), write: write, atomic: atomic}
	sh := &v.shadow
	if !sh.checked {
		sh.checked = true
		if pv := rc.pending[sh.addr]; pv != nil && sh.addr != nil {
			sh.w, sh.rs = pv.shadow.w, pv.shadow.rs
			delete(rc.pending, sh.addr)
		}
	}
	conflicts := func(a access) bool {
		return a.g != 0 && !c.knows(a.g, a.t) && !(a.atomic && atomic)
	}
	var prev *access
	if conflicts(sh.w) {
		prev = &sh.w
	}
	for i := 0; prev == nil && write && i < len(sh.rs); i++ { // only a write races with reads
		if conflicts(sh.rs[i]) {
			prev = &sh.rs[i]
		}
	}
	if prev != nil {
		p := *prev
		sh.w, sh.rs = access{}, sh.rs[:0] // Go forgets the address's history once it raced
		rt.raceFound(gg, v.id, cur, p)
		return
	}
	if write {
		sh.w, sh.rs = cur, sh.rs[:0]
		return
	}
	keep := sh.rs[:0]
	for _, r := range sh.rs {
		if !c.knows(r.g, r.t) {
			keep = append(keep, r)
		}
	}
	if len(keep) == maxReads {
		keep = append(keep[:0], keep[1:]...)
	}
	sh.rs = append(keep, cur)
}

// maxReads bounds the unordered reads a variable's shadow keeps. Go's
// detector keeps four accesses an address, replacing one at random when
// they are all in use; a bound keeps a read O(1) where a thousand
// goroutines read a channel none of them orders (each send and receive
// reads the channel, for the race with close), which made the check
// quadratic: 80% of a 1,001-goroutine run's time. A write that races
// only with a read pushed out is missed, as Go can miss it.
const maxReads = 16

// raceFound records the race between cur and the earlier access prev on
// object obj and, the first time this pair of lines races, reports it.
func (rt *runtime) raceFound(gg *g, obj int32, cur, prev access) {
	var flag uint8
	if cur.write {
		flag |= 1
	}
	if prev.write {
		flag |= 2
	}
	rt.record(Event{Kind: KindRace, G: gg.id, Obj: obj, Peer: prev.g, Pos: cur.pos, VK: ValInt, Val: uint64(prev.step), Flag: flag})
	rc := &rt.race
	key := [2]Pos{min(cur.pos, prev.pos), max(cur.pos, prev.pos)}
	if rc.seen[key] {
		return
	}
	if rc.seen == nil {
		rc.seen = map[[2]Pos]bool{}
	}
	rc.seen[key] = true
	side := func(a access) RaceAccess {
		return RaceAccess{G: a.g, Write: a.write, Atomic: a.atomic, Pos: a.pos, Step: int(a.step)}
	}
	rc.races = append(rc.races, Race{Obj: obj, Access: side(cur), Previous: side(prev)})
	block := rt.raceBlock(obj, cur, prev)
	rc.report.WriteString(block)
	if rt.cfg.Race {
		rt.stderr.WriteString(block)
		if rt.cfg.Stderr != nil {
			fmt.Fprint(rt.cfg.Stderr, block)
		}
	}
}

// raceBlock is Go's report of one race. The engine knows one frame of each
// access (the function and line of the access, of the go statement), so
// each stack is that frame; the address and the frame's offset are stand-ins.
func (rt *runtime) raceBlock(obj int32, cur, prev access) string {
	var b strings.Builder
	b.WriteString(raceBar + "\nWARNING: DATA RACE\n")
	addr := fmt.Sprintf("0x%012x", 0xc000010000+8*uint64(obj))
	who := func(id int32) string {
		if id == 1 {
			return "main goroutine"
		}
		return fmt.Sprintf("goroutine %d", id)
	}
	frame := func(fn string, s Site) {
		fmt.Fprintf(&b, "  %s()\n      %s +0x0\n", fn, s)
	}
	mop := func(a access, previous bool) {
		kind := "read"
		if a.write {
			kind = "write"
		}
		if previous {
			kind = "previous " + kind
		}
		fmt.Fprintf(&b, "%s at %s by %s:\n", strings.ToUpper(kind[:1])+kind[1:], addr, who(a.g))
		s := rt.site(a.pos)
		fn := s.Func
		if fn == "" {
			fn = rt.gs[a.g-1].name
		}
		frame(fn, s)
	}
	mop(cur, false)
	b.WriteString("\n")
	mop(prev, true)
	for _, id := range []int32{cur.g, prev.g} {
		if id == 1 {
			continue
		}
		gg := rt.gs[id-1]
		state := "running"
		if gg.state == gDone {
			state = "finished"
		}
		fmt.Fprintf(&b, "\nGoroutine %d (%s) created at:\n", id, state)
		if gg.parent == 0 { // started by a timer: AfterFunc
			frame("time.goFunc", Site{File: goFuncFile, Line: goFuncLine})
			continue
		}
		s := rt.site(gg.goPos)
		fn := s.Func
		if fn == "" {
			fn = rt.gs[gg.parent-1].name
		}
		frame(fn, s)
	}
	b.WriteString(raceBar + "\n")
	return b.String()
}

// goFuncFile and goFuncLine are where Go's time.AfterFunc starts its
// goroutine, the creation site a race report gives such a goroutine.
var (
	goFuncFile = goruntime.GOROOT() + "/src/time/sleep.go" //lint:ignore SA1019 the toolchain's root names the file as Go's report does
	goFuncLine = 215
)

// raceEnd completes the outcome with the races found and, for a run that
// behaves as a -race binary, its last line and exit status: a program that
// found races and would exit with status 0 (main returned, or os.Exit(0))
// prints "Found N data race(s)" and exits with 66; a panic, a fatal error,
// another exit status or a limit keep theirs. A deadlock does too, where
// the -race binary, whose runtime keeps a thread of its own, hangs instead.
func (rt *runtime) raceEnd() {
	rc := &rt.race
	o := &rt.outcome
	o.Races = rc.races
	if len(rc.races) == 0 {
		return
	}
	found := ""
	switch o.Kind {
	case OutcomeOK, OutcomeLeak, OutcomeExit:
		if o.ExitCode == 0 {
			found = fmt.Sprintf("Found %d data race(s)\n", len(rc.races))
		}
	}
	o.RaceReport = rc.report.String() + found
	if rt.cfg.Race && found != "" {
		o.ExitCode = ExitCodeRace
		rt.stderr.WriteString(found)
		if rt.cfg.Stderr != nil {
			fmt.Fprint(rt.cfg.Stderr, found)
		}
	}
}

// RaceRecord is the JSON form of a [Race].
type RaceRecord struct {
	Obj      int32            `json:"obj"`
	Access   RaceAccessRecord `json:"access"`
	Previous RaceAccessRecord `json:"previous"`
}

// RaceAccessRecord is the JSON form of a [RaceAccess]: pos is "file:line".
type RaceAccessRecord struct {
	G      int32  `json:"g"`
	Write  bool   `json:"write,omitempty"`
	Atomic bool   `json:"atomic,omitempty"`
	Pos    string `json:"pos"`
	Step   int    `json:"step"`
}

// raceRecords returns races in their JSON form; at resolves positions.
func raceRecords(races []Race, at func(Pos) string) []RaceRecord {
	var out []RaceRecord
	side := func(a RaceAccess) RaceAccessRecord {
		return RaceAccessRecord{G: a.G, Write: a.Write, Atomic: a.Atomic, Pos: at(a.Pos), Step: a.Step}
	}
	for _, r := range races {
		out = append(out, RaceRecord{Obj: r.Obj, Access: side(r.Access), Previous: side(r.Previous)})
	}
	return out
}
