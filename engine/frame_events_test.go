package engine

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/internal/golden"
)

// decodeFrame decodes one events frame as appendEventsFrame wrote it.
func decodeFrame(t *testing.T, frame []byte) []Event {
	t.Helper()
	require.Equal(t, byte(frameEvents), frame[0])
	n, k := binary.Uvarint(frame[1:])
	require.Positive(t, k)
	payload := frame[1+k:]
	require.Len(t, payload, int(n), "the frame's length is its payload's")
	evs, _, err := decodeEventsPayload(payload, nil, nil)
	require.NoError(t, err)
	return evs
}

// Every field comes back as it went, at the edges of its range too, and
// whatever the mix of values in a column.
func TestEventsFrameRoundTrips(t *testing.T) {
	for _, tc := range []struct {
		name string
		evs  []Event
	}{
		{"one event", []Event{{Time: 5, Val: 7, G: 1, Obj: 2, Peer: 3, Pos: 4, Kind: KindSend, VK: ValInt, Flag: 1, Reason: 2, Fx: 1}}},
		{"all zero", []Event{{}, {}, {}}},
		{"the same non-zero value throughout", []Event{{G: 9, Time: 1e9}, {G: 9, Time: 1e9}}},
		{"64-bit extremes", []Event{{Time: math.MaxInt64 - 1, Val: math.MaxUint64}, {Time: 0, Val: 0}, {Time: math.MinInt64, Val: 1}}},
		{"32-bit extremes", []Event{{G: math.MaxInt32, Obj: math.MinInt32, Peer: -1, Pos: math.MaxInt32}, {G: math.MinInt32, Obj: math.MaxInt32, Peer: math.MaxInt32, Pos: math.MinInt32}}},
		{"negative values near zero", []Event{{Peer: -1, Val: uint64(math.MaxUint64)}, {Peer: -2, Val: uint64(math.MaxUint64) - 1}}},
		{"bytes at their edges", []Event{{Kind: 255, VK: 255, Flag: 255, Reason: 255, Fx: 255}, {}}},
		{"values just over each width", []Event{{Val: 0x100, G: 0x10000, Time: 1 << 32}, {Val: 0, G: 0, Time: 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.evs, decodeFrame(t, appendEventsFrame(nil, tc.evs, make([]uint64, chunkSize))))
		})
	}
}

// Columns take the fewest bytes their values need: a run's small numbers
// make narrow frames.
func TestEventsFrameColumnsAreNarrow(t *testing.T) {
	evs := make([]Event, 1000)
	for i := range evs {
		evs[i] = Event{Time: 1_000_000 + int64(i%3), Val: uint64(i * 2), G: int32(1 + i%998), Obj: 1 + int32(i%2), Pos: 7, Kind: KindSend, VK: ValInt}
	}
	frame := appendEventsFrame(nil, evs, make([]uint64, chunkSize))
	// time: 1 byte above its base; value: 2 bytes; g: 2; obj: 1; pos, kind
	// and value kind the same throughout: 0; the rest zero: 0.
	assert.Less(t, len(frame), 1000*(1+2+2+1)+100)
	assert.Equal(t, evs, decodeFrame(t, frame))
}

// A reader skips columns after the ones it knows (a newer writer's), and
// leaves zero the fields of columns a writer did not send (an older one's).
func TestEventsFrameColumnsMayBeAddedAtTheEnd(t *testing.T) {
	evs := []Event{{Time: 1, G: 2, Kind: KindGo, Reason: 3, Fx: 1}, {Time: 4, G: 1, Kind: KindGoEnd}}
	frame := decodeFramePayload(t, appendEventsFrame(nil, evs, make([]uint64, chunkSize)))

	// The counts are a byte each here: two events, then the columns.
	require.Equal(t, []byte{2, byte(len(eventColumns))}, frame[:2])
	newer := []byte{2, byte(len(eventColumns) + 1)}
	newer = append(newer, frame[2:]...)
	newer = append(newer, 1, 5, 0xaa, 0xbb) // width 1, base 5, a number for each event
	got, _, err := decodeEventsPayload(newer, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, evs, got, "the unknown column is skipped")

	// An older writer: the same frame without its last two columns.
	var older []byte
	older = binary.AppendUvarint(older, uint64(len(evs)))
	older = binary.AppendUvarint(older, uint64(len(eventColumns)-2))
	vals := make([]uint64, len(evs))
	for c := range len(eventColumns) - 2 {
		col := eventColumns[c]
		gather(vals, evs, c)
		base, width := columnShape(col.signed, vals)
		older = append(older, byte(width))
		if col.signed {
			older = binary.AppendVarint(older, int64(base))
		} else {
			older = binary.AppendUvarint(older, base)
		}
		for _, v := range vals {
			for b := range width {
				older = append(older, byte((v-base)>>(8*b)))
			}
		}
	}
	got, _, err = decodeEventsPayload(older, nil, nil)
	require.NoError(t, err)
	want := []Event{{Time: 1, G: 2, Kind: KindGo}, {Time: 4, G: 1, Kind: KindGoEnd}}
	assert.Equal(t, want, got, "wait reason and effects are zero")
}

// decodeFramePayload returns an events frame's payload.
func decodeFramePayload(t *testing.T, frame []byte) []byte {
	t.Helper()
	_, k := binary.Uvarint(frame[1:])
	return frame[1+k:]
}

// A malformed events frame is refused with what is wrong.
func TestEventsFrameRefusesGarbage(t *testing.T) {
	good := decodeFramePayload(t, appendEventsFrame(nil, []Event{{G: 1, Kind: KindGo}, {G: 300, Kind: KindGo}}, make([]uint64, chunkSize)))
	with := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	for _, tc := range []struct {
		name, want string
		payload    []byte
	}{
		{"empty", "bad event count", nil},
		{"too many events", "bad event count", binary.AppendUvarint(nil, maxFrameEvents+1)},
		{"too many columns", "bad column count", []byte{1, 65}},
		{"a width of 3", "column 0 of width 3", with(func(b []byte) []byte { b[2] = 3; return b })},
		{"truncated", "truncated at column", good[:len(good)-1]},
		{"left over", "1 left over", append(with(func(b []byte) []byte { return b }), 0)},
		{"a goroutine past int32", "g of event 0 out of range", frameOf(2, 8, 1<<40)},
		{"a kind past a byte", "kind of event 0 out of range", frameOf(6, 2, 256)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeEventsPayload(tc.payload, nil, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// frameOf is the payload of one event whose column c holds v in width
// bytes, every other column zero.
func frameOf(c, width int, v uint64) []byte {
	b := []byte{1, byte(len(eventColumns))}
	for i := range eventColumns {
		if i != c {
			b = append(b, 0, 0)
			continue
		}
		b = append(b, byte(width), 0)
		for k := range width {
			b = append(b, byte(v>>(8*k)))
		}
	}
	return b
}

// PROTOCOL.md describes events frames as they are: the most events a frame
// holds, and the columns in their order.
func TestProtocolDocEventsFrame(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "PROTOCOL.md"))
	require.NoError(t, err)
	text := string(doc)
	most := fmt.Sprintf("at most %d,%03d)", maxFrameEvents/1000, maxFrameEvents%1000)
	assert.Contains(t, text, most, "PROTOCOL.md states the most events a frame holds")
	_, list, ok := strings.Cut(text, "The columns, in order")
	require.True(t, ok, "PROTOCOL.md lists the columns")
	list, _, _ = strings.Cut(list, ". ")
	at := 0
	for _, c := range eventColumns {
		i := strings.Index(list[at:], c.name)
		require.GreaterOrEqual(t, i, 0, "PROTOCOL.md lists the column %q after the ones before it", c.name)
		at += i + len(c.name)
		signed := strings.HasPrefix(list[at:], " (signed")
		assert.Equal(t, c.signed, signed, "PROTOCOL.md says whether column %q is signed", c.name)
	}
}

var updateColumns = flag.Bool("update", false, "rewrite static/testdata/columns.json from the events frame encoder")

// columnsCase is an events frame's payload and the rows the page must read
// from it (static/frames.js: [time, g, kind, obj, peer, value, flag, site,
// value kind, reason, fx], the value as Go writes it).
type columnsCase struct {
	Name    string  `json:"name"`
	Payload []byte  `json:"payload"`
	Rows    [][]any `json:"rows"`
}

// TestEventsFrameColumnsFixture keeps static/testdata/columns.json the
// encoder's frames for the shapes a page must read: columns above a base,
// negative and 64-bit fields, constant columns, a column the page does not
// know, columns a writer did not send. It fails when the file is stale;
// -update rewrites it.
func TestEventsFrameColumnsFixture(t *testing.T) {
	var above, wide, constant, carry []Event
	for i := range 10 {
		carry = append(carry, Event{Time: 1<<32 - 5 + int64(i), Kind: KindSend, VK: ValUint, Val: 1<<32 - 5 + uint64(i)})
	}
	for i := range 40 {
		above = append(above, Event{Time: 1e12 + int64(i*5), G: 500 + int32(i), Obj: 300 + int32(i%7), Peer: -1 - int32(i%4),
			Pos: 1000 + Pos(i), Kind: Kind(3 + i%5), VK: ValInt, Val: uint64(1e15 + i), Flag: uint8(i % 3), Reason: WaitReason(1 + i%2), Fx: Effect(1 + i%2)})
		wide = append(wide, Event{Time: int64(i) << 40, G: int32(i) * 50_000_000, Peer: int32(i) - 20, Kind: KindSend, VK: ValInt, Val: uint64(int64(i) - 20)})
		constant = append(constant, Event{Time: 7e9, G: 3, Obj: 9, Peer: -7, Pos: 2, Kind: KindRecv, VK: ValUint, Val: 1 << 63, Flag: 1, Reason: 4, Fx: 2})
	}
	payload := func(evs []Event) []byte {
		return decodeFramePayload(t, appendEventsFrame(nil, evs, make([]uint64, chunkSize)))
	}
	some := constant[:3] // wait reason and effects constant: their columns are 2 bytes each
	plain := payload(some)
	require.Equal(t, byte(len(eventColumns)), plain[1], "the counts are a byte each")
	newer := append([]byte{plain[0], plain[1] + 1}, plain[2:]...)
	newer = append(newer, 2, 0, 1, 0, 2, 0, 3, 0) // width 2, base 0, a number for each event
	older := []byte{plain[0], plain[1] - 2}
	older = append(older, plain[2:len(plain)-4]...) // without wait reason and effects
	olderEvs := slices.Clone(some)
	for i := range olderEvs {
		olderEvs[i].Reason, olderEvs[i].Fx = 0, 0
	}
	var fx struct {
		Cases []columnsCase `json:"cases"`
	}
	l := &Log{}
	rows := func(evs []Event) [][]any {
		var out [][]any
		for _, e := range evs {
			out = append(out, []any{e.Time, e.G, uint8(e.Kind), e.Obj, e.Peer, l.Value(e), e.Flag, e.Pos, uint8(e.VK), uint8(e.Reason), uint8(e.Fx)})
		}
		return out
	}
	for _, c := range []columnsCase{
		{"columns above a base, one negative", payload(above), rows(above)},
		{"64-bit and 32-bit columns, negative values", payload(wide), rows(wide)},
		{"numbers above a base that cross 2^32", payload(carry), rows(carry)},
		{"every column constant", payload(constant), rows(constant)},
		{"a column after the ones the page knows", newer, rows(some)},
		{"a writer without the last two columns", older, rows(olderEvs)},
	} {
		evs, _, err := decodeEventsPayload(c.Payload, nil, nil)
		require.NoError(t, err, c.Name)
		require.Equal(t, c.Rows, rows(evs), "%s: the Go reader reads the rows the page must", c.Name)
		fx.Cases = append(fx.Cases, c)
	}
	b, err := json.MarshalIndent(fx, "", " ")
	require.NoError(t, err)
	golden.JSON(t, filepath.Join("..", "static", "testdata", "columns.json"), b, *updateColumns, "go test ./engine/ -run ColumnsFixture -update")
}
