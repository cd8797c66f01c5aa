package engine

import (
	"container/heap"
	"fmt"
	"strings"
	"time"
)

// Busy loops. The instrument package calls Compute at every loop's back
// edge and every function's entry, the places where Go's runtime can
// preempt a goroutine that runs without synchronising. Two things follow
// from it, so that a goroutine spinning on a flag behaves as in Go: a
// goroutine busy computing takes virtual time, so timers come due while it
// spins (the sleeper wakes), and a goroutine that has run a whole time slice
// is preempted, so the woken one gets the processor.

// FreeComputes is how many Compute calls a goroutine makes for nothing each
// time it gets the processor. A program that computes only briefly between
// operations (the loops of the guide's programs) then prints the same times
// as on the Go playground, whose clock stands still while goroutines
// compute; a goroutine that goes on computing is busy, and pays ComputeCost
// per call from then on.
const FreeComputes = 1000

// ComputeCost is the virtual time a busy goroutine's Compute call costs. A
// real back edge costs a nanosecond or so, but then a goroutine spinning on
// a flag would reach a one-second sleeper's wake-up after a billion
// iterations, each recording its read of the flag. At 10 µs it takes
// 100,000 (a tenth of the server's event cap, some milliseconds of wall
// time), and a time slice is 1,000 iterations. The price: a busy loop of n
// iterations seems to take n × 10 µs to time.Since.
const ComputeCost = 10 * time.Microsecond

// TimeSlice is how long a goroutine runs without blocking or yielding
// before Compute preempts it: Go's forcePreemptNS (runtime/proc.go).
const TimeSlice = 10 * time.Millisecond

// wallEvery is how many Compute calls pass between readings of the wall
// clock for Limits.MaxWall: reading it costs some tens of nanoseconds, a
// Compute call a few, and 2^16 calls take well under a millisecond.
const wallEvery = 1 << 16

// Compute marks a loop's back edge or a function's entry: once the running
// goroutine is busy (FreeComputes), computing costs virtual time there
// (ComputeCost), timers that come due fire, and a goroutine that has run a
// TimeSlice without blocking is preempted, as Go's asynchronous preemption
// does. It is not a scheduling point a policy or a Chooser decides: what it
// does follows from the virtual clock alone. Outside a run it does nothing;
// once the run has ended it unwinds the caller, as every operation does, so
// a deferred loop cannot hold up the run's end.
func Compute(pos Pos) {
	rt := active
	if rt == nil || rt.formatting > 0 {
		return
	}
	if rt.ending {
		panic(unwind{})
	}
	rt.computes++
	if rt.computes%wallEvery == 0 {
		rt.checkWall(pos)
	}
	if rt.computes-rt.stint <= FreeComputes {
		return
	}
	rt.clock += int64(ComputeCost)
	if rt.clock-rt.since < int64(TimeSlice) && (len(rt.timers) == 0 || rt.timers[0].when > rt.clock) {
		return
	}
	rt.computeSlow(pos)
}

// newStint starts the running goroutine's time on the processor: its time
// slice and its free Compute calls start again.
func (rt *runtime) newStint() {
	rt.since = rt.clock
	rt.stint = rt.computes
}

// checkWall ends the run if it has passed Limits.MaxWall.
func (rt *runtime) checkWall(pos Pos) {
	if rt.deadline.IsZero() || !time.Now().After(rt.deadline) {
		return
	}
	gg := rt.cur
	if pos != 0 {
		gg.pos = pos
	}
	where := ""
	if s := rt.site(gg.pos); s.File != "" {
		where = " at " + s.String()
	}
	rt.endLimit(fmt.Sprintf("%s: %v (goroutine %d was computing%s without blocking)", wallLimit, rt.limits.MaxWall, gg.id, where))
	panic(unwind{})
}

// computeSlow is Compute when something may happen: a timer is due, or
// the time slice is over.
func (rt *runtime) computeSlow(pos Pos) {
	gg := rt.cur
	if pos != 0 {
		gg.pos = pos
	}
	if rt.clock > rt.limits.MaxTime {
		rt.endLimit(fmt.Sprintf("virtual time cap reached: %v", time.Duration(rt.limits.MaxTime)))
		panic(unwind{})
	}
	for len(rt.timers) > 0 && rt.timers[0].when <= rt.clock && !rt.ending {
		rt.fire(heap.Pop(&rt.timers).(*timer))
	}
	if rt.ending {
		panic(unwind{})
	}
	ran := rt.clock - rt.since
	if ran < int64(TimeSlice) {
		return
	}
	if rt.runq.len() == 0 {
		// Nobody else could run: Go's scheduler would give the goroutine
		// the processor back at once, and nothing on screen changes. It
		// stays busy: a new slice, no new free calls.
		rt.since = rt.clock
		return
	}
	rt.record(Event{Kind: KindPreempt, G: gg.id, Pos: gg.pos, VK: ValInt, Val: uint64(ran)})
	if rt.ending {
		panic(unwind{})
	}
	gg.state = gRunnable
	rt.runq.push(gg)
	if next := rt.pickPolicy(); next != gg {
		rt.handOff(gg, next)
		return
	}
	gg.state = gRunning // the random policy drew it again: a new slice, still busy
	rt.since = rt.clock
}

// RunWall is the Limits.MaxWall of a run whose process its parent kills
// after wall: four fifths of it, so the run ends itself first and the
// rest is time enough to unwind its goroutines and deliver its log and
// output (the parent's kill stays the last resort).
func RunWall(wall time.Duration) time.Duration { return wall / 5 * 4 }

// wallLimit begins the what of a limit outcome ended by Limits.MaxWall.
const wallLimit = "wall-clock time limit reached"

// WallLimited reports whether an outcome's message is that of a run ended
// by its wall-clock limit: the one ending that depends on the machine, not
// on the run's inputs, so a cache of runs must not keep it.
func WallLimited(message string) bool {
	return strings.HasPrefix(message, LimitMessage(wallLimit))
}
