package engine

// Digest is the engine's state at one step in a canonical form: what the
// page folds out of the events, so a test can require the two to agree at
// every step (static/digest.js makes the page's side).
type Digest struct {
	Step int       `json:"step"` // events recorded so far
	Gs   []GDigest `json:"gs"`
	Objs []ODigest `json:"objs"`
}

// GDigest is one goroutine's part of a [Digest].
type GDigest struct {
	ID     int32  `json:"id"`
	State  string `json:"state"`            // "ready" (running or runnable), "blocked" or "done"
	Reason string `json:"reason,omitempty"` // Go's words for why it is blocked
	Line   int    `json:"line,omitempty"`   // the line of its latest event
	Wake   int64  `json:"wake,omitempty"`   // when a sleeping goroutine wakes, in virtual nanoseconds
}

// ODigest is one object's part of a [Digest]: the fields its kind has.
type ODigest struct {
	ID      int32    `json:"id"`
	Buf     []string `json:"buf,omitempty"`     // a channel's buffered values, oldest first, as event values read
	Sendq   []int32  `json:"sendq,omitempty"`   // goroutines waiting to send, in queue order
	Recvq   []int32  `json:"recvq,omitempty"`   // goroutines waiting to receive, in queue order
	Closed  bool     `json:"closed,omitempty"`  // a closed channel
	Holder  int32    `json:"holder,omitempty"`  // the goroutine holding a mutex (the writer of an RWMutex)
	Readers int      `json:"readers,omitempty"` // read locks an RWMutex holds
	Queue   []int32  `json:"queue,omitempty"`   // goroutines waiting for a lock (writers, then readers)
	Count   int      `json:"count,omitempty"`   // a WaitGroup's counter
	Waiters []int32  `json:"waiters,omitempty"` // goroutines in a WaitGroup's or a Cond's Wait
	Fires   int64    `json:"fires,omitempty"`   // when a pending timer or ticker fires next
	Called  bool     `json:"called,omitempty"`  // a Once whose function has been called
	Done    bool     `json:"done,omitempty"`    // a Once whose function has returned
	Value   string   `json:"value,omitempty"`   // a shared variable's or map's latest read or written value, as the event's value reads
	Writer  int32    `json:"writer,omitempty"`  // the goroutine of a shared variable's or map's latest write
}

// digester is an object whose state a Digest shows.
type digester interface{ digest(d *ODigest) }

// takeDigest calls cfg.Digest with the state after rt.log.n events, at
// most once per DigestEvery steps. It runs at a scheduling point (enter),
// where every event recorded so far has had all its effects.
func (rt *runtime) takeDigest(final bool) {
	n := rt.log.n
	if !final && (n < rt.nextDigest || (n == rt.lastDigest && n > 0)) {
		return
	}
	rt.lastDigest = n
	rt.nextDigest = n + max(rt.cfg.DigestEvery, 1)
	// A goroutine's line is that of its latest event, not g.pos: a
	// goroutine preempted at the start of an operation has not done it.
	for ; rt.digested < n; rt.digested++ {
		e := rt.log.At(rt.digested)
		if e.G > 0 && e.Pos > 0 {
			rt.digestPos = append(rt.digestPos, make([]Pos, max(0, int(e.G)-len(rt.digestPos)))...)
			rt.digestPos[e.G-1] = e.Pos
		}
	}
	d := Digest{Step: n, Gs: make([]GDigest, 0, len(rt.gs))}
	for i, gg := range rt.gs {
		gd := GDigest{ID: gg.id, State: "ready"}
		switch {
		case gg.state == gDone || final && rt.endedG(gg):
			gd.State = "done"
		case gg.state == gBlocked:
			gd.State, gd.Reason = "blocked", gg.reason.String()
		}
		if i < len(rt.digestPos) {
			gd.Line = rt.site(rt.digestPos[i]).Line
		}
		d.Gs = append(d.Gs, gd)
	}
	fires := map[int32]int64{}
	for _, t := range rt.timers {
		switch t.kind {
		case timerSleep:
			if t.g.reason == WaitSleep { // an HTTP request's end is not shown
				d.Gs[t.g.id-1].Wake = t.when
			}
		case timerChan, timerFunc:
			fires[t.obj] = t.when
		}
	}
	for i, ref := range rt.objs {
		od := ODigest{ID: int32(i + 1), Fires: fires[int32(i+1)]}
		x, ok := ref.(digester)
		if ok {
			x.digest(&od)
		}
		if v, isVar := ref.(*variable); isVar {
			// Its value is encoded in the run's log, which only rt has.
			od.Value, od.Writer = rt.log.Value(Event{VK: v.vk, Val: v.val}), v.writer
			ok = true
		}
		if k := rt.log.Objects[i].Kind; ok || k == ObjTimer || k == ObjTicker {
			d.Objs = append(d.Objs, od)
		}
	}
	rt.cfg.Digest(d)
}

// endedG reports whether the run's end ended gg: main when it returned,
// every goroutine at os.Exit, the one whose panic ended the run.
func (rt *runtime) endedG(gg *g) bool {
	switch rt.outcome.Kind {
	case OutcomeOK, OutcomeLeak:
		return gg.id == 1 && !rt.mainExited
	case OutcomeExit:
		return true
	case OutcomePanic:
		return gg.id == rt.outcome.G
	}
	return false
}

func (c *Chan[T]) digest(d *ODigest) {
	for i := 0; i < c.count; i++ {
		d.Buf = append(d.Buf, valueText(c.buf[(c.head+i)%len(c.buf)]))
	}
	for s := c.sendq.first; s != nil; s = s.next {
		d.Sendq = append(d.Sendq, s.g.id)
	}
	for s := c.recvq.first; s != nil; s = s.next {
		d.Recvq = append(d.Recvq, s.g.id)
	}
	d.Closed = c.closed
}

func (m *Mutex) digest(d *ODigest) {
	d.Holder = m.holder
	d.Queue = m.waiters.ids(d.Queue)
}

func (m *RWMutex) digest(d *ODigest) {
	d.Holder, d.Readers = m.writer, m.readers
	d.Queue = m.rwaiters.ids(m.wwaiters.ids(d.Queue))
}

func (wg *WaitGroup) digest(d *ODigest) {
	d.Count = wg.n
	for _, w := range wg.waiters {
		d.Waiters = append(d.Waiters, w.id)
	}
}

func (o *Once) digest(d *ODigest) {
	d.Called, d.Done = o.done || o.running, o.done
	d.Queue = o.waiters.ids(d.Queue)
}

func (c *Cond) digest(d *ODigest) { d.Waiters = c.waiters.ids(d.Waiters) }

// ids appends the ids of the queue's goroutines, first to last.
func (q *fifo) ids(to []int32) []int32 {
	for _, gg := range q.items[q.head:] {
		to = append(to, gg.id)
	}
	return to
}

// valueText is a value as Log.Value reads it back from an event, encoded
// into a log of its own so nothing is interned into the run's.
func valueText(v any) string {
	var l Log
	k, bits := encode(&l, v)
	return l.Value(Event{VK: k, Val: bits})
}
