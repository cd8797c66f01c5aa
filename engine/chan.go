package engine

import (
	"iter"
	"reflect"
	"time"
)

// Chan is a simulated channel: the engine's own queue, so that its buffer and
// the goroutines waiting on either side are visible and its capacity can
// change mid-run. Every channel type of the original program (chan T, <-chan
// T, chan<- T) becomes *Chan[T]; a nil *Chan[T] is a nil channel.
type Chan[T any] struct {
	id     int32
	cap    int
	buf    []T // ring; len(buf) >= max(cap, count)
	head   int
	count  int
	closed bool
	timer  bool // a timer's channel: reports len and cap 0, as Go 1.23+ does
	recvq  waitq[T]
	sendq  waitq[T]
	free   *sudog[T]
}

// sudog is a goroutine waiting on a channel, in a plain receive or send or
// as one case of a select.
type sudog[T any] struct {
	g          *g
	c          *Chan[T]
	val        T
	ok         bool
	closed     bool // a waiting sender was woken by close
	sel        bool // one case of a select
	idx        int  // the select case
	dst        *T   // a select receive's destination
	okDst      *bool
	next, prev *sudog[T]
	queued     *waitq[T]
}

type waitq[T any] struct{ first, last *sudog[T] }

func (q *waitq[T]) enqueue(s *sudog[T]) {
	s.next, s.prev, s.queued = nil, q.last, q
	if q.last == nil {
		q.first = s
	} else {
		q.last.next = s
	}
	q.last = s
}

func (q *waitq[T]) dequeue() *sudog[T] {
	s := q.first
	if s != nil {
		q.unlink(s)
	}
	return s
}

func (q *waitq[T]) unlink(s *sudog[T]) {
	if s.prev == nil {
		q.first = s.next
	} else {
		s.prev.next = s.next
	}
	if s.next == nil {
		q.last = s.prev
	} else {
		s.next.prev = s.prev
	}
	s.next, s.prev, s.queued = nil, nil, nil
}

// cancel withdraws a select case that did not fire.
func (s *sudog[T]) cancel() {
	if s.queued != nil {
		s.queued.unlink(s)
	}
	s.c.putSudog(s)
}

func (c *Chan[T]) getSudog(gg *g) *sudog[T] {
	s := c.free
	if s == nil {
		s = &sudog[T]{c: c}
	} else {
		c.free = s.next
		s.next = nil
	}
	s.g = gg
	return s
}

func (c *Chan[T]) putSudog(s *sudog[T]) {
	var zero T
	*s = sudog[T]{c: c, val: zero, next: c.free}
	c.free = s
}

// MakeChan creates a channel with room for size values, as make(chan T,
// size). name is its knob name (the variable it is assigned to, else
// file:line); a capacity override for that name in the run's Config wins.
func MakeChan[T any](name string, size int, pos Pos) *Chan[T] {
	rt, gg := enter(pos)
	if v, ok := rt.cfg.Caps[name]; ok {
		size = v
	}
	if size < 0 {
		panic(errMakeChan)
	}
	c := &Chan[T]{cap: size, buf: make([]T, size)}
	c.id = rt.declare(Object{Kind: ObjChan, Name: name, Cap: size, Elem: GoTypeName(reflect.TypeFor[T]()), Pos: pos}, c)
	rt.record(Event{Kind: KindMake, G: gg.id, Obj: c.id, Pos: pos, VK: ValInt, Val: uint64(size)})
	return c
}

// newTimerChan creates the channel of a timer or ticker, outside any goroutine.
func newTimerChan(rt *runtime, name string, pos Pos) *Chan[time.Time] {
	c := &Chan[time.Time]{cap: 1, buf: make([]time.Time, 1), timer: true}
	c.id = rt.declare(Object{Kind: ObjChan, Name: name, Cap: 0, Elem: "time.Time", Pos: pos}, c)
	return c
}

// ID returns the channel's object id in the run's log (0 for nil).
func (c *Chan[T]) ID() int32 {
	if c == nil {
		return 0
	}
	return c.id
}

// Len returns the number of values buffered, as len(ch).
func (c *Chan[T]) Len() int {
	if c == nil || c.timer {
		return 0
	}
	return c.count
}

// Cap returns the channel's capacity, as cap(ch).
func (c *Chan[T]) Cap() int {
	if c == nil || c.timer {
		return 0
	}
	return c.cap
}

func (c *Chan[T]) push(v T) {
	if c.count == len(c.buf) {
		grown := make([]T, max(1, 2*len(c.buf)))
		for i := 0; i < c.count; i++ {
			grown[i] = c.buf[(c.head+i)%len(c.buf)]
		}
		c.buf, c.head = grown, 0
	}
	c.buf[(c.head+c.count)%len(c.buf)] = v
	c.count++
}

func (c *Chan[T]) pop() T {
	var zero T
	v := c.buf[c.head]
	c.buf[c.head] = zero
	c.head = (c.head + 1) % len(c.buf)
	c.count--
	return v
}

// Send sends v, as ch <- v: it hands v to a waiting receiver, else buffers
// it, else blocks. Sending on a closed channel panics; on a nil channel it
// blocks forever.
func (c *Chan[T]) Send(v T, pos Pos) {
	rt, gg := enter(pos)
	if c == nil {
		rt.park(gg, Event{Kind: KindSendBlock, G: gg.id, Pos: pos}, WaitChanSendNil, 0)
		return
	}
	rt.raceMem(c.id, gg.id, false, pos, rt.log.n) // the send's event is next
	if c.trySend(rt, gg, v, pos) {
		return
	}
	s := c.getSudog(gg)
	s.val = v
	c.sendq.enqueue(s)
	e := Event{Kind: KindSendBlock, G: gg.id, Obj: c.id, Pos: pos}
	e.VK, e.Val = encode(rt.log, v)
	rt.park(gg, e, WaitChanSend, c.id)
	closed := s.closed
	c.putSudog(s)
	if closed {
		panic(errSendClosed)
	}
}

// trySend completes a send at once if it can, recording it.
func (c *Chan[T]) trySend(rt *runtime, gg *g, v T, pos Pos) bool {
	if c.closed {
		panic(errSendClosed)
	}
	if s := c.recvq.dequeue(); s != nil {
		rt.raceHandoff(c.id, c.cap, gg.id, s.g.id)
		recordVal(rt, Event{Kind: KindSend, G: gg.id, Obj: c.id, Peer: s.g.id, Pos: pos}, v)
		c.completeRecv(rt, s, v, true, gg.id)
		return true
	}
	if c.count < c.cap {
		rt.raceSend(c.id, c.cap, c.count, gg.id)
		c.push(v)
		recordVal(rt, Event{Kind: KindSend, G: gg.id, Obj: c.id, Pos: pos, Fx: FxPush}, v)
		return true
	}
	return false
}

// completeRecv finishes the blocked receive s with value v and readies its goroutine.
func (c *Chan[T]) completeRecv(rt *runtime, s *sudog[T], v T, ok bool, by int32) {
	rg := s.g
	e := Event{Kind: KindRecvDone, G: rg.id, Obj: c.id, Peer: by, Pos: rg.pos}
	if ok {
		e.Flag = 1
	}
	if s.sel {
		if s.dst != nil {
			*s.dst = v
		}
		if s.okDst != nil {
			*s.okDst = ok
		}
		rt.fireSelect(rg, s.idx)
	} else {
		s.val, s.ok = v, ok
	}
	recordVal(rt, e, v)
	rt.ready(rg)
}

// completeSend finishes the blocked send s, whose value was taken by by (or
// which close woke), and readies its goroutine. fx says where the value
// went: FxPush when it took a buffer slot rather than a receiver.
func (c *Chan[T]) completeSend(rt *runtime, s *sudog[T], by int32, closed bool, fx Effect) {
	sg := s.g
	e := Event{Kind: KindSendDone, G: sg.id, Obj: c.id, Peer: by, Pos: sg.pos, Fx: fx}
	if !closed {
		e.VK, e.Val = encode(rt.log, s.val)
	}
	if s.sel {
		sg.closed = closed
		rt.fireSelect(sg, s.idx) // recycles s
	} else {
		s.closed = closed
	}
	rt.record(e)
	rt.ready(sg)
}

// Recv receives a value, as v, ok := <-ch: from the buffer, else from a
// waiting sender, else the zero value and false if the channel is closed,
// else it blocks. Receiving from a nil channel blocks forever.
func (c *Chan[T]) Recv(pos Pos) (T, bool) {
	rt, gg := enter(pos)
	if c == nil {
		rt.park(gg, Event{Kind: KindRecvBlock, G: gg.id, Pos: pos}, WaitChanReceiveNil, 0)
		var zero T
		return zero, false
	}
	if v, ok, done := c.tryRecv(rt, gg, pos); done {
		return v, ok
	}
	s := c.getSudog(gg)
	c.recvq.enqueue(s)
	rt.park(gg, Event{Kind: KindRecvBlock, G: gg.id, Obj: c.id, Pos: pos}, WaitChanReceive, c.id)
	v, ok := s.val, s.ok
	c.putSudog(s)
	return v, ok
}

// tryRecv completes a receive at once if it can, recording it.
func (c *Chan[T]) tryRecv(rt *runtime, gg *g, pos Pos) (v T, ok, done bool) {
	if c.count > 0 {
		v = c.pop()
		rt.raceRecv(c.id, c.cap, c.count, gg.id)
		recordVal(rt, Event{Kind: KindRecv, G: gg.id, Obj: c.id, Pos: pos, Flag: 1, Fx: FxPop}, v)
		// A waiting sender's value takes the freed slot.
		if c.count < c.cap {
			if s := c.sendq.dequeue(); s != nil {
				rt.raceSend(c.id, c.cap, c.count, s.g.id)
				c.push(s.val)
				c.completeSend(rt, s, gg.id, false, FxPush)
			}
		}
		return v, true, true
	}
	if s := c.sendq.dequeue(); s != nil {
		v = s.val
		rt.raceHandoff(c.id, c.cap, s.g.id, gg.id)
		recordVal(rt, Event{Kind: KindRecv, G: gg.id, Obj: c.id, Peer: s.g.id, Pos: pos, Flag: 1}, v)
		c.completeSend(rt, s, gg.id, false, 0)
		return v, true, true
	}
	if c.closed {
		rt.raceAcquire(c.id, gg.id)
		rt.record(Event{Kind: KindRecv, G: gg.id, Obj: c.id, Pos: pos})
		return v, false, true
	}
	return v, false, false
}

// Recv1 receives a value, as <-ch used for its value alone.
func (c *Chan[T]) Recv1(pos Pos) T {
	v, _ := c.Recv(pos)
	return v
}

// Range returns the values received until the channel is closed, as
// for v := range ch.
func (c *Chan[T]) Range(pos Pos) iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			v, ok := c.Recv(pos)
			if !ok || !yield(v) {
				return
			}
		}
	}
}

// Close closes the channel, as close(ch): waiting receivers get the zero
// value, waiting senders panic. Closing a nil or closed channel panics.
func (c *Chan[T]) Close(pos Pos) {
	rt, gg := enter(pos)
	if c == nil {
		panic(errCloseNil)
	}
	if c.closed {
		panic(errCloseClosed)
	}
	c.close(rt, gg.id, pos)
}

// close closes c on behalf of goroutine by (0: the runtime, e.g. a context's
// deadline) and wakes everyone waiting, receivers first, as Go's closechan.
func (c *Chan[T]) close(rt *runtime, by int32, pos Pos) {
	c.closed = true
	rt.record(Event{Kind: KindClose, G: by, Obj: c.id, Pos: pos})
	rt.raceMem(c.id, by, true, pos, rt.log.n-1)
	rt.raceRelease(c.id, by)
	var zero T
	for s := c.recvq.dequeue(); s != nil; s = c.recvq.dequeue() {
		rt.raceAcquire(c.id, s.g.id)
		c.completeRecv(rt, s, zero, false, by)
	}
	for s := c.sendq.dequeue(); s != nil; s = c.sendq.dequeue() {
		rt.raceAcquire(c.id, s.g.id)
		c.completeSend(rt, s, by, true, 0)
	}
}

// resize sets the capacity (an intervention). Growing lets waiting senders
// into the new room; shrinking keeps the buffered values and refuses new ones
// until the count drops below the new capacity.
func (c *Chan[T]) resize(rt *runtime, n int) {
	c.cap = n
	rt.record(Event{Kind: KindResize, Obj: c.id, VK: ValInt, Val: uint64(n)})
	for c.count < c.cap {
		s := c.sendq.dequeue()
		if s == nil {
			break
		}
		rt.raceSend(c.id, c.cap, c.count, s.g.id)
		c.push(s.val)
		c.completeSend(rt, s, 0, false, FxPush)
	}
}

// RecvCase is a receive case of a select. After Select returns its index,
// V and OK hold what it received, as in case v, ok := <-ch.
type RecvCase[T any] struct {
	V  T
	OK bool
	c  *Chan[T]
}

// Recv makes a receive case on c. Build the cases of one select in source
// order: that is the order the spec evaluates their channels and values in.
func Recv[T any](c *Chan[T]) *RecvCase[T] { return &RecvCase[T]{c: c} }

// SendCase is a send case of a select.
type SendCase[T any] struct {
	c *Chan[T]
	v T
}

// Send makes a send case that sends v (already evaluated) on c if it fires.
func Send[T any](c *Chan[T], v T) *SendCase[T] { return &SendCase[T]{c: c, v: v} }

// SelectSend makes a send case that sends v on c, as Send does; v is
// assigned to c's element type, as in case c <- v, where Send's type
// inference would refuse an int for a chan any.
func (c *Chan[T]) SelectSend(v T) *SendCase[T] { return &SendCase[T]{c: c, v: v} }

func (rc *RecvCase[T]) channel() (int32, bool) { return rc.c.ID(), rc.c != nil }
func (rc *RecvCase[T]) send() bool             { return false }

func (rc *RecvCase[T]) ready() bool {
	c := rc.c
	return c != nil && (c.count > 0 || c.sendq.first != nil || c.closed)
}

func (rc *RecvCase[T]) complete(rt *runtime, gg *g, pos Pos) {
	rc.V, rc.OK, _ = rc.c.tryRecv(rt, gg, pos)
}

func (rc *RecvCase[T]) park(rt *runtime, gg *g, idx int) waiter {
	s := rc.c.getSudog(gg)
	s.sel, s.idx, s.dst, s.okDst = true, idx, &rc.V, &rc.OK
	rc.c.recvq.enqueue(s)
	return s
}

func (rc *RecvCase[T]) fired(gg *g) {}

func (sc *SendCase[T]) channel() (int32, bool) { return sc.c.ID(), sc.c != nil }
func (sc *SendCase[T]) send() bool             { return true }

func (sc *SendCase[T]) ready() bool {
	c := sc.c
	return c != nil && (c.closed || c.recvq.first != nil || c.count < c.cap)
}

func (sc *SendCase[T]) complete(rt *runtime, gg *g, pos Pos) {
	rt.raceMem(sc.c.id, gg.id, false, pos, rt.log.n) // the send's event is next
	sc.c.trySend(rt, gg, sc.v, pos)
}

func (sc *SendCase[T]) park(rt *runtime, gg *g, idx int) waiter {
	s := sc.c.getSudog(gg)
	s.sel, s.idx, s.val = true, idx, sc.v
	sc.c.sendq.enqueue(s)
	return s
}

func (sc *SendCase[T]) fired(gg *g) {
	if gg.closed {
		gg.closed = false
		panic(errSendClosed)
	}
}
