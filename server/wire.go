package server

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/concviz/concviz/engine"
)

// The child process streams its run to the server as frames: one type byte,
// a uvarint payload length, the payload. Strings, objects and goroutines are
// sent before the first event that refers to them.
const (
	frameString    = 'S' // an interned string; its index is the count sent before it
	frameObject    = 'O' // JSON engine.Object
	frameGoroutine = 'G' // JSON engine.Goroutine
	frameEvents    = 'E' // whole events, eventSize bytes each
	frameResult    = 'R' // JSON childResult; the last frame of a run
	frameError     = 'X' // text: the child could not run the request; the last frame
)

const (
	eventSize = 36
	// maxFrame bounds one frame so a garbled length cannot make the server
	// allocate without limit.
	maxFrame = 1 << 20
)

// childResult is how a run ended, as the child reports it.
type childResult struct {
	Outcome engine.OutcomeRecord `json:"outcome"`
	Report  string               `json:"report,omitempty"`
	Stdout  string               `json:"stdout"`
	Stderr  string               `json:"stderr"`
}

// frameWriter writes a log as frames, remembering how much it has sent.
type frameWriter struct {
	w                  *bufio.Writer
	events, strs       int
	objects, goroutine int
	buf                []byte
}

func newFrameWriter(w io.Writer) *frameWriter {
	return &frameWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

func (fw *frameWriter) frame(typ byte, payload []byte) error {
	var hdr [1 + binary.MaxVarintLen64]byte
	hdr[0] = typ
	n := binary.PutUvarint(hdr[1:], uint64(len(payload)))
	if _, err := fw.w.Write(hdr[:1+n]); err != nil {
		return err
	}
	_, err := fw.w.Write(payload)
	return err
}

func (fw *frameWriter) jsonFrame(typ byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return fw.frame(typ, b)
}

// sync sends whatever the log holds that has not been sent yet.
func (fw *frameWriter) sync(l *engine.Log) error {
	strs := l.Strings()
	for ; fw.strs < len(strs); fw.strs++ {
		s := strs[fw.strs]
		if len(s) > maxFrame {
			s = s[:maxFrame]
		}
		if err := fw.frame(frameString, []byte(s)); err != nil {
			return err
		}
	}
	for ; fw.objects < len(l.Objects); fw.objects++ {
		if err := fw.jsonFrame(frameObject, l.Objects[fw.objects]); err != nil {
			return err
		}
	}
	for ; fw.goroutine < len(l.Gs); fw.goroutine++ {
		if err := fw.jsonFrame(frameGoroutine, l.Gs[fw.goroutine]); err != nil {
			return err
		}
	}
	const perFrame = maxFrame / eventSize
	for fw.events < l.Len() {
		n := min(l.Len()-fw.events, perFrame)
		fw.buf = fw.buf[:0]
		for i := fw.events; i < fw.events+n; i++ {
			fw.buf = appendEvent(fw.buf, l.At(i))
		}
		if err := fw.frame(frameEvents, fw.buf); err != nil {
			return err
		}
		fw.events += n
	}
	return nil
}

func (fw *frameWriter) flush() error { return fw.w.Flush() }

func appendEvent(b []byte, e engine.Event) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Time))
	b = binary.LittleEndian.AppendUint64(b, e.Val)
	b = binary.LittleEndian.AppendUint32(b, uint32(e.G))
	b = binary.LittleEndian.AppendUint32(b, uint32(e.Obj))
	b = binary.LittleEndian.AppendUint32(b, uint32(e.Peer))
	b = binary.LittleEndian.AppendUint32(b, uint32(e.Pos))
	return append(b, byte(e.Kind), byte(e.VK), e.Flag, 0)
}

func decodeEvent(b []byte) engine.Event {
	return engine.Event{
		Time: int64(binary.LittleEndian.Uint64(b[0:])),
		Val:  binary.LittleEndian.Uint64(b[8:]),
		G:    int32(binary.LittleEndian.Uint32(b[16:])),
		Obj:  int32(binary.LittleEndian.Uint32(b[20:])),
		Peer: int32(binary.LittleEndian.Uint32(b[24:])),
		Pos:  engine.Pos(binary.LittleEndian.Uint32(b[28:])),
		Kind: engine.Kind(b[32]),
		VK:   engine.ValKind(b[33]),
		Flag: b[34],
	}
}

// errGarbled marks a child stream the server refuses to trust.
var errGarbled = errors.New("garbled run stream")

// frameReader decodes a child's stream into a RunLog, checking every frame:
// the child runs the user's program and is not trusted.
type frameReader struct {
	r     *bufio.Reader
	log   *RunLog
	sites int // number of source positions the program has
}

// next reads one frame into the log. It returns io.EOF after the last frame
// (a result or an error) and errGarbled, wrapped, for anything malformed or
// truncated.
func (fr *frameReader) next() error {
	typ, err := fr.r.ReadByte()
	if err == io.EOF {
		return fmt.Errorf("%w: stream ended before the run's result", errGarbled)
	}
	if err != nil {
		return err
	}
	n, err := binary.ReadUvarint(fr.r)
	if err != nil {
		return fmt.Errorf("%w: bad frame length: %v", errGarbled, err)
	}
	if n > maxFrame {
		return fmt.Errorf("%w: frame of %d bytes", errGarbled, n)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(fr.r, payload); err != nil {
		return fmt.Errorf("%w: truncated frame: %v", errGarbled, err)
	}
	l := fr.log
	switch typ {
	case frameString:
		l.Strings = append(l.Strings, string(payload))
	case frameObject:
		var o engine.Object
		if err := strictJSON(payload, &o); err != nil || o.ID != int32(len(l.Objects)+1) {
			return fmt.Errorf("%w: bad object declaration", errGarbled)
		}
		l.Objects = append(l.Objects, o)
	case frameGoroutine:
		var g engine.Goroutine
		if err := strictJSON(payload, &g); err != nil || g.ID != int32(len(l.Gs)+1) {
			return fmt.Errorf("%w: bad goroutine declaration", errGarbled)
		}
		l.Gs = append(l.Gs, g)
	case frameEvents:
		if len(payload)%eventSize != 0 {
			return fmt.Errorf("%w: events frame of %d bytes", errGarbled, len(payload))
		}
		for off := 0; off < len(payload); off += eventSize {
			e := decodeEvent(payload[off:])
			if err := fr.check(e); err != nil {
				return fmt.Errorf("%w: event %d: %v", errGarbled, len(l.Events), err)
			}
			l.Events = append(l.Events, e)
		}
	case frameResult:
		var res childResult
		if err := strictJSON(payload, &res); err != nil {
			return fmt.Errorf("%w: bad result: %v", errGarbled, err)
		}
		l.Result = &res
		return io.EOF
	case frameError:
		return &childError{msg: string(payload)}
	default:
		return fmt.Errorf("%w: unknown frame type %q", errGarbled, typ)
	}
	return nil
}

// check refuses an event that refers to something the stream never declared.
func (fr *frameReader) check(e engine.Event) error {
	l := fr.log
	switch {
	case e.Kind == engine.KindNone || e.Kind.String() == fmt.Sprintf("kind(%d)", e.Kind):
		return fmt.Errorf("unknown kind %d", e.Kind)
	case e.G < 0 || int(e.G) > len(l.Gs):
		return fmt.Errorf("unknown goroutine %d", e.G)
	case e.Obj < 0 || int(e.Obj) > len(l.Objects):
		return fmt.Errorf("unknown object %d", e.Obj)
	case e.Pos < 0 || int(e.Pos) >= max(fr.sites, 1):
		return fmt.Errorf("unknown position %d", e.Pos)
	case e.VK == engine.ValString && e.Val >= uint64(len(l.Strings)):
		return fmt.Errorf("unknown string %d", e.Val)
	case e.VK > engine.ValString:
		return fmt.Errorf("unknown value kind %d", e.VK)
	case e.Time < 0 || e.Time == math.MaxInt64:
		return fmt.Errorf("bad time %d", e.Time)
	}
	return nil
}

// childError is a request the child refused (a bad knob, an unknown
// scenario): the user's mistake, not a crash.
type childError struct{ msg string }

func (e *childError) Error() string { return e.msg }

func strictJSON(b []byte, v any) error {
	return json.Unmarshal(b, v)
}
