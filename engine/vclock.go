package engine

// Vector clocks for the race detector (race.go). A clock maps each goroutine
// to the latest of its steps that is known to have happened before: entry i
// is goroutine i+1's. Clocks grow lazily to the highest goroutine they have
// heard of, so a goroutine started by main carries two entries, not one per
// goroutine of the run.

// vclock is a vector clock; a missing entry is 0, "nothing of that goroutine".
type vclock []uint32

// get returns goroutine id's entry.
func (c vclock) get(id int32) uint32 {
	if id < 1 || int(id) > len(c) {
		return 0
	}
	return c[id-1]
}

// raise sets goroutine id's entry to t if t is later.
func (c *vclock) raise(id int32, t uint32) {
	if id < 1 {
		return
	}
	if int(id) > len(*c) {
		c.grow(int(id))
	}
	if (*c)[id-1] < t {
		(*c)[id-1] = t
	}
}

// join makes c the pointwise maximum of c and o: c now knows all o knew.
func (c *vclock) join(o vclock) {
	if len(o) > len(*c) {
		c.grow(len(o))
	}
	maxInto((*c)[:len(o)], o)
}

// maxIntoGo is maxInto in Go, for CPUs without vector instructions and for
// the few entries past the last whole vector.
func maxIntoGo(dst, src []uint32) {
	// Eight at a time, without bounds checks: unrolled, the loop takes a
	// third less time than one entry at a time.
	cc := dst[:len(src)]
	i := 0
	for ; i+8 <= len(src); i += 8 {
		d, s := cc[i:i+8:i+8], src[i:i+8:i+8]
		d[0], d[1], d[2], d[3] = max(d[0], s[0]), max(d[1], s[1]), max(d[2], s[2]), max(d[3], s[3])
		d[4], d[5], d[6], d[7] = max(d[4], s[4]), max(d[5], s[5]), max(d[6], s[6]), max(d[7], s[7])
	}
	for ; i < len(src); i++ {
		cc[i] = max(cc[i], src[i])
	}
}

// set makes c a copy of o, reusing c's storage.
func (c *vclock) set(o vclock) { *c = append((*c)[:0], o...) }

func (c *vclock) grow(n int) {
	if n <= cap(*c) {
		old := len(*c)
		*c = (*c)[:n]
		clear((*c)[old:])
		return
	}
	g := make(vclock, n, max(n, 2*cap(*c)))
	copy(g, *c)
	*c = g
}

// gclock is a goroutine's clock: what it knows of the others (vc) and its
// own current time (own), kept apart so a goroutine with a high id carries
// no entries for the goroutines it never synchronised with. Id 0 is the
// runtime's timer context: what fires a timer knows what set it.
type gclock struct {
	id  int32
	own uint32
	vc  vclock
}

// knows reports whether the access of goroutine id at time t happened
// before c's present.
func (c *gclock) knows(id int32, t uint32) bool {
	if id == c.id {
		return true
	}
	return t <= c.vc.get(id)
}

// releaseTo adds what c knows, its own time included, to the sync clock l,
// then starts a new time of c's, so c's later steps are not covered by it.
func (c *gclock) releaseTo(l *vclock) {
	l.join(c.vc)
	if c.id > 0 {
		l.raise(c.id, c.own)
		c.own++
	}
}

// acquire adds what the sync clock l knows to c.
func (c *gclock) acquire(l vclock) { c.vc.join(l) }

// storeIn makes s what c knows, its own time included, reusing s's
// storage, and returns it.
func (c *gclock) storeIn(s vclock) vclock {
	s.set(c.vc)
	s.raise(c.id, c.own)
	return s
}

// slotQueue is a queue of a buffered channel's slot clocks, in a ring: a
// slot's clock moves between the full and the free queue and keeps its
// storage, so a channel's steady traffic allocates nothing.
type slotQueue struct {
	ring    []vclock
	head, n int
}

func (q *slotQueue) popFront() vclock {
	c := q.ring[q.head]
	q.ring[q.head] = nil
	q.head = (q.head + 1) % len(q.ring)
	q.n--
	return c
}

func (q *slotQueue) pushBack(c vclock) {
	q.grow()
	q.ring[(q.head+q.n)%len(q.ring)] = c
	q.n++
}

func (q *slotQueue) pushFront(c vclock) {
	q.grow()
	q.head = (q.head - 1 + len(q.ring)) % len(q.ring)
	q.ring[q.head] = c
	q.n++
}

// grow makes room for one more slot.
func (q *slotQueue) grow() {
	if q.n < len(q.ring) {
		return
	}
	r := make([]vclock, max(4, 2*len(q.ring)))
	for i := range q.n {
		r[i] = q.ring[(q.head+i)%len(q.ring)]
	}
	q.ring, q.head = r, 0
}
