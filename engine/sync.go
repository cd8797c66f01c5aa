package engine

import (
	"strconv"
	"unsafe"
)

// fifo is a first-in first-out queue of waiting goroutines.
type fifo struct {
	items []*g
	head  int
}

func (q *fifo) push(gg *g) { q.items = append(q.items, gg) }
func (q *fifo) len() int   { return len(q.items) - q.head }

func (q *fifo) pop() *g {
	if q.head == len(q.items) {
		return nil
	}
	gg := q.items[q.head]
	q.items[q.head] = nil
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	}
	return gg
}

// lazy is the bookkeeping of an object whose zero value is ready to use (a
// Mutex field, a WaitGroup variable): it is declared to the run on first use,
// and reset if it outlived an earlier run in the same process.
type lazy struct {
	id    int32
	epoch uint64
}

// fresh reports whether the object must be (re)initialised for run rt.
func (l *lazy) fresh(rt *runtime) bool { return l.epoch != rt.epoch }

func (l *lazy) declare(rt *runtime, gg *g, kind ObjKind, pos Pos, ref any) {
	l.epoch = rt.epoch
	l.id = rt.declare(Object{Kind: kind, Name: rt.lazyName(rt.site(pos).Expr), Pos: pos}, ref)
	rt.record(Event{Kind: KindMake, G: gg.id, Obj: l.id, Pos: pos})
}

// lazyName names a zero-value object after the expression of its first
// use. Five forks first locked as `left` are five objects: the second and
// later get a number, "left (2)", so no two share a name on screen.
func (rt *runtime) lazyName(expr string) string {
	if expr == "" {
		return ""
	}
	if rt.named == nil {
		rt.named = map[string]int{}
	}
	rt.named[expr]++
	if n := rt.named[expr]; n > 1 {
		return expr + " (" + strconv.Itoa(n) + ")"
	}
	return expr
}

// Locker is the engine's sync.Locker: what sync.Cond locks and what
// RWMutex.RLocker returns.
type Locker interface {
	Lock(pos Pos)
	Unlock(pos Pos)
}

// unlocker releases a lock without a scheduling point, so Cond.Wait can
// queue itself and unlock atomically, as Go's does.
type unlocker interface {
	unlockNow(rt *runtime, gg *g, pos Pos)
}

// Mutex is sync.Mutex. The zero value is an unlocked mutex. An unlock hands
// the mutex to the longest waiter, as Go's starvation mode does.
type Mutex struct {
	lazy
	locked  bool
	holder  int32
	waiters fifo
}

func (m *Mutex) init(rt *runtime, gg *g, pos Pos) {
	if m.fresh(rt) {
		*m = Mutex{}
		m.declare(rt, gg, ObjMutex, pos, m)
	}
}

// Lock locks m, blocking while another goroutine holds it.
func (m *Mutex) Lock(pos Pos) {
	rt, gg := enter(pos)
	m.init(rt, gg, pos)
	if !m.locked {
		m.locked, m.holder = true, gg.id
		rt.raceAcquire(m.id, gg.id)
		rt.record(Event{Kind: KindLock, G: gg.id, Obj: m.id, Pos: pos})
		m.raceWord(rt, gg, pos, rt.log.n-1)
		return
	}
	m.raceWord(rt, gg, pos, rt.log.n) // its block event is next
	m.waiters.push(gg)
	rt.park(gg, Event{Kind: KindLockBlock, G: gg.id, Obj: m.id, Pos: pos, Peer: m.holder}, WaitMutexLock, m.id)
	rt.raceAcquire(m.id, gg.id)
}

// raceWord is Lock's and Unlock's atomic operation on the mutex's state
// word (event step): overwriting a mutex in use races with it, as in Go.
func (m *Mutex) raceWord(rt *runtime, gg *g, pos Pos, step int) {
	rt.raceAtomicAt(gg, unsafe.Pointer(m), m.id, true, pos, step)
}

// TryLock locks m if it is free and reports whether it did.
func (m *Mutex) TryLock(pos Pos) bool {
	rt, gg := enter(pos)
	m.init(rt, gg, pos)
	ok := !m.locked
	if ok {
		m.locked, m.holder = true, gg.id
		rt.raceAcquire(m.id, gg.id)
	}
	rt.record(Event{Kind: KindTryLock, G: gg.id, Obj: m.id, Pos: pos, VK: ValBool, Val: b2u(ok)})
	return ok
}

// Unlock unlocks m. Unlocking an unlocked mutex is a fatal error, as in Go.
func (m *Mutex) Unlock(pos Pos) {
	rt, gg := enter(pos)
	m.unlockNow(rt, gg, pos)
}

func (m *Mutex) unlockNow(rt *runtime, gg *g, pos Pos) {
	m.init(rt, gg, pos)
	if !m.locked {
		rt.fatal(gg, "sync: unlock of unlocked mutex")
	}
	rt.record(Event{Kind: KindUnlock, G: gg.id, Obj: m.id, Pos: pos})
	m.raceWord(rt, gg, pos, rt.log.n-1) // before the release, which starts the goroutine's next time
	rt.raceRelease(m.id, gg.id)
	if w := m.waiters.pop(); w != nil {
		m.holder = w.id
		rt.record(Event{Kind: KindLockDone, G: w.id, Obj: m.id, Peer: gg.id, Pos: w.pos})
		rt.ready(w)
		return
	}
	m.locked, m.holder = false, 0
}

// RWMutex is sync.RWMutex: many readers or one writer. A waiting writer
// blocks new readers; a writer's unlock admits the readers that waited, then
// the next writer, as Go's does.
type RWMutex struct {
	lazy
	writer   int32 // holder of the write lock, 0 if none
	readers  int
	wwaiters fifo
	rwaiters fifo
}

func (m *RWMutex) init(rt *runtime, gg *g, pos Pos) {
	if m.fresh(rt) {
		*m = RWMutex{}
		m.declare(rt, gg, ObjRWMutex, pos, m)
	}
}

// Lock locks m for writing.
func (m *RWMutex) Lock(pos Pos) {
	rt, gg := enter(pos)
	m.init(rt, gg, pos)
	if m.writer == 0 && m.readers == 0 {
		m.writer = gg.id
		m.raceLocked(rt, gg)
		rt.record(Event{Kind: KindLock, G: gg.id, Obj: m.id, Pos: pos})
		return
	}
	m.wwaiters.push(gg)
	rt.park(gg, Event{Kind: KindLockBlock, G: gg.id, Obj: m.id, Pos: pos, Peer: m.writer}, WaitRWMutexLock, m.id)
	m.raceLocked(rt, gg)
}

// raceLocked is a write lock's edges, as package sync annotates them: the
// previous Unlock and every RUnlock since come before it.
func (m *RWMutex) raceLocked(rt *runtime, gg *g) {
	rt.raceAcquire(m.id, gg.id)
	rt.raceAcquireW(m.id, gg.id)
}

// TryLock locks m for writing if it is free and reports whether it did.
func (m *RWMutex) TryLock(pos Pos) bool {
	rt, gg := enter(pos)
	m.init(rt, gg, pos)
	ok := m.writer == 0 && m.readers == 0
	if ok {
		m.writer = gg.id
		m.raceLocked(rt, gg)
	}
	rt.record(Event{Kind: KindTryLock, G: gg.id, Obj: m.id, Pos: pos, VK: ValBool, Val: b2u(ok)})
	return ok
}

// Unlock unlocks m for writing, admitting the readers that waited, else the
// next writer. Unlocking a write-unlocked RWMutex is a fatal error.
func (m *RWMutex) Unlock(pos Pos) {
	rt, gg := enter(pos)
	m.unlockNow(rt, gg, pos)
}

func (m *RWMutex) unlockNow(rt *runtime, gg *g, pos Pos) {
	m.init(rt, gg, pos)
	if m.writer == 0 {
		rt.fatal(gg, "sync: Unlock of unlocked RWMutex")
	}
	m.writer = 0
	rt.raceRelease(m.id, gg.id)
	rt.record(Event{Kind: KindUnlock, G: gg.id, Obj: m.id, Pos: pos})
	if m.rwaiters.len() > 0 {
		for r := m.rwaiters.pop(); r != nil; r = m.rwaiters.pop() {
			m.readers++
			rt.record(Event{Kind: KindLockDone, G: r.id, Obj: m.id, Peer: gg.id, Pos: r.pos, Flag: 1})
			rt.ready(r)
		}
		return
	}
	m.admitWriter(rt, gg.id)
}

func (m *RWMutex) admitWriter(rt *runtime, by int32) {
	if w := m.wwaiters.pop(); w != nil {
		m.writer = w.id
		rt.record(Event{Kind: KindLockDone, G: w.id, Obj: m.id, Peer: by, Pos: w.pos})
		rt.ready(w)
	}
}

// RLock locks m for reading, blocking while a writer holds or waits for it.
func (m *RWMutex) RLock(pos Pos) {
	rt, gg := enter(pos)
	m.init(rt, gg, pos)
	if m.writer == 0 && m.wwaiters.len() == 0 {
		m.readers++
		rt.raceAcquire(m.id, gg.id)
		rt.record(Event{Kind: KindLock, G: gg.id, Obj: m.id, Pos: pos, Flag: 1})
		return
	}
	m.rwaiters.push(gg)
	rt.park(gg, Event{Kind: KindLockBlock, G: gg.id, Obj: m.id, Pos: pos, Peer: m.writer, Flag: 1}, WaitRWMutexRLock, m.id)
	rt.raceAcquire(m.id, gg.id)
}

// TryRLock locks m for reading if it can without blocking and reports whether it did.
func (m *RWMutex) TryRLock(pos Pos) bool {
	rt, gg := enter(pos)
	m.init(rt, gg, pos)
	ok := m.writer == 0 && m.wwaiters.len() == 0
	if ok {
		m.readers++
		rt.raceAcquire(m.id, gg.id)
	}
	rt.record(Event{Kind: KindTryLock, G: gg.id, Obj: m.id, Pos: pos, VK: ValBool, Val: b2u(ok), Flag: 1})
	return ok
}

// RUnlock undoes one RLock. Without a reader it is a fatal error.
func (m *RWMutex) RUnlock(pos Pos) {
	rt, gg := enter(pos)
	m.runlockNow(rt, gg, pos)
}

func (m *RWMutex) runlockNow(rt *runtime, gg *g, pos Pos) {
	m.init(rt, gg, pos)
	if m.readers == 0 {
		rt.fatal(gg, "sync: RUnlock of unlocked RWMutex")
	}
	m.readers--
	rt.raceReleaseW(m.id, gg.id)
	rt.record(Event{Kind: KindUnlock, G: gg.id, Obj: m.id, Pos: pos, Flag: 1})
	if m.readers == 0 {
		m.admitWriter(rt, gg.id)
	}
}

// RLocker returns a Locker whose Lock and Unlock are m's RLock and RUnlock.
func (m *RWMutex) RLocker() Locker { return rlocker{m} }

type rlocker struct{ m *RWMutex }

func (r rlocker) Lock(pos Pos)                          { r.m.RLock(pos) }
func (r rlocker) Unlock(pos Pos)                        { r.m.RUnlock(pos) }
func (r rlocker) unlockNow(rt *runtime, gg *g, pos Pos) { r.m.runlockNow(rt, gg, pos) }

// WaitGroup is sync.WaitGroup: a counter that Wait waits to see at zero.
type WaitGroup struct {
	lazy
	n       int
	waiters []*g
}

func (wg *WaitGroup) init(rt *runtime, gg *g, pos Pos) {
	if wg.fresh(rt) {
		*wg = WaitGroup{}
		wg.declare(rt, gg, ObjWaitGroup, pos, wg)
	}
}

// Add adds delta to the counter. A negative counter panics, as in Go; at
// zero every waiter is released.
func (wg *WaitGroup) Add(delta int, pos Pos) {
	rt, gg := enter(pos)
	wg.init(rt, gg, pos)
	wg.n += delta
	if delta < 0 {
		rt.raceRelease(wg.id, gg.id)
	}
	rt.record(Event{Kind: KindWGAdd, G: gg.id, Obj: wg.id, Pos: pos, VK: ValInt, Val: uint64(delta), Peer: int32(wg.n)})
	if delta > 0 && wg.n == delta {
		rt.raceMem(wg.id, gg.id, false, pos, rt.log.n-1) // the first increment must be ordered with Wait
	}
	if wg.n < 0 {
		panic("sync: negative WaitGroup counter")
	}
	if wg.n == 0 && len(wg.waiters) > 0 {
		for _, w := range wg.waiters {
			rt.record(Event{Kind: KindWGDone, G: w.id, Obj: wg.id, Peer: gg.id, Pos: w.pos})
			rt.ready(w)
		}
		wg.waiters = wg.waiters[:0]
	}
}

// Done decrements the counter by one.
func (wg *WaitGroup) Done(pos Pos) { wg.Add(-1, pos) }

// Wait blocks until the counter is zero.
func (wg *WaitGroup) Wait(pos Pos) {
	rt, gg := enter(pos)
	wg.init(rt, gg, pos)
	if wg.n == 0 {
		rt.raceAcquire(wg.id, gg.id)
		rt.record(Event{Kind: KindWGWait, G: gg.id, Obj: wg.id, Pos: pos})
		return
	}
	if len(wg.waiters) == 0 {
		rt.raceMem(wg.id, gg.id, true, pos, rt.log.n) // as the first Add's; its event is next
	}
	wg.waiters = append(wg.waiters, gg)
	rt.park(gg, Event{Kind: KindWGBlock, G: gg.id, Obj: wg.id, Pos: pos, VK: ValInt, Val: uint64(wg.n)}, WaitWaitGroupWait, wg.id)
	// Go's waiter checks the group is still at zero when it wakes.
	if wg.n != 0 {
		panic("sync: WaitGroup is reused before previous Wait has returned")
	}
	rt.raceAcquire(wg.id, gg.id)
}

// Go calls f in a new goroutine named name and adds that goroutine to the
// group, as WaitGroup.Go does since Go 1.25.
func (wg *WaitGroup) Go(f func(), name string, pos Pos) {
	wg.Add(1, pos)
	Go(name, pos, func() {
		defer wg.Done(pos)
		f()
	})
}

// Once is sync.Once: Do calls its function the first time only; concurrent
// callers wait until that call returns.
type Once struct {
	lazy
	done    bool
	running bool
	waiters fifo
}

// Do calls f if and only if Do is being called for the first time on o.
func (o *Once) Do(f func(), pos Pos) {
	rt, gg := enter(pos)
	if o.fresh(rt) {
		*o = Once{}
		o.declare(rt, gg, ObjOnce, pos, o)
	}
	if o.done {
		rt.raceAcquire(o.id, gg.id)
		rt.record(Event{Kind: KindOnce, G: gg.id, Obj: o.id, Pos: pos, VK: ValInt, Val: 0})
		return
	}
	if o.running {
		o.waiters.push(gg)
		rt.park(gg, Event{Kind: KindLockBlock, G: gg.id, Obj: o.id, Pos: pos}, WaitMutexLock, o.id)
		rt.raceAcquire(o.id, gg.id)
		return
	}
	o.running = true
	rt.record(Event{Kind: KindOnce, G: gg.id, Obj: o.id, Pos: pos, VK: ValInt, Val: 1})
	defer func() {
		// Runs even if f panics: Go's Once then counts f as done.
		o.done, o.running = true, false
		if rt.ending {
			return
		}
		rt.raceRelease(o.id, gg.id)
		rt.record(Event{Kind: KindOnceDone, G: gg.id, Obj: o.id, Pos: pos})
		for w := o.waiters.pop(); w != nil; w = o.waiters.pop() {
			rt.record(Event{Kind: KindLockDone, G: w.id, Obj: o.id, Peer: gg.id, Pos: w.pos})
			rt.ready(w)
		}
	}()
	f()
}

// OnceFunc returns a function that calls f only once, as sync.OnceFunc.
func OnceFunc(f func()) func() {
	var o Once
	var p any
	return func() {
		o.Do(func() {
			defer func() {
				if r := recover(); r != nil {
					p = Recover(r)
					panic(p)
				}
			}()
			f()
		}, 0)
		if p != nil {
			panic(p)
		}
	}
}

// OnceValue returns a function that calls f only once and returns its value.
func OnceValue[T any](f func() T) func() T {
	var v T
	g := OnceFunc(func() { v = f() })
	return func() T { g(); return v }
}

// OnceValues returns a function that calls f only once and returns its values.
func OnceValues[T1, T2 any](f func() (T1, T2)) func() (T1, T2) {
	var v1 T1
	var v2 T2
	g := OnceFunc(func() { v1, v2 = f() })
	return func() (T1, T2) { g(); return v1, v2 }
}

// Cond is sync.Cond: goroutines wait on it for a signal while holding L.
type Cond struct {
	lazy
	L       Locker
	waiters fifo
}

// NewCond returns a Cond that locks l.
func NewCond(l Locker) *Cond { return &Cond{L: l} }

func (c *Cond) init(rt *runtime, gg *g, pos Pos) {
	if c.fresh(rt) {
		l := c.L
		*c = Cond{L: l}
		c.declare(rt, gg, ObjCond, pos, c)
	}
}

// Wait unlocks c.L, waits for Signal or Broadcast, then locks c.L again.
func (c *Cond) Wait(pos Pos) {
	rt, gg := enter(pos)
	c.init(rt, gg, pos)
	if u, ok := c.L.(unlocker); ok {
		c.waiters.push(gg)
		u.unlockNow(rt, gg, pos)
	} else {
		// A Locker of the program's own may schedule while unlocking, so
		// queue only once it returns: a signal sent meanwhile is missed, as
		// it could be with such a Locker in Go.
		c.L.Unlock(pos)
		c.waiters.push(gg)
	}
	// Recorded once the lock is released, so that the unlock does not read
	// as the goroutine running again after it began to wait.
	rt.park(gg, Event{Kind: KindCondWait, G: gg.id, Obj: c.id, Pos: pos}, WaitCondWait, c.id)
	c.L.Lock(pos)
}

// Signal wakes the longest-waiting goroutine, if any.
func (c *Cond) Signal(pos Pos) { c.wake(pos, 1) }

// Broadcast wakes every waiting goroutine.
func (c *Cond) Broadcast(pos Pos) { c.wake(pos, -1) }

func (c *Cond) wake(pos Pos, n int) {
	rt, gg := enter(pos)
	c.init(rt, gg, pos)
	woken := 0
	for ; n != 0; n-- {
		w := c.waiters.pop()
		if w == nil {
			break
		}
		rt.raceSignal(gg.id, w.id)
		rt.record(Event{Kind: KindCondWake, G: w.id, Obj: c.id, Peer: gg.id, Pos: w.pos})
		rt.ready(w)
		woken++
	}
	rt.record(Event{Kind: KindCondSignal, G: gg.id, Obj: c.id, Pos: pos, VK: ValInt, Val: uint64(woken)})
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
