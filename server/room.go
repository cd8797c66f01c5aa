package server

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/concviz/concviz/engine"
)

// Rooms (PROTOCOL.md, "Rooms: a presenter drives, a class follows").
const (
	defaultMaxRooms   = 1000
	defaultMaxViewers = 2000
	defaultRoomIdle   = 2 * time.Hour
	maxStep           = 1_000_000_000
	maxSpeed          = 120
	// roomFailLimit failed room messages (an unknown code, a wrong secret)
	// in roomFailWindow on one connection, and it must wait: a code is
	// short enough to read out in a classroom, so guessing must be slow.
	roomFailLimit  = 5
	roomFailWindow = time.Minute
)

// codeAlphabet is Crockford's base32: without I, L, O and U, a code read
// off a projector or said aloud survives.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// codeLen characters of 5 bits: 40 random bits per code.
const codeLen = 8

// newCode returns a random room code.
func newCode() (string, error) {
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("room code: %w", err)
	}
	v := uint64(b[0])<<32 | uint64(b[1])<<24 | uint64(b[2])<<16 | uint64(b[3])<<8 | uint64(b[4])
	out := make([]byte, codeLen)
	for i := codeLen - 1; i >= 0; i-- {
		out[i] = codeAlphabet[v&31]
		v >>= 5
	}
	return string(out), nil
}

// newSecret returns 128 random bits in hex: what proves a message comes
// from a room's presenter.
func newSecret() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("room secret: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// normalizeCode reads a code as a person types it: any case, with dashes
// and spaces, I and L for 1, O for 0. It reports false for anything that
// is not then 8 characters of the alphabet.
func normalizeCode(s string) (string, bool) {
	if len(s) > 4*codeLen {
		return "", false
	}
	out := make([]byte, 0, codeLen)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == ' ':
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		switch c {
		case 'I', 'L':
			c = '1'
		case 'O':
			c = '0'
		}
		if strings.IndexByte(codeAlphabet, c) < 0 {
			return "", false
		}
		out = append(out, c)
	}
	if len(out) != codeLen {
		return "", false
	}
	return string(out), true
}

// slot holds the latest message of one kind for one client. A newer
// message replaces an unsent older one, so a slow reader skips to the
// newest instead of queueing, and offering never blocks, whoever reads
// slowly: the write pump takes the message when ready signals.
type slot struct {
	mu    sync.Mutex
	msg   []byte
	ready chan struct{} // capacity 1: msg may hold something
}

// offer replaces the slot's message and wakes the write pump.
func (sl *slot) offer(b []byte) {
	sl.mu.Lock()
	sl.msg = b
	sl.mu.Unlock()
	select {
	case sl.ready <- struct{}{}:
	default: // already signalled; the pump will take the newest bytes
	}
}

// take empties the slot and returns what it held, nil if nothing.
func (sl *slot) take() []byte {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	b := sl.msg
	sl.msg = nil
	return b
}

// clear drops an unsent message; a stale signal then takes nil.
func (sl *slot) clear() { sl.take() }

// roomRegistry holds the open rooms by code.
type roomRegistry struct {
	idle       time.Duration
	maxRooms   int
	maxViewers int

	mu     sync.Mutex
	byCode map[string]*room
	byHost map[string]int // open rooms by the address of the machine that opened them
	closed bool           // the server is shutting down: no new rooms
}

// maxRoomsPerHost keeps one machine from taking every room: a presenter
// needs one or two, a script opening rooms in a loop gets busy early.
const maxRoomsPerHost = 20

func newRoomRegistry(idle time.Duration, maxRooms, maxViewers int) *roomRegistry {
	return &roomRegistry{idle: idle, maxRooms: maxRooms, maxViewers: maxViewers, byCode: map[string]*room{}, byHost: map[string]int{}}
}

// room is one presenter's view relayed to its viewers.
type room struct {
	code, secret string // fixed at creation
	host         string // the address that opened the room
	reg          *roomRegistry
	timer        *time.Timer // fires at the idle deadline, or earlier and re-arms

	mu        sync.Mutex
	scenario  string    // the latest view's scenario, where /r/CODE leads
	deadline  time.Time // the room expires here unless its presenter acts
	seq       int64
	latest    []byte // the latest view message, exactly as every viewer gets it
	closedMsg []byte // the room.closed message, once closed
	viewers   map[*session]struct{}
	presenter *session // where viewer counts go; nil while no connection holds the seat
	closed    bool
}

// open creates a room for scenario, opened from host.
func (g *roomRegistry) open(scenario, host string) (*room, *protoError) {
	secret, err := newSecret()
	if err != nil {
		return nil, badf("internal", "%v", err)
	}
	for range 10 { // a collision in 40 bits among at most a few thousand rooms is rare
		code, err := newCode()
		if err != nil {
			return nil, badf("internal", "%v", err)
		}
		g.mu.Lock()
		if g.closed {
			g.mu.Unlock()
			return nil, badf("busy", "the server is shutting down")
		}
		if len(g.byCode) >= g.maxRooms {
			g.mu.Unlock()
			return nil, badf("busy", "the server holds its maximum of %d rooms: try again later", g.maxRooms)
		}
		if g.byHost[host] >= maxRoomsPerHost {
			g.mu.Unlock()
			return nil, badf("busy", "this computer already has %d rooms open: stop presenting one first", maxRoomsPerHost)
		}
		if _, taken := g.byCode[code]; taken {
			g.mu.Unlock()
			continue
		}
		r := &room{code: code, secret: secret, host: host, reg: g, scenario: scenario,
			deadline: time.Now().Add(g.idle), viewers: map[*session]struct{}{}}
		// One timer per room and no goroutine: it runs only when it fires.
		r.timer = time.AfterFunc(g.idle, r.expire)
		g.byCode[code] = r
		g.byHost[host]++
		g.mu.Unlock()
		return r, nil
	}
	return nil, badf("busy", "no free room code: try again")
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
		if g.byHost[r.host]--; g.byHost[r.host] <= 0 {
			delete(g.byHost, r.host)
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
	g.remove(r)
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
	clear(g.byCode)
	g.mu.Unlock()
	for _, r := range all {
		g.close(r, reason)
	}
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
	if d := time.Until(r.deadline); d > 0 {
		r.timer.Reset(d)
		r.mu.Unlock()
		return
	}
	r.closeLocked("expired")
	r.mu.Unlock()
	r.reg.remove(r)
}

// closeLocked tells the viewers and the presenter's connection that the
// room has ended. room.closed replaces whatever view or count they have
// not been sent yet: nothing about the room matters after it.
func (r *room) closeLocked(reason string) {
	r.closed = true
	r.timer.Stop()
	b, err := json.Marshal(roomClosedMessage{Type: "room.closed", Code: r.code, Reason: reason})
	if err != nil {
		return // cannot happen: the message is strings only
	}
	r.closedMsg = b
	for v := range r.viewers {
		v.views.offer(b)
	}
	if r.presenter != nil {
		r.presenter.counts.offer(b)
	}
	r.latest = nil
}

// touchLocked records presenter activity.
func (r *room) touchLocked() { r.deadline = time.Now().Add(r.reg.idle) }

// countChangedLocked tells the presenter's connection how many follow.
func (r *room) countChangedLocked() {
	if r.presenter == nil || r.closed {
		return
	}
	b, err := json.Marshal(viewersMessage{Type: "viewers", Code: r.code, Count: len(r.viewers)})
	if err == nil {
		r.presenter.counts.offer(b)
	}
}

// publish relays v to every viewer. The message is marshalled once and the
// same bytes offered to each viewer's slot, which never blocks; holding
// the lock keeps every viewer's views in seq order.
func (r *room) publish(v viewField) *protoError {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return badf("unknown_room", "room %s has closed", r.code)
	}
	b, err := json.Marshal(viewMessage{Type: "view", Code: r.code, Seq: r.seq + 1, View: v})
	if err != nil {
		return badf("internal", "encode view: %v", err)
	}
	r.seq++
	r.latest = b
	r.scenario = v.Scenario
	r.touchLocked()
	for s := range r.viewers {
		s.views.offer(b)
	}
	return nil
}

// currentScenario is where the room's join link leads.
func (r *room) currentScenario() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.scenario
}

// join makes s a viewer and queues the room reply; resyncViewer then
// gives it the latest view.
func (r *room) join(s *session) *protoError {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return badf("unknown_room", "room %s has closed", r.code)
	}
	if _, ok := r.viewers[s]; !ok {
		if len(r.viewers) >= r.reg.maxViewers {
			return badf("busy", "room %s holds its maximum of %d viewers", r.code, r.reg.maxViewers)
		}
		r.viewers[s] = struct{}{}
		r.countChangedLocked()
	}
	s.enqueue(roomMessage{Type: "room", Code: r.code, Role: "viewer", URL: s.joinURL(r.code),
		Viewers: len(r.viewers), IdleMillis: r.reg.idle.Milliseconds()})
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
		s.views.offer(r.closedMsg)
	case r.latest != nil:
		s.views.offer(r.latest)
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
	r.countChangedLocked()
}

// seat makes s the presenter's connection, where viewer counts go, and
// queues the room reply; it returns the count the reply carries.
func (r *room) seat(s *session) (int, *protoError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, badf("unknown_room", "room %s has closed", r.code)
	}
	r.presenter = s
	r.touchLocked()
	n := len(r.viewers)
	s.enqueue(roomMessage{Type: "room", Code: r.code, Role: "presenter", Secret: r.secret, URL: s.joinURL(r.code),
		Viewers: n, IdleMillis: r.reg.idle.Milliseconds()})
	return n, nil
}

// resyncPresenter sets s's count slot for r once s's former room can no
// longer offer to it: empty if the room reply's count still holds.
func (r *room) resyncPresenter(s *session, replied int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.presenter != s {
		return // claimed from elsewhere meanwhile
	}
	switch {
	case r.closed:
		s.counts.offer(r.closedMsg)
	case len(r.viewers) != replied:
		r.countChangedLocked()
	default:
		s.counts.clear()
	}
}

// unseat stops sending r's viewer counts to s, if they still go there.
func (r *room) unseat(s *session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.presenter == s {
		r.presenter = nil
	}
}

// failWindow remembers a connection's failed room messages of the last
// roomFailWindow.
type failWindow struct{ times []time.Time }

func (f *failWindow) prune(now time.Time) {
	i := 0
	for i < len(f.times) && now.Sub(f.times[i]) >= roomFailWindow {
		i++
	}
	f.times = f.times[i:]
}

// full reports whether the connection must wait before naming rooms again.
func (f *failWindow) full(now time.Time) bool {
	f.prune(now)
	return len(f.times) >= roomFailLimit
}

func (f *failWindow) add(now time.Time) { f.times = append(f.times, now) }

// joinURL is the link a room's viewers open.
func (s *session) joinURL(code string) string { return s.joinBase + "r/" + code }

// checkRateLimit refuses a room message while the connection has failed too often.
func (s *session) checkRateLimit(now time.Time) *protoError {
	if s.failures.full(now) {
		return badf("rate_limited", "more than %d unknown rooms or wrong secrets in a minute: wait", roomFailLimit)
	}
	return nil
}

// findRoom returns the open room m names, counting a miss as a failure.
func (s *session) findRoom(m *clientMessage, now time.Time) (*room, *protoError) {
	if perr := s.checkRateLimit(now); perr != nil {
		return nil, perr
	}
	r := s.srv.rooms.lookup(m.Code)
	if r == nil {
		s.failures.add(now)
		return nil, badf("unknown_room", "no open room has the code %q", m.Code)
	}
	return r, nil
}

// authorize returns the room m names if m carries its secret. Every room
// message naming an unknown room or a wrong secret counts towards the
// rate limit, so none of them can test codes faster than follow can.
func (s *session) authorize(m *clientMessage) (*room, *protoError) {
	now := time.Now()
	r, perr := s.findRoom(m, now)
	if perr != nil {
		return nil, perr
	}
	if subtle.ConstantTimeCompare([]byte(m.Secret), []byte(r.secret)) != 1 {
		s.failures.add(now)
		return nil, badf("not_presenter", "that is not room %s's secret", r.code)
	}
	return r, nil
}

// present opens a room with this connection as its presenter.
func (s *session) present(m *clientMessage) {
	if m.Scenario == "" {
		s.sendError(badf("bad_field", "present needs a \"scenario\""), m)
		return
	}
	sc, ok := s.srv.lookup(m.Scenario)
	if !ok || sc.Program.Main == nil {
		s.sendError(badf("unknown_scenario", "no scenario %q", m.Scenario), m)
		return
	}
	r, perr := s.srv.rooms.open(sc.ID, remoteHost(s.conn.RemoteAddr()))
	if perr != nil {
		s.sendError(perr, m)
		return
	}
	s.takeSeat(r, m)
}

// claim makes this connection the presenter's again, e.g. after a reload.
func (s *session) claim(m *clientMessage) {
	r, perr := s.authorize(m)
	if perr != nil {
		s.sendError(perr, m)
		return
	}
	s.takeSeat(r, m)
}

// takeSeat moves r's presenter seat here. A connection holds one seat:
// its former room stays open, for a claim from elsewhere, until it expires.
func (s *session) takeSeat(r *room, m *clientMessage) {
	n, perr := r.seat(s)
	if perr != nil {
		s.sendError(perr, m)
		return
	}
	if old := s.presenting; old != nil && old != r {
		old.unseat(s)
	}
	s.presenting = r
	r.resyncPresenter(s, n)
}

// publish relays the presenter's view, checked and re-encoded.
func (s *session) publish(m *clientMessage) {
	r, perr := s.authorize(m)
	if perr != nil {
		s.sendError(perr, m)
		return
	}
	v, perr := s.srv.validateView(m.View)
	if perr != nil {
		s.sendError(perr, m)
		return
	}
	if perr := r.publish(v); perr != nil {
		s.sendError(perr, m)
	}
}

// follow makes this connection a viewer of the room m names, leaving the
// room it followed before; a refused follow changes nothing.
func (s *session) follow(m *clientMessage) {
	r, perr := s.findRoom(m, time.Now())
	if perr != nil {
		s.sendError(perr, m)
		return
	}
	if perr := r.join(s); perr != nil {
		s.sendError(perr, m)
		return
	}
	if old := s.following; old != nil && old != r {
		old.leave(s)
	}
	s.following = r
	r.resyncViewer(s)
}

// unfollow stops following, dropping any view not yet sent.
func (s *session) unfollow() {
	if s.following == nil {
		return
	}
	s.following.leave(s)
	s.following = nil
	s.views.clear()
}

// closeRoom ends the room for everyone.
func (s *session) closeRoom(m *clientMessage) {
	r, perr := s.authorize(m)
	if perr != nil {
		s.sendError(perr, m)
		return
	}
	if !s.srv.rooms.close(r, "closed") {
		s.sendError(badf("unknown_room", "room %s has closed", r.code), m)
	}
}

// leaveRooms runs when the connection ends: it stops following, and the
// room it presents keeps going without it until claimed or expired.
func (s *session) leaveRooms() {
	if s.following != nil {
		s.following.leave(s)
		s.following = nil
	}
	if s.presenting != nil {
		s.presenting.unseat(s)
		s.presenting = nil
	}
}

// validateView checks a view as a run is checked, plus the step and speed,
// and returns the form the server relays.
func (s *Server) validateView(v *viewInput) (viewField, *protoError) {
	if v == nil {
		return viewField{}, badf("bad_field", "view needs a \"view\"")
	}
	if v.Scenario == "" {
		return viewField{}, badf("bad_field", "a view needs a \"scenario\"")
	}
	req, _, perr := s.validate(&clientMessage{Type: "run", Scenario: v.Scenario, Knobs: v.Knobs, Caps: v.Caps,
		Seed: v.Seed, Policy: v.Policy, Interventions: v.Interventions})
	if perr != nil {
		return viewField{}, perr
	}
	if v.Step < 0 || v.Step > maxStep {
		return viewField{}, badf("bad_field", "step must be between 0 and %d, not %d", maxStep, v.Step)
	}
	if v.Speed < 1 || v.Speed > maxSpeed {
		return viewField{}, badf("bad_field", "speed must be between 1 and %d steps a second, not %d", maxSpeed, v.Speed)
	}
	out := viewField{Scenario: req.Scenario, Seed: req.Seed, Policy: req.Policy, Knobs: req.Knobs, Caps: req.Caps,
		Interventions: req.Interventions, Step: v.Step, Playing: v.Playing, Speed: v.Speed}
	// Every field present, so a viewer never has to guess a default.
	if out.Knobs == nil {
		out.Knobs = map[string]int64{}
	}
	if out.Caps == nil {
		out.Caps = map[string]int{}
	}
	if out.Interventions == nil {
		out.Interventions = []engine.InterventionSpec{}
	}
	return out, nil
}

// serveRoomLink sends a join link's visitor to the room's scenario page,
// which follows the room.
func (s *Server) serveRoomLink(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("code")
	w.Header().Set("Cache-Control", "no-store") // the room's scenario changes, and rooms end
	rm := s.rooms.lookup(raw)
	if rm == nil {
		http.Redirect(w, r, "/?missing="+url.QueryEscape(raw), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/s/"+url.PathEscape(rm.currentScenario())+"?follow="+rm.code, http.StatusSeeOther)
}

// serveJoin answers the catalog's "join a room" form.
func (s *Server) serveJoin(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("code")
	w.Header().Set("Cache-Control", "no-store")
	code, ok := normalizeCode(raw)
	if !ok {
		http.Redirect(w, r, "/?missing="+url.QueryEscape(raw), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/r/"+code, http.StatusSeeOther)
}

// remoteHost is the IP of a connection's peer, without the port.
func remoteHost(a net.Addr) string {
	if a == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}
