package server

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"sync"

	"github.com/concviz/concviz/engine"
)

// runStream is what a session still has to send of its current run: the
// run message, the events as far as they have arrived, then the outcome or
// the error. The log is the runner's (shared with the cache and every
// session watching the same run), so a client that reads slowly costs a
// cursor, not a copy: the writer encodes the next batch only when it has
// written the last one.
type runStream struct {
	gen  int    // which run of the session this is; 0 for none
	id   string // the client's name for the run
	head []byte // the run message, until written
	log  RunLog // what has arrived: slices the runner only appends to
	cur  cursor
	tail []byte // the outcome or error message, once the run has ended
}

// cursor is how much of a run a session has sent.
type cursor struct{ events, objects, gs, strs int }

func (s *session) cancelRun() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runCancel != nil {
		s.runCancel()
		s.runCancel = nil
	}
	s.stream = runStream{gen: s.stream.gen} // nothing more is sent for it
}

// startRun cancels the session's current run and starts req, streaming it.
func (s *session) startRun(id string, req engine.RunInput, sites []engine.Site, from int) {
	s.mu.Lock()
	if s.runCancel != nil {
		s.runCancel()
	}
	ctx, cancel := context.WithCancel(s.ctx)
	s.runCancel = cancel
	gen := s.stream.gen + 1
	s.stream = runStream{gen: gen, id: id, cur: cursor{events: from}}
	s.runs.Add(1)
	s.mu.Unlock()

	go func() {
		defer s.runs.Done()
		defer cancel()
		s.runOne(ctx, gen, id, req, sites)
	}()
}

// update changes the stream of run gen, if it is still the session's, and
// wakes the writer.
func (s *session) update(gen int, f func(st *runStream)) {
	s.mu.Lock()
	ok := s.stream.gen == gen
	if ok {
		f(&s.stream)
	}
	s.mu.Unlock()
	if ok {
		s.signal()
	}
}

func (s *session) runOne(ctx context.Context, gen int, id string, req engine.RunInput, sites []engine.Site) {
	key := runKey(req)
	rm := runMessage{Type: "run", ID: id, Run: key, Scenario: req.Program, Seed: req.Seed, Policy: req.Policy}
	for _, st := range sites {
		rm.Sites = append(rm.Sites, siteField{Line: st.Line, Func: st.Func})
	}
	if s.srv.runner.Cache != nil {
		_, rm.Cached = s.srv.runner.Cache.Get(key)
	}
	head, err := json.Marshal(rm)
	if err != nil {
		s.srv.log.Error("marshal message", "err", err)
		return
	}
	s.update(gen, func(st *runStream) { st.head = head })
	// emit runs on the runner's reading goroutine, which appends to the
	// log: copying the slice headers there gives the writer a prefix that
	// nobody writes to again.
	l, err := s.srv.runner.Run(ctx, req, func(l *RunLog) {
		snap := *l
		s.update(gen, func(st *runStream) { st.log = snap })
	})
	if ctx.Err() != nil {
		return // cancelled by the client, a newer run, or the connection's end
	}
	var end any
	if err != nil {
		em := errorMessage{Type: "error", Code: codeInternal, Message: clip(err.Error(), maxErrorText), ID: clip(id, maxEcho), Request: "run"}
		var re *RunError
		if errors.As(err, &re) {
			em.Code, em.Message = re.Code, clip(re.Msg, maxErrorText)
		}
		end = em
	} else {
		end = outcomeMessage{Type: "outcome", ID: id, OutcomeRecord: l.End.Outcome, Report: l.End.Report,
			Stdout: l.End.Stdout, Stderr: l.End.Stderr}
	}
	tail, merr := json.Marshal(end)
	if merr != nil {
		s.srv.log.Error("marshal message", "err", merr)
		return
	}
	s.update(gen, func(st *runStream) {
		if err != nil {
			st.log = RunLog{} // events sent so far stay sent; the rest do not matter
		} else {
			st.log = *l
		}
		st.tail = tail
	})
}

// nextRunMessage returns the next message of the current run, nil if
// there is none yet: the run message, a batch of events (with the objects
// and goroutines declared since the last), then the outcome.
func (s *session) nextRunMessage() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.stream
	if st.head != nil {
		b := st.head
		st.head = nil
		return b
	}
	next := st.nextBatch
	if s.binary {
		next = st.nextBinary
	}
	if b := next(); b != nil {
		return b
	}
	if st.tail != nil {
		b := st.tail
		st.tail = nil
		st.log = RunLog{}
		return b
	}
	return nil
}

// nextBatch encodes the events (and declarations) not sent yet, up to maxBatch.
func (st *runStream) nextBatch() []byte {
	l := &st.log
	objs, gs := l.Objects[min(st.cur.objects, len(l.Objects)):], l.Gs[min(st.cur.gs, len(l.Gs)):]
	n := min(l.Len()-st.cur.events, maxBatch)
	if n <= 0 && len(objs) == 0 && len(gs) == 0 {
		return nil
	}
	m := eventsMessage{Type: "events", ID: st.id, From: st.cur.events, Events: make([][11]any, 0, max(n, 0)),
		Objects: objs, Goroutines: gs}
	for i := st.cur.events; i < st.cur.events+n; i++ {
		m.Events = append(m.Events, eventRow(l, l.At(i)))
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	st.cur.objects, st.cur.gs = len(l.Objects), len(l.Gs)
	st.cur.events += max(n, 0)
	return b
}

// binaryEvents is the first byte of a binary events message: never the
// first byte of a JSON message ('{'), so the writer tells them apart.
const binaryEvents = 'E'

// maxBinaryBatch is the most events one binary events message carries (up
// to 5 MB at 37 bytes an event, the widest an events frame's columns can
// be; the benchmark run's take 14 with their declarations): a decoded
// message costs the page a copy into its columns, not a parse, and a run
// that has all arrived by its first message is laid out and drawn once,
// not once a message. The
// 124,000-event benchmark run, cached, was ready 25 ms sooner than with
// 32,768 events a message (medians of eight loads, three rounds,
// alternating); a run still streaming is sent as it comes, whatever this
// says, so the million-event run's first frame came no later. Writing one
// takes a client at 0.5 MB/s the whole write deadline.
const maxBinaryBatch = 1 << 17

// binaryBuffers holds the storage of binary events messages once written,
// for the next to reuse: a message is up to 5 MB, and memory new to the
// process costs a page fault each 4 KB to zero (a CPU profile of the server
// over eight page loads of the 124,000-event benchmark run had 120 ms of it
// under AppendFrames; none with the buffers reused).
var binaryBuffers sync.Pool

// binaryBuffer returns an empty buffer for a binary events message.
func binaryBuffer() []byte {
	if b, ok := binaryBuffers.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return nil
}

// recycleBinary gives a binary events message's storage back once the
// message is written (nothing else holds it).
func recycleBinary(msg []byte) {
	binaryBuffers.Put(&msg)
}

// nextBinary encodes the events (and the strings and declarations they
// refer to) not sent yet, up to maxBinaryBatch, as a binary events message
// (PROTOCOL.md, "Binary events"): a header (the type byte, the run's id,
// the first event's sequence number, the first string's index) and then
// the engine's own frames. Strings start from the first
// on every connection (a page that resumes has them and skips them), as
// objects and goroutines do.
func (st *runStream) nextBinary() []byte {
	l := &st.log
	n := min(l.Len()-st.cur.events, maxBinaryBatch)
	if n <= 0 && st.cur.objects >= len(l.Objects) && st.cur.gs >= len(l.Gs) && st.cur.strs >= len(l.Strings()) {
		return nil
	}
	b := append(binaryBuffer(), binaryEvents)
	b = binary.AppendUvarint(b, uint64(len(st.id)))
	b = append(b, st.id...)
	b = binary.AppendUvarint(b, uint64(st.cur.events))
	b = binary.AppendUvarint(b, uint64(st.cur.strs))
	fc := engine.FrameCursor{Events: st.cur.events, Strings: st.cur.strs, Objects: st.cur.objects, Goroutines: st.cur.gs}
	b, err := engine.AppendFrames(b, &l.Log, &fc, max(n, 0))
	if err != nil {
		return nil
	}
	st.cur = cursor{events: fc.Events, strs: fc.Strings, objects: fc.Objects, gs: fc.Goroutines}
	return b
}
