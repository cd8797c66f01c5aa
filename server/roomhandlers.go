package server

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"time"

	"github.com/concviz/concviz/engine"
)

// Views (PROTOCOL.md, "Rooms: a presenter drives, a class follows").
const (
	maxStep  = 1_000_000_000
	maxSpeed = 120
)

// joinURL is the link a room's viewers open.
func (s *session) joinURL(code string) string { return s.joinBase + "r/" + code }

// findRoom returns the open room m names, counting a miss against the
// connection's address. A limited address is refused before the lookup,
// so the refusal says nothing about the code.
func (s *session) findRoom(m *clientMessage, now time.Time) (*room, *protoError) {
	g := s.srv.guesses
	if g.limited(s.addr, now) {
		return nil, g.refusal()
	}
	r := s.srv.rooms.lookup(m.Code)
	if r == nil {
		g.add(s.addr, now)
		return nil, unknownRoom(m.Code)
	}
	return r, nil
}

// authorize returns the room m names if m carries its secret. Every room
// message naming an unknown room or a wrong secret counts towards the
// address's limit, so none of them can test codes faster than follow can.
func (s *session) authorize(m *clientMessage) (*room, *protoError) {
	now := time.Now()
	r, perr := s.findRoom(m, now)
	if perr != nil {
		return nil, perr
	}
	if subtle.ConstantTimeCompare([]byte(m.Secret), []byte(r.secret)) != 1 {
		s.srv.guesses.add(s.addr, now)
		return nil, badf(codeNotPresenter, "that is not room %s's secret", r.code)
	}
	return r, nil
}

// The room handlers below return the refusal, which handle sends.

// present opens a room with this connection as its presenter.
func (s *session) present(m *clientMessage) *protoError {
	if m.Scenario == "" {
		return badf(codeBadField, "present needs a \"scenario\"")
	}
	sc, ok := s.srv.lookup(m.Scenario)
	if !ok || sc.Program.Main == nil {
		return badf(codeUnknownScenario, "no scenario %q", clip(m.Scenario, maxEcho))
	}
	r, perr := s.srv.rooms.open(s.addr)
	if perr != nil {
		return perr
	}
	return s.takeSeat(r)
}

// claim makes this connection the presenter's again, e.g. after a reload.
func (s *session) claim(m *clientMessage) *protoError {
	r, perr := s.authorize(m)
	if perr != nil {
		return perr
	}
	return s.takeSeat(r)
}

// takeSeat moves r's presenter seat here. A connection holds one seat:
// its former room stays open, for a claim from elsewhere, until it expires.
func (s *session) takeSeat(r *room) *protoError {
	if perr := r.seat(s); perr != nil {
		return perr
	}
	if old := s.presenting; old != nil && old != r {
		old.unseat(s)
	}
	s.presenting = r
	r.resyncPresenter(s)
	return nil
}

// publish relays the presenter's view, checked and re-encoded.
func (s *session) publish(m *clientMessage) *protoError {
	r, perr := s.authorize(m)
	if perr != nil {
		return perr
	}
	v, perr := s.srv.validateView(m.View)
	if perr != nil {
		return perr
	}
	return r.publish(v)
}

// follow makes this connection a viewer of the room m names, leaving the
// room it followed before; a refused follow changes nothing.
func (s *session) follow(m *clientMessage) *protoError {
	r, perr := s.findRoom(m, time.Now())
	if perr != nil {
		return perr
	}
	if perr := r.join(s); perr != nil {
		return perr
	}
	if old := s.following; old != nil && old != r {
		old.leave(s)
	}
	s.following = r
	r.resyncViewer(s)
	return nil
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
func (s *session) closeRoom(m *clientMessage) *protoError {
	r, perr := s.authorize(m)
	if perr != nil {
		return perr
	}
	if !s.srv.rooms.close(r, "closed") {
		return unknownRoom(r.code)
	}
	return nil
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
func (s *Server) validateView(v *view) (view, *protoError) {
	if v == nil {
		return view{}, badf(codeBadField, "view needs a \"view\"")
	}
	if v.Scenario == "" {
		return view{}, badf(codeBadField, "a view needs a \"scenario\"")
	}
	req := v.input()
	if _, perr := s.check(&req); perr != nil {
		return view{}, perr
	}
	if v.Step < 0 || v.Step > maxStep {
		return view{}, badf(codeBadField, "step must be between 0 and %d, not %d", maxStep, v.Step)
	}
	if v.Speed < 1 || v.Speed > maxSpeed {
		return view{}, badf(codeBadField, "speed must be between 1 and %d steps a second, not %d", maxSpeed, v.Speed)
	}
	// Every field present, so a viewer never has to guess a default.
	out := view{runFields: runFields{Scenario: req.Program, Seed: &req.Seed, Policy: req.Policy,
		Knobs: req.Knobs, Caps: req.Caps, Interventions: req.Interventions},
		Step: v.Step, Playing: v.Playing, Speed: v.Speed}
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

// countVisit counts a /r/ or /join visit against the visitor's address, or
// answers 429 once the address has used up its lookups.
func (s *Server) countVisit(w http.ResponseWriter, r *http.Request) bool {
	key, now := addrKey(r.RemoteAddr), time.Now()
	if s.guesses.limited(key, now) {
		http.Error(w, s.guesses.refusal().msg+".", http.StatusTooManyRequests)
		return false
	}
	s.guesses.add(key, now)
	return true
}

// missing sends a visitor whose code is not a code to the catalog, which
// says so, naming a short piece of what was typed.
func missing(w http.ResponseWriter, r *http.Request, raw string) {
	http.Redirect(w, r, "/?missing="+url.QueryEscape(clip(raw, maxEcho)), http.StatusSeeOther)
}

// serveRoomLink sends a join link's visitor to a scenario page that
// follows the room; the page moves on to the room's scenario with its
// first view. The answer is the same whether the room is open, closed or
// never was, so only the rate-limited follow can tell.
func (s *Server) serveRoomLink(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !s.countVisit(w, r) {
		return
	}
	raw := r.PathValue("code")
	code, ok := normalizeCode(raw)
	if !ok {
		missing(w, r, raw)
		return
	}
	http.Redirect(w, r, "/s/"+url.PathEscape(s.landing)+"?follow="+code, http.StatusSeeOther)
}

// serveJoin answers the catalog's "join a room" form.
func (s *Server) serveJoin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !s.countVisit(w, r) {
		return
	}
	raw := r.URL.Query().Get("code")
	code, ok := normalizeCode(raw)
	if !ok {
		missing(w, r, raw)
		return
	}
	http.Redirect(w, r, "/r/"+code, http.StatusSeeOther)
}
