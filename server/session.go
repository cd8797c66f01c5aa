package server

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Connection timing, as in gorilla/websocket's chat example.
const (
	writeWait  = 10 * time.Second
	pongWait   = 60 * time.Second
	pingPeriod = pongWait * 9 / 10
	// maxBatch is the most events one events message carries.
	maxBatch = 1000
)

// Close codes the server sends besides the standard ones.
const (
	// CloseSlowClient is sent to a client whose unread replies passed
	// ClassLimits.QueueBytes; it reconnects and asks for its run again
	// with "from".
	CloseSlowClient = 4001
)

// session is one browser page's WebSocket: one reader (the connection's
// goroutine), one writer, and at most one run at a time.
type session struct {
	srv  *Server
	conn *websocket.Conn
	addr string // addrKey of the peer: whom per-address limits count against
	// readWait meters the address's reads: how long to wait after a message.
	readWait func(n int) time.Duration

	queue  outQueue  // replies, bounded in bytes
	stream runStream // the current run's messages, pulled by the writer as it has room
	wake   chan struct{}

	overflow     chan struct{} // closed when the send queue overflowed
	overflowOnce sync.Once
	cutTimer     *time.Timer   // closes the connection if the close frame cannot be written
	done         chan struct{} // closed when the session ends

	ctx       context.Context // ends with the connection or the server
	mu        sync.Mutex      // guards runCancel and stream
	runCancel context.CancelFunc
	binary    bool // the client's hello asked for binary events messages; guarded by mu
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
	following  *room // the room this session follows, if any
	presenting *room // the room whose viewer counts come here, if any
}

func newSession(srv *Server, conn *websocket.Conn, addr string, readWait func(int) time.Duration, joinBase string) *session {
	return &session{
		srv: srv, conn: conn, addr: addr, readWait: readWait,
		queue:    outQueue{limit: srv.class.QueueBytes},
		wake:     make(chan struct{}, 1),
		overflow: make(chan struct{}),
		done:     make(chan struct{}),
		bucket:   tokenBucket{capacity: 2 * srv.runRate, perSecond: srv.runRate},
		views:    slot{ready: make(chan struct{}, 1)},
		counts:   slot{ready: make(chan struct{}, 1)},
		joinBase: joinBase,
	}
}

// outQueue holds the replies waiting for a client, bounded in bytes.
type outQueue struct {
	mu    sync.Mutex
	msgs  [][]byte
	bytes int
	limit int
}

// push queues b; it reports false, queueing nothing, if b would pass the limit.
func (q *outQueue) push(b []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.bytes+len(b) > q.limit {
		return false
	}
	q.msgs = append(q.msgs, b)
	q.bytes += len(b)
	return true
}

// pop takes the oldest reply, nil if none.
func (q *outQueue) pop() []byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.msgs) == 0 {
		return nil
	}
	b := q.msgs[0]
	q.msgs[0] = nil
	q.msgs = q.msgs[1:]
	q.bytes -= len(b)
	return b
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
	s.mu.Lock()
	if s.cutTimer != nil {
		s.cutTimer.Stop()
	}
	s.stream = runStream{}
	s.mu.Unlock()
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
		if d := s.readWait(len(msg)); d > 0 {
			select {
			case <-time.After(d):
			case <-s.ctx.Done():
				return
			}
		}
		select {
		case <-s.overflow:
			return // cut off: nothing it sends is answered any more
		default:
		}
		if typ != websocket.TextMessage {
			s.sendError(badf(codeBadJSON, "send JSON text messages"), nil)
			continue
		}
		if !utf8.Valid(msg) {
			// RFC 6455, 8.1: a text frame that is not UTF-8 fails the connection.
			s.srv.log.Info("client text message is not UTF-8")
			s.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, "text is not UTF-8"), time.Now().Add(closeWait))
			return
		}
		s.handle(msg)
	}
}

// signal wakes the write pump.
func (s *session) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *session) writePump(ctx context.Context) {
	ticker := time.NewTicker(pingPeriod)
	defer func() {
		ticker.Stop()
		s.conn.Close()
	}()
	closeWith := func(code int, reason string) {
		s.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(closeWait))
	}
	write := func(msg []byte) bool {
		s.conn.SetWriteDeadline(time.Now().Add(writeWait))
		typ := websocket.TextMessage
		if msg[0] == binaryEvents {
			typ = websocket.BinaryMessage
		}
		if s.conn.WriteMessage(typ, msg) != nil {
			return false
		}
		if typ == websocket.BinaryMessage {
			recycleBinary(msg) // written: nothing holds it now
		}
		return true
	}
	ping := func() bool {
		s.conn.SetWriteDeadline(time.Now().Add(writeWait))
		return s.conn.WriteMessage(websocket.PingMessage, nil) == nil
	}
	// next is what to write now: replies first, so the room that answers
	// follow precedes that room's traffic; then what has arrived of the
	// run, so a viewer has the run a view refers to; then the room slots,
	// which hold one message each.
	next := func() []byte {
		if b := s.queue.pop(); b != nil {
			return b
		}
		if b := s.nextRunMessage(); b != nil {
			return b
		}
		if b := s.views.take(); b != nil {
			return b
		}
		return s.counts.take()
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
		select {
		case <-ctx.Done():
			s.flushSlots()
			closeWith(websocket.CloseGoingAway, "server shutting down")
			return
		case <-s.done:
			return
		default:
		}
		if b := next(); b != nil {
			if !write(b) {
				return
			}
			continue
		}
		ok := true
		select {
		case <-s.wake:
		case <-s.views.ready: // a signal only: next takes whatever the slot holds
		case <-s.counts.ready:
		case <-ticker.C:
			ok = ping()
		case <-s.overflow:
		case <-ctx.Done():
		case <-s.done:
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
	s.conn.SetWriteDeadline(time.Now().Add(closeWait))
	for _, sl := range []*slot{&s.views, &s.counts} {
		if msg := sl.take(); msg != nil {
			if err := s.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
				return
			}
		}
	}
}

// enqueue queues a reply for the client without ever blocking: a client
// whose unread replies pass the byte limit is cut off at once.
func (s *session) enqueue(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.srv.log.Error("marshal message", "err", err)
		return
	}
	if !s.queue.push(b) {
		s.cutOff()
		return
	}
	s.signal()
}

// cutOff drops a client that does not read its replies: the writer sends
// the close frame if it can, and the connection closes within closeWait
// even if a write to the client is blocked.
func (s *session) cutOff() {
	s.overflowOnce.Do(func() {
		s.srv.log.Info("client cut off: replies unread past the limit", "limit", s.srv.class.QueueBytes)
		close(s.overflow)
		s.mu.Lock()
		s.cutTimer = time.AfterFunc(closeWait, func() { s.conn.UnderlyingConn().Close() })
		s.mu.Unlock()
	})
}

func (s *session) sendError(e *protoError, m *clientMessage) {
	msg := errorMessage{Type: "error", Code: e.code, Message: clip(e.msg, maxErrorText)}
	if m != nil {
		msg.ID, msg.Request = clip(m.ID, maxEcho), clip(m.Type, maxEcho)
	}
	s.enqueue(msg)
}

func (s *session) handle(raw []byte) {
	m, perr := parseClient(raw)
	if perr != nil {
		s.sendError(perr, nil)
		return
	}
	if perr := s.dispatch(m); perr != nil {
		s.sendError(perr, m)
	}
}

// dispatch acts on one client message and returns the refusal to send, if any.
func (s *session) dispatch(m *clientMessage) *protoError {
	switch m.Type {
	case "hello":
		if m.Version != ProtocolVersion {
			return badf(codeVersion, "this server speaks protocol version %d, not %d", ProtocolVersion, m.Version)
		}
		s.mu.Lock()
		s.binary = m.Binary
		s.mu.Unlock()
		s.enqueue(helloMessage{Type: "hello", Version: ProtocolVersion, Limits: limitsField{
			MaxEvents: s.srv.runner.Limits.Events, MaxCap: maxCap, MaxInterventions: maxInterventions,
			MaxMessage: maxMessage, WallMillis: s.srv.runner.Limits.Wall.Milliseconds(),
		}})
	case "run":
		if !s.bucket.take(time.Now()) {
			return badf(codeRateLimited, "too many runs: at most %d a second", int(s.bucket.perSecond))
		}
		req, sites, perr := s.srv.validate(m)
		if perr != nil {
			return perr
		}
		s.startRun(m.ID, req, sites, m.From)
	case "cancel":
		s.cancelRun()
	case "present":
		return s.present(m)
	case "claim":
		return s.claim(m)
	case "view":
		return s.publish(m)
	case "follow":
		return s.follow(m)
	case "unfollow":
		s.unfollow()
	case "close":
		return s.closeRoom(m)
	default:
		return badf(codeUnknownType, "unknown message type %q (want hello, run, cancel, present, claim, view, follow, unfollow or close)", clip(m.Type, maxEcho))
	}
	return nil
}

// tokenBucket limits how often a client may start runs.
type tokenBucket struct {
	capacity, perSecond float64
	tokens              float64
	last                time.Time
}

// debt takes n tokens, going into debt if need be, and returns how long
// until the bucket is out of debt again.
func (b *tokenBucket) debt(now time.Time, n float64) time.Duration {
	if b.last.IsZero() {
		b.tokens = b.capacity
	} else {
		b.tokens = min(b.capacity, b.tokens+now.Sub(b.last).Seconds()*b.perSecond)
	}
	b.last = now
	b.tokens -= n
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.perSecond * float64(time.Second))
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
