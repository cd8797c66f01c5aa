package engine

import (
	"container/heap"
	"fmt"
	"time"
	"unsafe"
)

// Epoch is the virtual wall-clock time at which every run starts (the Go
// playground's): Now returns Epoch plus the virtual time elapsed.
var Epoch = time.Date(2009, time.November, 10, 23, 0, 0, 0, time.UTC)

// Local is a run's time zone, as time.Local is a program's: named "Local",
// with UTC's rules, so times print as on the Go playground ("+0000 UTC")
// whatever the machine's zone. InstallLocal makes it the process's
// time.Local.
var Local = utcNamedLocal()

// utcNamedLocal builds Local from the smallest zone file there is: no
// transitions, one zone called UTC at offset 0.
func utcNamedLocal() *time.Location {
	counts := []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4} // isut, isstd, leap, time, type, char
	data := append([]byte("TZif\x00"), make([]byte, 15)...)
	data = append(data, counts...)
	data = append(data, 0, 0, 0, 0, 0, 0) // the one zone: offset 0, not DST, name at 0
	data = append(data, "UTC\x00"...)
	loc, err := time.LoadLocationFromTZData("Local", data)
	if err != nil {
		return time.UTC // cannot happen with this data; UTC prints the same
	}
	return loc
}

// InstallLocal makes Local the process's time.Local, so that time.Unix,
// t.Local() and time.Date(..., time.Local) give a run's zone and not the
// machine's. A process that runs programs (a child) calls it once at start.
func InstallLocal() { time.Local = Local }

// virtualNow is what time.Now returns at virtual time clock: wall clock
// Epoch+clock with a monotonic reading of clock+1ns, as on Go's fake clock
// (the time package starts its monotonic clock one nanosecond before the
// first reading), so it prints as "2009-11-10 23:00:00 +0000 UTC
// m=+0.000000001".
func virtualNow(clock int64) time.Time {
	return withMono(Epoch.Add(time.Duration(clock)), clock+1)
}

// timeLayout mirrors time.Time's fields. The time package gives a monotonic
// reading only to times read from the real clock, so a virtual Now sets it
// itself; monoOK checks the layout once and, should it ever change, Now
// simply carries no reading.
type timeLayout struct {
	wall uint64 // with hasMonotonic: 33 bits of seconds since 1885, 30 of nanoseconds
	ext  int64  // with hasMonotonic: the monotonic reading in nanoseconds
	loc  *time.Location
}

const (
	hasMonotonic   = 1 << 63
	nsecShift      = 30
	secondsPerDay  = 86400
	wallToInternal = (1884*365 + 1884/4 - 1884/100 + 1884/400) * secondsPerDay // 1885-01-01 from year 1
	unixToInternal = (1969*365 + 1969/4 - 1969/100 + 1969/400) * secondsPerDay // 1970-01-01 from year 1
)

var monoOK = unsafe.Sizeof(time.Time{}) == unsafe.Sizeof(timeLayout{}) && func() bool {
	t := rawWithMono(Epoch.Add(1500*time.Millisecond), 1500_000_001)
	return t.String() == "2009-11-10 23:00:01.5 +0000 UTC m=+1.500000001" &&
		t.Round(0).String() == "2009-11-10 23:00:01.5 +0000 UTC" &&
		t.Sub(rawWithMono(Epoch, 1)) == 1500*time.Millisecond
}()

// withMono returns t in Local, carrying the monotonic reading mono.
func withMono(t time.Time, mono int64) time.Time {
	if !monoOK {
		return t.In(Local)
	}
	return rawWithMono(t, mono)
}

func rawWithMono(t time.Time, mono int64) time.Time {
	sec := t.Unix() + unixToInternal - wallToInternal
	if sec < 0 || sec >= 1<<33 {
		return t // outside 1885..2157 Go keeps no reading either
	}
	var m time.Time
	p := (*timeLayout)(unsafe.Pointer(&m))
	p.wall = hasMonotonic | uint64(sec)<<nsecShift | uint64(t.Nanosecond())
	p.ext = mono
	p.loc = Local // set here: In would strip the reading
	return m
}

type timerKind uint8

const (
	timerSleep timerKind = iota // wakes a sleeping goroutine
	timerChan                   // sends the time on a channel (Timer, Ticker, After, Tick)
	timerFunc                   // starts a goroutine running fn (AfterFunc)
	timerCtx                    // expires a context's deadline
)

// timer is a pending wake-up on the virtual clock.
type timer struct {
	kind   timerKind
	when   int64
	seq    uint64 // creation order breaks ties, so firing order is deterministic
	idx    int    // index in the heap, -1 when not pending
	period int64  // a ticker's interval
	g      *g
	c      *Chan[time.Time]
	fn     func()
	ctx    *cancelCtx
	obj    int32
	pos    Pos
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when != h[j].when {
		return h[i].when < h[j].when
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*timer)
	t.idx = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.idx = -1
	return t
}

// schedule makes t fire d after now (d <= 0: at the next timer check).
func (rt *runtime) schedule(t *timer, d time.Duration) {
	if t.idx >= 0 && t.idx < len(rt.timers) && rt.timers[t.idx] == t {
		heap.Remove(&rt.timers, t.idx)
	}
	t.when = rt.clock + max(int64(d), 0)
	rt.timerSq++
	t.seq = rt.timerSq
	heap.Push(&rt.timers, t)
}

// unschedule removes t and reports whether it was pending.
func (rt *runtime) unschedule(t *timer) bool {
	if t.idx < 0 || t.idx >= len(rt.timers) || rt.timers[t.idx] != t {
		return false
	}
	heap.Remove(&rt.timers, t.idx)
	return true
}

// fireTimers advances the clock to the earliest pending timer and fires
// every timer due then. Called only when nothing is runnable.
func (rt *runtime) fireTimers() {
	when := rt.timers[0].when
	if when > rt.limits.MaxTime {
		rt.endLimit(fmt.Sprintf("virtual time cap reached: %v", time.Duration(rt.limits.MaxTime)))
		return
	}
	rt.clock = when
	for len(rt.timers) > 0 && rt.timers[0].when <= rt.clock && !rt.ending {
		t := heap.Pop(&rt.timers).(*timer)
		rt.fire(t)
	}
}

func (rt *runtime) fire(t *timer) {
	rt.raceTimerFire(t.obj)
	switch t.kind {
	case timerSleep:
		rt.record(Event{Kind: KindWake, G: t.g.id, Pos: t.g.pos})
		rt.ready(t.g)
	case timerChan:
		now := virtualNow(rt.clock)
		c := t.c
		if s := c.recvq.dequeue(); s != nil {
			rt.raceHandoff(c.id, c.cap, 0, s.g.id)
			rt.record(Event{Kind: KindTimerFire, Obj: t.obj, Pos: t.pos})
			c.completeRecv(rt, s, now, true, 0)
		} else if c.count == 0 {
			rt.raceSend(c.id, c.cap, 0, 0)
			c.push(now)
			rt.record(Event{Kind: KindTimerFire, Obj: t.obj, Pos: t.pos, Fx: FxPush})
		} else {
			// A slow ticker receiver misses ticks, as in Go.
			rt.record(Event{Kind: KindTimerFire, Obj: t.obj, Pos: t.pos})
		}
		if t.period > 0 {
			rt.schedule(t, time.Duration(t.period))
		}
	case timerFunc:
		rt.record(Event{Kind: KindTimerFire, Obj: t.obj, Pos: t.pos})
		if rt.live >= rt.limits.MaxGoroutines {
			rt.endLimit(fmt.Sprintf("goroutine cap reached: %d live goroutines", rt.limits.MaxGoroutines))
			return
		}
		ng := rt.newG(rt.site(t.pos).Func+".AfterFunc", 0, t.pos, t.fn)
		rt.raceGo(0, ng)
		rt.record(Event{Kind: KindGo, Peer: ng.id, Pos: t.pos})
	case timerCtx:
		t.ctx.cancel(rt, 0, true, errDeadlineExceeded, t.ctx.dlCause)
	}
}

// Now returns the virtual current time, with its monotonic reading as
// time.Now has one.
func Now() time.Time {
	var clock int64
	if rt := active; rt != nil {
		clock = rt.clock
	}
	return virtualNow(clock)
}

// Since returns the virtual time elapsed since t.
func Since(t time.Time) time.Duration { return Now().Sub(t) }

// Until returns the virtual duration until t.
func Until(t time.Time) time.Duration { return t.Sub(Now()) }

// Sleep pauses the calling goroutine for d of virtual time. It costs no wall
// time: when nothing else can run, the clock jumps to the next timer.
func Sleep(d time.Duration, pos Pos) {
	rt, gg := enter(pos)
	if d <= 0 {
		return
	}
	gg.sleep.kind = timerSleep
	rt.schedule(&gg.sleep, d)
	rt.park(gg, Event{Kind: KindSleep, G: gg.id, Pos: pos, VK: ValInt, Val: uint64(d)}, WaitSleep, 0)
}

// Timer is time.Timer on the virtual clock, with Go 1.23 semantics: no
// stale value is received after Stop or Reset returns.
type Timer struct {
	C *Chan[time.Time]
	t *timer
}

// NewTimer returns a Timer that sends the time on C after d.
func NewTimer(d time.Duration, pos Pos) *Timer {
	rt, gg := enter(pos)
	return newTimer(rt, gg, d, 0, ObjTimer, pos)
}

func newTimer(rt *runtime, gg *g, d time.Duration, period int64, kind ObjKind, pos Pos) *Timer {
	c := newTimerChan(rt, rt.site(pos).Expr, pos)
	rt.log.Objects[c.id-1].Kind = kind
	t := &timer{kind: timerChan, c: c, obj: c.id, pos: pos, period: period, idx: -1}
	rt.record(Event{Kind: KindMake, G: gg.id, Obj: c.id, Pos: pos, VK: ValInt, Val: uint64(d)})
	rt.raceTimerSet(t.obj, gg.id)
	rt.schedule(t, d)
	return &Timer{C: c, t: t}
}

// After returns a channel that receives the time after d, as time.After.
func After(d time.Duration, pos Pos) *Chan[time.Time] { return NewTimer(d, pos).C }

// AfterFunc calls f in its own goroutine after d and returns a Timer whose
// Stop cancels the call.
func AfterFunc(d time.Duration, f func(), pos Pos) *Timer {
	rt, gg := enter(pos)
	id := rt.declare(Object{Kind: ObjTimer, Name: rt.site(pos).Expr, Pos: pos}, nil)
	t := &timer{kind: timerFunc, fn: f, obj: id, pos: pos, idx: -1}
	rt.record(Event{Kind: KindMake, G: gg.id, Obj: id, Pos: pos, VK: ValInt, Val: uint64(d)})
	rt.raceTimerSet(id, gg.id)
	rt.schedule(t, d)
	return &Timer{t: t}
}

// Stop prevents the timer from firing and reports whether it was pending.
func (t *Timer) Stop(pos Pos) bool {
	rt, gg := enter(pos)
	was := rt.unschedule(t.t)
	rt.record(Event{Kind: KindTimerStop, G: gg.id, Obj: t.t.obj, Pos: pos, VK: ValBool, Val: b2u(was), Fx: t.drain()})
	return was
}

// Reset makes the timer fire after d and reports whether it was pending.
func (t *Timer) Reset(d time.Duration, pos Pos) bool {
	rt, gg := enter(pos)
	was := rt.unschedule(t.t)
	rt.record(Event{Kind: KindTimerReset, G: gg.id, Obj: t.t.obj, Pos: pos, VK: ValInt, Val: uint64(d), Fx: t.drain()})
	rt.raceTimerSet(t.t.obj, gg.id)
	rt.schedule(t.t, d)
	return was
}

// drain empties the timer's channel (Go 1.23: no stale value after Stop or
// Reset) and says so, as the event that did it records.
func (t *Timer) drain() Effect {
	c := t.C
	if c == nil || c.count == 0 {
		return 0
	}
	for c.count > 0 {
		c.pop()
	}
	return FxDrain
}

// Ticker is time.Ticker on the virtual clock.
type Ticker struct {
	C  *Chan[time.Time]
	tm *Timer
}

// NewTicker returns a Ticker that sends the time on C every d. d must be
// positive, as in Go.
func NewTicker(d time.Duration, pos Pos) *Ticker {
	rt, gg := enter(pos)
	if d <= 0 {
		panic("non-positive interval for NewTicker")
	}
	tm := newTimer(rt, gg, d, int64(d), ObjTicker, pos)
	return &Ticker{C: tm.C, tm: tm}
}

// Tick returns a ticker's channel, or nil if d <= 0, as time.Tick.
func Tick(d time.Duration, pos Pos) *Chan[time.Time] {
	if d <= 0 {
		return nil
	}
	return NewTicker(d, pos).C
}

// Stop turns the ticker off.
func (t *Ticker) Stop(pos Pos) { t.tm.Stop(pos) }

// Reset stops the ticker and restarts it with period d.
func (t *Ticker) Reset(d time.Duration, pos Pos) {
	if d <= 0 {
		panic("non-positive interval for Ticker.Reset")
	}
	t.tm.t.period = int64(d)
	t.tm.Reset(d, pos)
}
