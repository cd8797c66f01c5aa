package engine

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"time"
)

// A run travels between processes as frames: one type byte, a uvarint
// payload length, the payload. The program's sites come first; strings,
// objects and goroutines are sent before the first event that refers to
// them; an end or a refusal is the last frame. The server's child and a
// compiled program (engine.Main with Spec.Frames) speak it alike, so a
// program from a file runs and streams as a built-in scenario does.
const (
	frameSites     = 'P' // JSON []Site: the program's source positions
	frameString    = 'S' // an interned string; its index is the count sent before it
	frameObject    = 'O' // JSON Object
	frameGoroutine = 'G' // JSON Goroutine
	frameEvents    = 'E' // a batch of events, column by column (frame_events.go)
	frameEnd       = 'R' // JSON Ending; the last frame of a run
	frameRefusal   = 'X' // text: the inputs could not be run; the last frame
)

const (
	// maxFrame bounds one frame so a garbled length cannot make a reader
	// allocate without limit.
	maxFrame = 1 << 20
	// frameBatch is how many events a streaming run lets pass before it
	// sends them, unless frameEvery has passed first.
	frameBatch = 1000
	frameEvery = 50 * time.Millisecond
)

// Ending is how a run ended, as its last frame reports it.
type Ending struct {
	Outcome OutcomeRecord `json:"outcome"`
	Report  string        `json:"report,omitempty"`
	Stdout  string        `json:"stdout"`
	Stderr  string        `json:"stderr"`
}

// Recording is a run as a reader of its frames holds it: the log (the
// engine's own type, so whatever reads a log reads this one), the sites its
// positions index, and the ending once it has arrived.
type Recording struct {
	Log
	Sites []Site
	End   *Ending // nil until the run has ended
}

// FrameWriter writes a run as frames, remembering how much it has sent.
type FrameWriter struct {
	w   *bufio.Writer
	at  FrameCursor
	buf []byte
}

// FrameCursor counts what of a log has been written as frames.
type FrameCursor struct{ Events, Strings, Objects, Goroutines int }

// NewFrameWriter returns a writer of frames to w; call Flush to send them.
func NewFrameWriter(w io.Writer) *FrameWriter {
	return &FrameWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

func (fw *FrameWriter) frame(typ byte, payload []byte) error {
	fw.buf = appendFrame(fw.buf[:0], typ, payload)
	_, err := fw.w.Write(fw.buf)
	return err
}

func (fw *FrameWriter) jsonFrame(typ byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return fw.frame(typ, b)
}

// Sites sends the program's source positions; it comes before any event.
func (fw *FrameWriter) Sites(sites []Site) error { return fw.jsonFrame(frameSites, sites) }

// Sync sends whatever the log holds that has not been sent yet.
func (fw *FrameWriter) Sync(l *Log) error {
	var err error
	if fw.buf, err = AppendFrames(fw.buf[:0], l, &fw.at, l.Len()); err != nil {
		return err
	}
	_, err = fw.w.Write(fw.buf)
	return err
}

// AppendFrames appends to b the frames of what l holds past c (its new
// strings, objects and goroutines, then at most maxEvents events) and
// advances c. The server sends a page the frames its child sent it.
func AppendFrames(b []byte, l *Log, c *FrameCursor, maxEvents int) ([]byte, error) {
	for ; c.Strings < len(l.strs); c.Strings++ {
		s := l.strs[c.Strings]
		if len(s) > maxFrame {
			s = s[:maxFrame]
		}
		b = appendFrame(b, frameString, []byte(s))
	}
	for ; c.Objects < len(l.Objects); c.Objects++ {
		j, err := json.Marshal(l.Objects[c.Objects])
		if err != nil {
			return b, err
		}
		b = appendFrame(b, frameObject, j)
	}
	for ; c.Goroutines < len(l.Gs); c.Goroutines++ {
		j, err := json.Marshal(l.Gs[c.Goroutines])
		if err != nil {
			return b, err
		}
		b = appendFrame(b, frameGoroutine, j)
	}
	end := min(l.Len(), c.Events+max(maxEvents, 0))
	if end <= c.Events {
		return b, nil
	}
	// A frame for each of the log's chunks the events span: its events
	// are encoded where they lie.
	//
	// Room for a column of the biggest frame. Its size is a constant so
	// that it stays on the stack: a child syncs every thousand events, and
	// sized to them it was 1.7 MB of garbage for 200,000 (go test -bench,
	// -benchmem), 89 KB as it is.
	vals := make([]uint64, chunkSize)
	for first := true; c.Events < end; first = false {
		chunk, at := c.Events/chunkSize, c.Events%chunkSize
		n := min(end-c.Events, chunkSize-at)
		start := len(b)
		b = appendEventsFrame(b, l.chunks[chunk][at:at+n], vals)
		c.Events += n
		if left := end - c.Events; first && left > 0 {
			// Room for the rest at the first frame's bytes an event, and
			// a little more: the server appends a page's batch (megabytes)
			// to one slice, which would otherwise be copied as it grew.
			b = slices.Grow(b, left*((len(b)-start)/n+2))
		}
	}
	return b, nil
}

func appendFrame(b []byte, typ byte, payload []byte) []byte {
	b = append(b, typ)
	b = binary.AppendUvarint(b, uint64(len(payload)))
	return append(b, payload...)
}

// End sends how the run ended: the last frame.
func (fw *FrameWriter) End(e Ending) error { return fw.jsonFrame(frameEnd, e) }

// Refuse sends why the inputs could not be run (a bad knob, an unknown
// scenario), the user's mistake rather than a crash: the last frame.
func (fw *FrameWriter) Refuse(msg string) error { return fw.frame(frameRefusal, []byte(msg)) }

// Flush sends the frames written so far.
func (fw *FrameWriter) Flush() error { return fw.w.Flush() }

// StreamRun runs prog and streams it as frames: its sites, the log in
// batches (every thousand events or 50 ms, whichever comes first, so a slow
// run still streams), then its ending. If the reader goes away mid-run the
// process exits with status 1: nobody wants the rest of the run. The run
// drops the events it has sent as it goes, so the result's log has their
// count but not them (Log.At and Log.All must not read it).
func StreamRun(prog Program, cfg Config, fw *FrameWriter) (*Result, error) {
	return streamRun(prog, cfg, fw, false)
}

// streamRun is StreamRun, keeping the whole log if keep is set.
func streamRun(prog Program, cfg Config, fw *FrameWriter, keep bool) (*Result, error) {
	if err := fw.Sites(prog.Sites); err != nil {
		return nil, fmt.Errorf("send sites: %w", err)
	}
	lastFlush := time.Now()
	cfg.Observe = func(l *Log) {
		if l.Len()-fw.at.Events < frameBatch && time.Since(lastFlush) < frameEvery {
			return
		}
		lastFlush = time.Now()
		if fw.Sync(l) != nil || fw.Flush() != nil {
			os.Exit(1)
		}
		if !keep {
			l.forget(fw.at.Events)
		}
	}
	res := Run(prog, cfg)
	if err := fw.Sync(res.Log); err != nil {
		return res, fmt.Errorf("send events: %w", err)
	}
	end := Ending{Outcome: res.Record(prog.Sites), Report: res.Outcome.Report, Stdout: res.Stdout, Stderr: res.Stderr}
	if err := fw.End(end); err != nil {
		return res, fmt.Errorf("send ending: %w", err)
	}
	if err := fw.Flush(); err != nil {
		return res, fmt.Errorf("send ending: %w", err)
	}
	return res, nil
}

// ErrGarbled marks a stream of frames a reader refuses to trust.
var ErrGarbled = errors.New("garbled run stream")

// RefusedError is a run its writer refused to start, with the writer's reason.
type RefusedError struct{ Msg string }

func (e *RefusedError) Error() string { return e.Msg }

// FrameReader decodes a stream of frames into a [Recording], checking every
// frame: the writer runs a user's program and is not trusted.
type FrameReader struct {
	r     *bufio.Reader
	rec   *Recording
	sites int // number of source positions events may refer to; 0: as the stream's sites frame says
	buf   []byte
	evs   []Event  // an events frame's events, decoded
	vals  []uint64 // one of its columns
}

// NewFrameReader returns a reader of the frames on r into rec. sites, if
// positive, is the number of positions the program has, as the caller
// knows it; otherwise the stream's own sites frame says.
func NewFrameReader(r io.Reader, rec *Recording, sites int) *FrameReader {
	return &FrameReader{r: bufio.NewReaderSize(r, 64<<10), rec: rec, sites: sites}
}

// Next reads one frame into the recording. It returns io.EOF after the
// ending, a *RefusedError for a refusal, and ErrGarbled, wrapped, for
// anything malformed or truncated.
func (fr *FrameReader) Next() error {
	typ, err := fr.r.ReadByte()
	if err == io.EOF {
		return fmt.Errorf("%w: stream ended before the run's result", ErrGarbled)
	}
	if err != nil {
		return err
	}
	n, err := binary.ReadUvarint(fr.r)
	if err != nil {
		return fmt.Errorf("%w: bad frame length: %v", ErrGarbled, err)
	}
	if n > maxFrame {
		return fmt.Errorf("%w: frame of %d bytes", ErrGarbled, n)
	}
	// The payload is read into a buffer kept from frame to frame (nothing
	// below keeps it): a run's events come in frames of up to 1 MB.
	if uint64(cap(fr.buf)) < n {
		fr.buf = make([]byte, n)
	}
	payload := fr.buf[:n]
	if _, err := io.ReadFull(fr.r, payload); err != nil {
		return fmt.Errorf("%w: truncated frame: %v", ErrGarbled, err)
	}
	rec := fr.rec
	l := &rec.Log
	switch typ {
	case frameSites:
		if err := json.Unmarshal(payload, &rec.Sites); err != nil || l.Len() > 0 {
			return fmt.Errorf("%w: bad sites", ErrGarbled)
		}
	case frameString:
		l.strs = append(l.strs, string(payload))
	case frameObject:
		var o Object
		if err := json.Unmarshal(payload, &o); err != nil || o.ID != int32(len(l.Objects)+1) {
			return fmt.Errorf("%w: bad object declaration", ErrGarbled)
		}
		l.Objects = append(l.Objects, o)
	case frameGoroutine:
		var g Goroutine
		if err := json.Unmarshal(payload, &g); err != nil || g.ID != int32(len(l.Gs)+1) {
			return fmt.Errorf("%w: bad goroutine declaration", ErrGarbled)
		}
		l.Gs = append(l.Gs, g)
	case frameEvents:
		if fr.evs, fr.vals, err = decodeEventsPayload(payload, fr.evs, fr.vals); err != nil {
			return fmt.Errorf("%w: %v", ErrGarbled, err)
		}
		for _, e := range fr.evs {
			if err := fr.check(e); err != nil {
				return fmt.Errorf("%w: event %d: %v", ErrGarbled, l.Len(), err)
			}
			l.append(e)
		}
	case frameEnd:
		var end Ending
		if err := json.Unmarshal(payload, &end); err != nil {
			return fmt.Errorf("%w: bad result: %v", ErrGarbled, err)
		}
		rec.End = &end
		return io.EOF
	case frameRefusal:
		return &RefusedError{Msg: string(payload)}
	default:
		return fmt.Errorf("%w: unknown frame type %q", ErrGarbled, typ)
	}
	return nil
}

// check refuses an event that refers to something the stream never declared.
func (fr *FrameReader) check(e Event) error {
	l := &fr.rec.Log
	sites := fr.sites
	if sites <= 0 {
		sites = len(fr.rec.Sites)
	}
	switch {
	case e.Kind == KindNone || int(e.Kind) >= len(kindNames):
		return fmt.Errorf("unknown kind %d", e.Kind)
	case e.G < 0 || int(e.G) > len(l.Gs):
		return fmt.Errorf("unknown goroutine %d", e.G)
	case e.Obj < 0 || int(e.Obj) > len(l.Objects):
		return fmt.Errorf("unknown object %d", e.Obj)
	case e.Pos < 0 || int(e.Pos) >= max(sites, 1):
		return fmt.Errorf("unknown position %d", e.Pos)
	case e.VK == ValString && e.Val >= uint64(len(l.strs)):
		return fmt.Errorf("unknown string %d", e.Val)
	case e.VK > ValString:
		return fmt.Errorf("unknown value kind %d", e.VK)
	case e.Time < 0 || e.Time == math.MaxInt64:
		return fmt.Errorf("bad time %d", e.Time)
	}
	return nil
}
