package server

import (
	"encoding/json"
	"sync"
	"time"
)

// slot holds the latest message of one kind for one client. A newer
// message replaces an unsent older one, so a slow reader skips to the
// newest instead of queueing, and offering never blocks, whoever reads
// slowly: the write pump takes the message when ready signals.
type slot struct {
	mu    sync.Mutex
	msg   []byte
	from  *room         // the room that offered msg
	ready chan struct{} // capacity 1: msg may hold something
}

// offer replaces the slot's message with b, from room r, and wakes the
// write pump.
func (sl *slot) offer(b []byte, r *room) {
	sl.mu.Lock()
	sl.msg, sl.from = b, r
	sl.mu.Unlock()
	select {
	case sl.ready <- struct{}{}:
	default: // already signalled; the pump will take the newest bytes
	}
}

// holdsOther reports whether the slot holds an unsent message from a room
// other than r.
func (sl *slot) holdsOther(r *room) bool {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	return sl.msg != nil && sl.from != r
}

// take empties the slot and returns what it held, nil if nothing.
func (sl *slot) take() []byte {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	b := sl.msg
	sl.msg, sl.from = nil, nil
	return b
}

// clear drops an unsent message; a stale signal then takes nil.
func (sl *slot) clear() { sl.take() }

// roomRegistry holds the open rooms by code.
type roomRegistry struct {
	lim ClassLimits

	mu     sync.Mutex
	byCode map[string]*room
	byAddr map[string]int // open rooms by the address (addrKey) that opened them
	closed bool           // the server is shutting down: no new rooms
}

func newRoomRegistry(lim ClassLimits) *roomRegistry {
	return &roomRegistry{lim: lim, byCode: map[string]*room{}, byAddr: map[string]int{}}
}

// room is one presenter's view relayed to its viewers.
type room struct {
	code, secret string // fixed at creation
	addr         string // the address (addrKey) that opened the room
	reg          *roomRegistry
	timer        *time.Timer // fires at the deadline, or earlier and re-arms

	mu        sync.Mutex
	active    time.Time // the presenter's last message
	vacant    time.Time // when the presenter's seat emptied; zero while seated
	seq       int64
	latest    []byte // the latest view message, exactly as every viewer gets it
	closedMsg []byte // the room.closed message, once closed
	viewers   map[*session]struct{}
	seats     map[string]int // viewers by address
	presenter *session       // where viewer counts go; nil while no connection holds the seat
	told      bool           // a count has been offered to the presenter since the seat's room reply
	closed    bool
}

// unknownRoom is the answer for a code no open room has, whether it never
// existed or has closed: the two must not be told apart.
func unknownRoom(code string) *protoError {
	if c, ok := normalizeCode(code); ok {
		code = c
	}
	return badf(codeUnknownRoom, "no open room has the code %q", clip(code, maxEcho))
}

// open creates a room, opened from the address addr. Its scenario is
// whatever its views name.
func (g *roomRegistry) open(addr string) (*room, *protoError) {
	secret, err := newSecret()
	if err != nil {
		return nil, badf(codeInternal, "%v", err)
	}
	for range 10 { // a collision in 40 bits among at most a few thousand rooms is rare
		code, err := newCode()
		if err != nil {
			return nil, badf(codeInternal, "%v", err)
		}
		g.mu.Lock()
		if g.closed {
			g.mu.Unlock()
			return nil, badf(codeBusy, "the server is shutting down")
		}
		if len(g.byCode) >= g.lim.Rooms {
			g.mu.Unlock()
			return nil, badf(codeBusy, "the server holds its maximum of %d rooms: try again later", g.lim.Rooms)
		}
		if g.byAddr[addr] >= g.lim.RoomsPerAddr {
			g.mu.Unlock()
			return nil, badf(codeBusy, "this computer already has %d rooms open: stop presenting one first", g.lim.RoomsPerAddr)
		}
		if _, taken := g.byCode[code]; taken {
			g.mu.Unlock()
			continue
		}
		r := &room{code: code, secret: secret, addr: addr, reg: g,
			active: time.Now(), viewers: map[*session]struct{}{}, seats: map[string]int{}}
		// One timer per room and no goroutine: it runs only when it fires.
		r.timer = time.AfterFunc(g.lim.RoomIdle, r.expire)
		g.byCode[code] = r
		g.byAddr[addr]++
		g.mu.Unlock()
		return r, nil
	}
	return nil, badf(codeBusy, "no free room code: try again")
}

// lookup returns the open room a code (as typed) names, or nil.
func (g *roomRegistry) lookup(code string) *room {
	c, ok := normalizeCode(code)
	if !ok {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.byCode[c]
}

// count is how many rooms are open.
func (g *roomRegistry) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.byCode)
}

func (g *roomRegistry) remove(r *room) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.byCode[r.code] == r {
		delete(g.byCode, r.code)
		if g.byAddr[r.addr]--; g.byAddr[r.addr] <= 0 {
			delete(g.byAddr, r.addr)
		}
	}
}

// close ends r for reason; it reports false if r had already ended.
func (g *roomRegistry) close(r *room, reason string) bool {
	r.mu.Lock()
	ok := !r.closed
	if ok {
		r.closeLocked(reason)
	}
	r.mu.Unlock()
	return ok
}

// closeAll ends every room and refuses new ones: the server is shutting down.
func (g *roomRegistry) closeAll(reason string) {
	g.mu.Lock()
	g.closed = true
	all := make([]*room, 0, len(g.byCode))
	for _, r := range g.byCode {
		all = append(all, r)
	}
	g.mu.Unlock()
	for _, r := range all {
		g.close(r, reason)
	}
}

// deadlineLocked is when the room closes unless its presenter acts: the
// idle time after the presenter's last message, or sooner, the grace
// time after its seat emptied.
func (r *room) deadlineLocked() time.Time {
	d := r.active.Add(r.reg.lim.RoomIdle)
	if !r.vacant.IsZero() {
		if g := r.vacant.Add(r.reg.lim.RoomGrace); g.Before(d) {
			d = g
		}
	}
	return d
}

// expire runs when the timer fires. Presenter activity only moves the
// deadline (a view every 100 ms need not touch the timer), so a timer that
// fires early re-arms for what is left.
func (r *room) expire() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	if d := time.Until(r.deadlineLocked()); d > 0 {
		r.timer.Reset(d)
		r.mu.Unlock()
		return
	}
	r.closeLocked("expired")
	r.mu.Unlock()
}

// closeLocked tells the viewers and the presenter's connection that the
// room has ended. room.closed replaces whatever view or count they have
// not been sent yet: nothing about the room matters after it.
func (r *room) closeLocked(reason string) {
	// Out of the registry before anyone is told, so that a client that has
	// read room.closed finds the code unknown. Locks are taken room first,
	// registry second, and the registry never takes a room's.
	r.reg.remove(r)
	r.closed = true
	r.timer.Stop()
	b, err := json.Marshal(roomClosedMessage{Type: "room.closed", Code: r.code, Reason: reason})
	if err != nil {
		return // cannot happen: the message is strings only
	}
	r.closedMsg = b
	for v := range r.viewers {
		v.views.offer(b, r)
	}
	if r.presenter != nil {
		r.presenter.counts.offer(b, r)
	}
	r.latest = nil
}

// countChangedLocked tells the presenter's connection how many follow.
func (r *room) countChangedLocked() {
	if r.presenter == nil || r.closed {
		return
	}
	b, err := json.Marshal(viewersMessage{Type: "viewers", Code: r.code, Count: len(r.viewers)})
	if err == nil {
		r.presenter.counts.offer(b, r)
		r.told = true
	}
}

// publish relays v to every viewer. The message is marshalled once and the
// same bytes offered to each viewer's slot, which never blocks; holding
// the lock keeps every viewer's views in seq order.
func (r *room) publish(v view) *protoError {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return unknownRoom(r.code)
	}
	b, err := json.Marshal(viewMessage{Type: "view", Code: r.code, Seq: r.seq + 1, View: v})
	if err != nil {
		return badf(codeInternal, "encode view: %v", err)
	}
	r.seq++
	r.latest = b
	r.active = time.Now()
	for s := range r.viewers {
		s.views.offer(b, r)
	}
	return nil
}

// join makes s a viewer and queues the room reply; resyncViewer then
// gives it the latest view.
func (r *room) join(s *session) *protoError {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return unknownRoom(r.code)
	}
	if _, ok := r.viewers[s]; !ok {
		if len(r.viewers) >= r.reg.lim.Viewers {
			return badf(codeBusy, "room %s holds its maximum of %d viewers", r.code, r.reg.lim.Viewers)
		}
		if r.seats[s.addr] >= r.reg.lim.SeatsPerAddr {
			return badf(codeBusy, "room %s already has %d viewers from this address", r.code, r.reg.lim.SeatsPerAddr)
		}
		r.viewers[s] = struct{}{}
		r.seats[s.addr]++
		r.countChangedLocked()
	}
	s.enqueue(roomMessage{Type: "room", Code: r.code, Role: "viewer", URL: s.joinURL(r.code),
		Viewers: len(r.viewers), IdleMillis: r.reg.lim.RoomIdle.Milliseconds()})
	return nil
}

// resyncViewer sets s's view slot to what the room shows now. A session
// switching rooms runs it once the old room can no longer offer to the
// slot, so nothing of the old room follows the new room's reply.
func (r *room) resyncViewer(s *session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.closed:
		s.views.offer(r.closedMsg, r)
	case r.latest != nil:
		s.views.offer(r.latest, r)
	default:
		s.views.clear()
	}
}

// leave stops sending r's views to s.
func (r *room) leave(s *session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.viewers[s]; !ok {
		return
	}
	delete(r.viewers, s)
	if r.seats[s.addr]--; r.seats[s.addr] <= 0 {
		delete(r.seats, s.addr)
	}
	r.countChangedLocked()
}

// seat makes s the presenter's connection, where viewer counts go, and
// queues the room reply with the count of viewers.
func (r *room) seat(s *session) *protoError {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return unknownRoom(r.code)
	}
	r.presenter = s
	r.told = false
	r.active = time.Now()
	r.vacant = time.Time{}
	s.enqueue(roomMessage{Type: "room", Code: r.code, Role: "presenter", Secret: r.secret, URL: s.joinURL(r.code),
		Viewers: len(r.viewers), IdleMillis: r.reg.lim.RoomIdle.Milliseconds()})
	return nil
}

// resyncPresenter sets s's count slot for r once s's former room can no
// longer offer to it. A count of that room still unsent is dropped (the
// page reads only its own room's counts), and r's latest count, which it
// may have replaced, offered again; a count of r's own, sent or not, is
// left alone: the page has it, or will, and once is enough.
func (r *room) resyncPresenter(s *session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.presenter != s {
		return // claimed from elsewhere meanwhile
	}
	switch {
	case r.closed:
		s.counts.offer(r.closedMsg, r)
	case !s.counts.holdsOther(r):
		// r's own count, or nothing, is in the slot: nothing is stale.
	case r.told:
		r.countChangedLocked()
	default:
		s.counts.clear() // the room reply's count holds
	}
}

// unseat stops sending r's viewer counts to s, if they still go there; the
// room then closes after the grace time unless a claim seats a presenter.
func (r *room) unseat(s *session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.presenter != s || r.closed {
		return
	}
	r.presenter = nil
	r.vacant = time.Now()
	r.timer.Reset(time.Until(r.deadlineLocked()))
}
