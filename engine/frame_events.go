package engine

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
)

// An events frame holds a batch of events column by column: one field of
// every event, then the next field, each column in the fewest bytes its
// values need. A run repeats small numbers (goroutine ids, positions,
// kinds, values), so columns are narrow: the browser benchmark's run of
// 124,539 events takes 1.7 MB this way (14 bytes an event, with the
// strings and declarations), 4.7 MB as fixed rows of 38 bytes.
// The bytes cross the pipe from the child and the browser's WebSocket,
// whose cost grows with them, and a page (static/frames.js) copies each
// column into its typed arrays at once rather than reading event by event.
//
// The payload: a uvarint n (the events), a uvarint c (the columns), then c
// columns, each a width byte (0, 1, 2, 4 or 8), the column's base (a varint
// for a signed field, a uvarint for an unsigned one) and n little-endian
// unsigned numbers of that width. A field's value is base plus its number,
// wrapping at 64 bits; a column of width 0 gives every event its base. The
// columns are the fields of eventColumns, in its order. A reader takes the
// columns it knows, skips any after them (every column says its width and
// base, whatever the field) and leaves a field no column gave zero.

// The columns of an events frame, in order. A new field goes at the end:
// a reader that does not know it skips its column.
const (
	colTime = iota
	colValue
	colG
	colObj
	colPeer
	colPos
	colKind
	colVK
	colFlag
	colReason
	colFx
	numColumns
)

// eventColumns names each column, and says whether its field is signed
// (its base is then a varint, and its numbers count from it as int64).
var eventColumns = [numColumns]struct {
	name   string
	signed bool
}{
	colTime: {"time", true}, colValue: {"value", false}, colG: {"g", true}, colObj: {"obj", true},
	colPeer: {"peer", true}, colPos: {"pos", true}, colKind: {"kind", false}, colVK: {"value kind", false},
	colFlag: {"flag", false}, colReason: {"wait reason", false}, colFx: {"effects", false},
}

// gather puts column c of evs into dst, each field as its 64 bits (two's
// complement for a signed one). This runs for every event a run streams,
// in the child and again in the server: get is a literal for each field
// so that it inlines into gatherField's loop.
func gather(dst []uint64, evs []Event, c int) {
	switch c {
	case colTime:
		gatherField(dst, evs, func(e *Event) uint64 { return uint64(e.Time) })
	case colValue:
		gatherField(dst, evs, func(e *Event) uint64 { return e.Val })
	case colG:
		gatherField(dst, evs, func(e *Event) uint64 { return uint64(e.G) })
	case colObj:
		gatherField(dst, evs, func(e *Event) uint64 { return uint64(e.Obj) })
	case colPeer:
		gatherField(dst, evs, func(e *Event) uint64 { return uint64(e.Peer) })
	case colPos:
		gatherField(dst, evs, func(e *Event) uint64 { return uint64(e.Pos) })
	case colKind:
		gatherField(dst, evs, func(e *Event) uint64 { return uint64(e.Kind) })
	case colVK:
		gatherField(dst, evs, func(e *Event) uint64 { return uint64(e.VK) })
	case colFlag:
		gatherField(dst, evs, func(e *Event) uint64 { return uint64(e.Flag) })
	case colReason:
		gatherField(dst, evs, func(e *Event) uint64 { return uint64(e.Reason) })
	case colFx:
		gatherField(dst, evs, func(e *Event) uint64 { return uint64(e.Fx) })
	}
}

func gatherField(dst []uint64, evs []Event, get func(e *Event) uint64) {
	dst = dst[:len(evs)]
	for i := range evs {
		dst[i] = get(&evs[i])
	}
}

// scatter sets column c of evs from src, and returns the first event whose
// value is out of its field's range, or -1.
func scatter(evs []Event, src []uint64, c int) int {
	src = src[:len(evs)]
	switch c {
	case colG, colObj, colPeer, colPos:
		if i := outOfInt32(src); i >= 0 {
			return i
		}
	case colKind, colVK, colFlag, colReason, colFx:
		if i := outOfByte(src); i >= 0 {
			return i
		}
	}
	switch c {
	case colTime:
		scatterField(evs, src, func(e *Event, v uint64) { e.Time = int64(v) })
	case colValue:
		scatterField(evs, src, func(e *Event, v uint64) { e.Val = v })
	case colG:
		scatterField(evs, src, func(e *Event, v uint64) { e.G = int32(v) })
	case colObj:
		scatterField(evs, src, func(e *Event, v uint64) { e.Obj = int32(v) })
	case colPeer:
		scatterField(evs, src, func(e *Event, v uint64) { e.Peer = int32(v) })
	case colPos:
		scatterField(evs, src, func(e *Event, v uint64) { e.Pos = Pos(v) })
	case colKind:
		scatterField(evs, src, func(e *Event, v uint64) { e.Kind = Kind(v) })
	case colVK:
		scatterField(evs, src, func(e *Event, v uint64) { e.VK = ValKind(v) })
	case colFlag:
		scatterField(evs, src, func(e *Event, v uint64) { e.Flag = uint8(v) })
	case colReason:
		scatterField(evs, src, func(e *Event, v uint64) { e.Reason = WaitReason(v) })
	case colFx:
		scatterField(evs, src, func(e *Event, v uint64) { e.Fx = Effect(v) })
	}
	return -1
}

func scatterField(evs []Event, src []uint64, set func(e *Event, v uint64)) {
	for i, v := range src {
		set(&evs[i], v)
	}
}

// outOfInt32 returns the first of vals that is not an int32's 64 bits, or -1.
func outOfInt32(vals []uint64) int {
	for i, v := range vals {
		if int64(v) != int64(int32(v)) {
			return i
		}
	}
	return -1
}

// outOfByte returns the first of vals over 255, or -1.
func outOfByte(vals []uint64) int {
	for i, v := range vals {
		if v > 0xff {
			return i
		}
	}
	return -1
}

const (
	// maxEventBytes is the most an event can take in an events frame: 8
	// bytes each for time and value, 4 for each 32-bit field (a column of
	// them spans less than 2^32 from its base), 1 for each byte.
	maxEventBytes = 8 + 8 + 4*4 + 5
	// maxFrameEvents bounds the events of one frame, so that a frame of
	// narrow columns cannot make a reader allocate without limit; a writer
	// never puts more in one (the columns' headers fit in the room left).
	maxFrameEvents = (maxFrame - 256) / maxEventBytes
	// maxColumns bounds the columns a reader walks through: the eleven it
	// knows and room for fields to come.
	maxColumns = 64
)

// widthOf is the fewest bytes, of 0, 1, 2, 4 and 8, that hold v.
func widthOf(v uint64) int {
	switch n := (bits.Len64(v) + 7) / 8; {
	case n <= 2:
		return n
	case n <= 4:
		return 4
	default:
		return 8
	}
}

// columnShape chooses a column's base and width for its values vals:
// base 0 when that is as narrow as the smallest value (a reader then copies
// the column as it is), else the smallest value.
func columnShape(signed bool, vals []uint64) (base uint64, width int) {
	if len(vals) == 0 {
		return 0, 0
	}
	lo, hi := vals[0], vals[0]
	if signed {
		l, h := int64(lo), int64(hi)
		for _, v := range vals[1:] {
			l, h = min(l, int64(v)), max(h, int64(v))
		}
		lo, hi = uint64(l), uint64(h)
	} else {
		for _, v := range vals[1:] {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	width = widthOf(hi - lo)
	if nonNegative := !signed || int64(lo) >= 0; nonNegative && widthOf(hi) == width {
		return 0, width
	}
	return lo, width
}

// appendEventsFrame appends an events frame holding evs (at most
// maxFrameEvents of them): the type byte, the payload's length, the
// payload. vals is room for a column of evs.
func appendEventsFrame(b []byte, evs []Event, vals []uint64) []byte {
	type shape struct {
		base  uint64
		width int
	}
	var shapes [numColumns]shape
	vals = vals[:len(evs)]
	size := uvarintLen(uint64(len(evs))) + uvarintLen(numColumns)
	for c, col := range eventColumns {
		gather(vals, evs, c)
		base, width := columnShape(col.signed, vals)
		shapes[c] = shape{base, width}
		size += 1 + len(evs)*width
		if col.signed {
			size += varintLen(int64(base))
		} else {
			size += uvarintLen(base)
		}
	}
	b = slices.Grow(b, 1+binary.MaxVarintLen64+size)
	b = append(b, frameEvents)
	b = binary.AppendUvarint(b, uint64(size))
	b = binary.AppendUvarint(b, uint64(len(evs)))
	b = binary.AppendUvarint(b, numColumns)
	for c, col := range eventColumns {
		base, width := shapes[c].base, shapes[c].width
		b = append(b, byte(width))
		if col.signed {
			b = binary.AppendVarint(b, int64(base))
		} else {
			b = binary.AppendUvarint(b, base)
		}
		if width == 0 {
			continue
		}
		// Gathered again, not kept from the first pass: room for one
		// column, not eleven, and the loop is as cheap as reading a copy.
		gather(vals, evs, c)
		switch width {
		case 1:
			for _, v := range vals {
				b = append(b, byte(v-base))
			}
		case 2:
			for _, v := range vals {
				b = binary.LittleEndian.AppendUint16(b, uint16(v-base))
			}
		case 4:
			for _, v := range vals {
				b = binary.LittleEndian.AppendUint32(b, uint32(v-base))
			}
		case 8:
			for _, v := range vals {
				b = binary.LittleEndian.AppendUint64(b, v-base)
			}
		}
	}
	return b
}

// uvarintLen and varintLen are how many bytes v takes as a varint.
func uvarintLen(v uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], v)
}

func varintLen(v int64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutVarint(b[:], v)
}

// decodeEventsPayload decodes an events frame's payload into evs (reused,
// returned resliced to the frame's events), or says why it cannot. vals
// is reused room for a column.
func decodeEventsPayload(payload []byte, evs []Event, vals []uint64) ([]Event, []uint64, error) {
	n, k := binary.Uvarint(payload)
	if k <= 0 || n > maxFrameEvents {
		return evs, vals, fmt.Errorf("events frame of %d bytes: bad event count", len(payload))
	}
	off := k
	cols, k := binary.Uvarint(payload[off:])
	if k <= 0 || cols > maxColumns {
		return evs, vals, fmt.Errorf("events frame: bad column count")
	}
	off += k
	if uint64(cap(evs)) < n {
		evs = make([]Event, n)
	} else {
		evs = evs[:n]
		clear(evs)
	}
	if uint64(cap(vals)) < n {
		vals = make([]uint64, n)
	}
	vals = vals[:n]
	for c := range int(cols) {
		if off >= len(payload) {
			return evs, vals, fmt.Errorf("events frame of %d bytes: truncated at column %d", len(payload), c)
		}
		width := int(payload[off])
		off++
		if width != 0 && width != 1 && width != 2 && width != 4 && width != 8 {
			return evs, vals, fmt.Errorf("events frame: column %d of width %d", c, width)
		}
		var base uint64
		if c < numColumns && eventColumns[c].signed {
			var v int64
			v, k = binary.Varint(payload[off:])
			base = uint64(v)
		} else {
			base, k = binary.Uvarint(payload[off:])
		}
		if k == 0 {
			return evs, vals, fmt.Errorf("events frame of %d bytes: truncated at column %d", len(payload), c)
		}
		if k < 0 {
			return evs, vals, fmt.Errorf("events frame: column %d has a base over 64 bits", c)
		}
		off += k
		if len(payload)-off < int(n)*width {
			return evs, vals, fmt.Errorf("events frame of %d bytes: truncated at column %d", len(payload), c)
		}
		col := payload[off : off+int(n)*width]
		off += len(col)
		if c >= numColumns {
			continue // a field this reader does not know
		}
		switch width {
		case 0:
			for i := range vals {
				vals[i] = base
			}
		case 1:
			for i := range vals {
				vals[i] = base + uint64(col[i])
			}
		case 2:
			for i := range vals {
				vals[i] = base + uint64(binary.LittleEndian.Uint16(col[2*i:]))
			}
		case 4:
			for i := range vals {
				vals[i] = base + uint64(binary.LittleEndian.Uint32(col[4*i:]))
			}
		case 8:
			for i := range vals {
				vals[i] = base + binary.LittleEndian.Uint64(col[8*i:])
			}
		}
		if i := scatter(evs, vals, c); i >= 0 {
			return evs, vals, fmt.Errorf("events frame: %s of event %d out of range", eventColumns[c].name, i)
		}
	}
	if off != len(payload) {
		return evs, vals, fmt.Errorf("events frame of %d bytes: %d left over", len(payload), len(payload)-off)
	}
	return evs, vals, nil
}
