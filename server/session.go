package server

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/concviz/concviz/engine"
)

// Connection timing, as in gorilla/websocket's chat example.
const (
	writeWait  = 10 * time.Second
	pongWait   = 60 * time.Second
	pingPeriod = pongWait * 9 / 10
	// defaultSendQueue bounds the messages waiting for a slow client; past
	// it the client is cut off and resumes with "from".
	defaultSendQueue = 256
	// maxBatch is the most events one events message carries.
	maxBatch = 1000
)

// CloseSlowClient is the close code sent to a client that fell too far
// behind; it reconnects and asks for the run again with "from".
const CloseSlowClient = 4001

// session is one browser page's WebSocket: one reader (the connection's
// goroutine), one writer, and at most one run at a time.
type session struct {
	srv  *Server
	conn *websocket.Conn
	send chan []byte

	overflow     chan struct{} // closed when the send queue overflowed
	overflowOnce sync.Once
	done         chan struct{} // closed when the session ends

	ctx       context.Context // ends with the connection or the server
	mu        sync.Mutex
	runCancel context.CancelFunc
	runs      sync.WaitGroup
	bucket    tokenBucket

	// Room traffic bypasses the send queue: views and viewer counts
	// replace their unsent predecessors, so a slow reader skips ahead
	// instead of falling behind, and a broadcast never waits for anyone.
	views  slot // the followed room's latest view, or its room.closed
	counts slot // the presented room's viewer count, or its room.closed

	// joinBase is what a room's join link starts with ("http://host/"),
	// from the server's public URL or the host the page was loaded from.
	joinBase string
	// Only the read goroutine touches these, so they need no lock.
	following  *room      // the room this session follows, if any
	presenting *room      // the room whose viewer counts come here, if any
	failures   failWindow // room messages naming unknown rooms or wrong secrets, for rate_limited
}

func newSession(srv *Server, conn *websocket.Conn, joinBase string) *session {
	return &session{
		srv: srv, conn: conn,
		send:     make(chan []byte, srv.sendQueue),
		overflow: make(chan struct{}),
		done:     make(chan struct{}),
		bucket:   tokenBucket{capacity: 2 * srv.runRate, perSecond: srv.runRate},
		views:    slot{ready: make(chan struct{}, 1)},
		counts:   slot{ready: make(chan struct{}, 1)},
		joinBase: joinBase,
	}
}

// serve runs the session until the connection closes: the caller's
// goroutine reads, a second one writes.
func (s *session) serve(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.ctx = ctx
	writer := make(chan struct{})
	go func() {
		defer close(writer)
		s.writePump(ctx)
	}()
	s.readPump()
	s.leaveRooms()
	close(s.done)
	cancel()
	s.runs.Wait()
	<-writer
}

func (s *session) readPump() {
	s.conn.SetReadLimit(maxMessage)
	s.conn.SetReadDeadline(time.Now().Add(pongWait))
	s.conn.SetPongHandler(func(string) error { return s.conn.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		typ, msg, err := s.conn.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				s.srv.log.Info("client message over the read limit", "limit", maxMessage)
			}
			return
		}
		if typ != websocket.TextMessage {
			s.sendError(badf("bad_json", "send JSON text messages"), nil)
			continue
		}
		s.handle(msg)
	}
}

func (s *session) writePump(ctx context.Context) {
	ticker := time.NewTicker(pingPeriod)
	defer func() {
		ticker.Stop()
		s.conn.Close()
	}()
	closeWith := func(code int, reason string) {
		s.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(writeWait))
	}
	write := func(msg []byte) bool {
		if msg == nil {
			return true // a slot emptied since it signalled
		}
		s.conn.SetWriteDeadline(time.Now().Add(writeWait))
		return s.conn.WriteMessage(websocket.TextMessage, msg) == nil
	}
	ping := func() bool {
		s.conn.SetWriteDeadline(time.Now().Add(writeWait))
		return s.conn.WriteMessage(websocket.PingMessage, nil) == nil
	}
	// A slot that has signalled is written only once the queue is empty,
	// so a reply (the room that answers follow, an error) precedes any room
	// traffic offered after it. Only this client's own messages wait in the
	// queue, so its room traffic waits for nobody else's.
	writeSlot := func(sl *slot) bool {
		for {
			select {
			case msg := <-s.send:
				if !write(msg) {
					return false
				}
			default:
				return write(sl.take())
			}
		}
	}
	for {
		// A client cut off for being slow gets the close frame next, not
		// more of the queue.
		select {
		case <-s.overflow:
			closeWith(CloseSlowClient, "too slow: reconnect and resume with from")
			return
		default:
		}
		ok := true
		select {
		case msg := <-s.send:
			ok = write(msg)
		case <-s.views.ready:
			ok = writeSlot(&s.views)
		case <-s.counts.ready:
			ok = writeSlot(&s.counts)
		case <-ticker.C:
			ok = ping()
		case <-s.overflow:
			closeWith(CloseSlowClient, "too slow: reconnect and resume with from")
			return
		case <-ctx.Done():
			s.flushSlots()
			closeWith(websocket.CloseGoingAway, "server shutting down")
			return
		case <-s.done:
			return
		}
		if !ok {
			return
		}
	}
}

// flushSlots writes what the room slots hold before the connection closes
// on shutdown: the server closes its rooms first, so this is where their
// room.closed messages are.
func (s *session) flushSlots() {
	s.conn.SetWriteDeadline(time.Now().Add(writeWait))
	for _, sl := range []*slot{&s.views, &s.counts} {
		if msg := sl.take(); msg != nil {
			if err := s.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
				return
			}
		}
	}
}

// enqueue queues a message for the client without ever blocking: a client
// that cannot keep up is disconnected instead of slowing the run.
func (s *session) enqueue(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.srv.log.Error("marshal message", "err", err)
		return
	}
	select {
	case s.send <- b:
	default:
		s.overflowOnce.Do(func() { close(s.overflow) })
	}
}

func (s *session) sendError(e *protoError, m *clientMessage) {
	msg := errorMessage{Type: "error", Code: e.code, Message: e.msg}
	if m != nil {
		msg.ID, msg.Request = m.ID, m.Type
	}
	s.enqueue(msg)
}

func (s *session) handle(raw []byte) {
	m, perr := parseClient(raw)
	if perr != nil {
		s.sendError(perr, nil)
		return
	}
	switch m.Type {
	case "hello":
		if m.Version != ProtocolVersion {
			s.sendError(badf("version", "this server speaks protocol version %d, not %d", ProtocolVersion, m.Version), m)
			return
		}
		s.enqueue(helloMessage{Type: "hello", Version: ProtocolVersion, Kinds: kindNames(), Limits: limitsField{
			MaxEvents: s.srv.runner.Limits.Events, MaxCap: maxCap, MaxInterventions: maxInterventions,
			MaxMessage: maxMessage, WallMillis: s.srv.runner.Limits.Wall.Milliseconds(),
		}})
	case "run":
		if !s.bucket.take(time.Now()) {
			s.sendError(badf("rate_limited", "too many runs: at most %d a second", int(s.bucket.perSecond)), m)
			return
		}
		req, sites, perr := s.srv.validate(m)
		if perr != nil {
			s.sendError(perr, m)
			return
		}
		s.startRun(m.ID, req, sites, m.From)
	case "cancel":
		s.cancelRun()
	case "present":
		s.present(m)
	case "claim":
		s.claim(m)
	case "view":
		s.publish(m)
	case "follow":
		s.follow(m)
	case "unfollow":
		s.unfollow()
	case "close":
		s.closeRoom(m)
	default:
		s.sendError(badf("unknown_type", "unknown message type %q (want hello, run, cancel, present, claim, view, follow, unfollow or close)", m.Type), m)
	}
}

func (s *session) cancelRun() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runCancel != nil {
		s.runCancel()
		s.runCancel = nil
	}
}

// startRun cancels the session's current run and starts req, streaming it.
func (s *session) startRun(id string, req RunRequest, sites []engine.Site, from int) {
	s.mu.Lock()
	if s.runCancel != nil {
		s.runCancel()
	}
	ctx, cancel := context.WithCancel(s.ctx)
	s.runCancel = cancel
	s.runs.Add(1)
	s.mu.Unlock()

	go func() {
		defer s.runs.Done()
		defer cancel()
		s.runOne(ctx, id, req, sites, from)
	}()
}

func (s *session) runOne(ctx context.Context, id string, req RunRequest, sites []engine.Site, from int) {
	key := req.Key()
	rm := runMessage{Type: "run", ID: id, Run: key, Scenario: req.Scenario, Seed: req.Seed, Policy: req.Policy}
	for _, st := range sites {
		rm.Sites = append(rm.Sites, siteField{Line: st.Line, Func: st.Func})
	}
	if s.srv.runner.Cache != nil {
		_, rm.Cached = s.srv.runner.Cache.Get(key)
	}
	s.enqueue(rm)
	cur := cursor{events: from}
	l, err := s.srv.runner.Run(ctx, req, func(l *RunLog) {
		if ctx.Err() == nil {
			s.sendEvents(id, l, &cur)
		}
	})
	if ctx.Err() != nil {
		return // cancelled by the client, a newer run, or the connection's end
	}
	if err != nil {
		var re *RunError
		if errors.As(err, &re) {
			s.enqueue(errorMessage{Type: "error", Code: re.Code, Message: re.Msg, ID: id, Request: "run"})
		} else {
			s.enqueue(errorMessage{Type: "error", Code: "internal", Message: err.Error(), ID: id, Request: "run"})
		}
		return
	}
	s.sendEvents(id, l, &cur)
	s.enqueue(outcomeMessage{Type: "outcome", ID: id, OutcomeRecord: l.Result.Outcome, Report: l.Result.Report,
		Stdout: l.Result.Stdout, Stderr: l.Result.Stderr})
}

// cursor is how much of a run a session has sent.
type cursor struct{ events, objects, gs int }

// sendEvents sends what the log holds beyond the cursor, in batches.
func (s *session) sendEvents(id string, l *RunLog, cur *cursor) {
	for {
		objs, gs := l.Objects[cur.objects:], l.Gs[cur.gs:]
		n := min(len(l.Events)-cur.events, maxBatch)
		if n <= 0 && len(objs) == 0 && len(gs) == 0 {
			return
		}
		m := eventsMessage{Type: "events", ID: id, From: cur.events, Events: make([][9]any, 0, max(n, 0)),
			Objects: append([]engine.Object(nil), objs...), Goroutines: append([]engine.Goroutine(nil), gs...)}
		for i := cur.events; i < cur.events+n; i++ {
			m.Events = append(m.Events, eventRow(l, l.Events[i]))
		}
		cur.objects, cur.gs = len(l.Objects), len(l.Gs)
		cur.events += max(n, 0)
		s.enqueue(m)
		if n <= 0 {
			return
		}
	}
}

// tokenBucket limits how often a client may start runs.
type tokenBucket struct {
	capacity, perSecond float64
	tokens              float64
	last                time.Time
}

func (b *tokenBucket) take(now time.Time) bool {
	if b.last.IsZero() {
		b.tokens = b.capacity
	} else {
		b.tokens = min(b.capacity, b.tokens+now.Sub(b.last).Seconds()*b.perSecond)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
