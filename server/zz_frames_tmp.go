package server

// TEMPORARY (issue 12 p9): moves to engine/frame.go once p2 has landed.

import (
	"encoding/binary"
	"encoding/json"

	"github.com/concviz/concviz/engine"
)

const tmpEventSize = 38

type tmpFrameCursor struct{ Events, Strings, Objects, Goroutines int }

func tmpAppendFrames(b []byte, l *engine.Log, c *tmpFrameCursor, maxEvents int) ([]byte, error) {
	strs := l.Strings()
	for ; c.Strings < len(strs); c.Strings++ {
		b = tmpAppendFrame(b, 'S', []byte(strs[c.Strings]))
	}
	for ; c.Objects < len(l.Objects); c.Objects++ {
		j, err := json.Marshal(l.Objects[c.Objects])
		if err != nil {
			return b, err
		}
		b = tmpAppendFrame(b, 'O', j)
	}
	for ; c.Goroutines < len(l.Gs); c.Goroutines++ {
		j, err := json.Marshal(l.Gs[c.Goroutines])
		if err != nil {
			return b, err
		}
		b = tmpAppendFrame(b, 'G', j)
	}
	const perFrame = (1 << 20) / tmpEventSize
	end := min(l.Len(), c.Events+max(maxEvents, 0))
	for c.Events < end {
		n := min(end-c.Events, perFrame)
		b = append(b, 'E')
		b = binary.AppendUvarint(b, uint64(n*tmpEventSize))
		for i := c.Events; i < c.Events+n; i++ {
			e := l.At(i)
			b = binary.LittleEndian.AppendUint64(b, uint64(e.Time))
			b = binary.LittleEndian.AppendUint64(b, e.Val)
			b = binary.LittleEndian.AppendUint32(b, uint32(e.G))
			b = binary.LittleEndian.AppendUint32(b, uint32(e.Obj))
			b = binary.LittleEndian.AppendUint32(b, uint32(e.Peer))
			b = binary.LittleEndian.AppendUint32(b, uint32(e.Pos))
			b = append(b, byte(e.Kind), byte(e.VK), e.Flag, 0, byte(e.Reason), byte(e.Fx))
		}
		c.Events += n
	}
	return b, nil
}

func tmpAppendFrame(b []byte, typ byte, payload []byte) []byte {
	b = append(b, typ)
	b = binary.AppendUvarint(b, uint64(len(payload)))
	return append(b, payload...)
}
