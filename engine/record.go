package engine

import (
	"bufio"
	"encoding/json"
	"io"
)

// EventRecord is the JSON form of an [Event], with its value as text and
// its position as "file:line".
type EventRecord struct {
	Seq  int    `json:"seq"`
	T    int64  `json:"t"`
	G    int32  `json:"g"`
	Kind string `json:"kind"`
	Obj  int32  `json:"obj,omitempty"`
	Val  string `json:"val,omitempty"`
	Peer int32  `json:"peer,omitempty"`
	Flag uint8  `json:"flag,omitempty"`
	Pos  string `json:"pos,omitempty"`
	// Why G parks after this event, in Go's words; empty if it does not.
	Reason WaitReason `json:"reason,omitempty"`
	// What the event did to Obj's buffer: "push", "pop", "drain" or empty.
	Fx string `json:"fx,omitempty"`
}

// Record returns event i in its JSON form; sites resolve its position.
func (l *Log) Record(i int, sites []Site) EventRecord {
	e := l.At(i)
	r := EventRecord{Seq: i, T: e.Time, G: e.G, Kind: e.Kind.String(), Obj: e.Obj, Val: l.Value(e), Peer: e.Peer, Flag: e.Flag, Reason: e.Reason, Fx: e.Fx.String()}
	if e.Pos > 0 && int(e.Pos) < len(sites) {
		r.Pos = sites[e.Pos].String()
	}
	return r
}

// WriteJSONL writes the log as JSON lines: one EventRecord per line.
func (l *Log) WriteJSONL(w io.Writer, sites []Site) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for i := 0; i < l.n; i++ {
		if err := enc.Encode(l.Record(i, sites)); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// OutcomeRecord is the JSON form of an [Outcome].
type OutcomeRecord struct {
	Outcome  OutcomeKind     `json:"outcome"`
	Message  string          `json:"message,omitempty"`
	ExitCode int             `json:"exitCode"`
	Fatal    bool            `json:"fatal,omitempty"`
	G        int32           `json:"g,omitempty"`
	Pos      string          `json:"pos,omitempty"`
	Blocked  []BlockedRecord `json:"blocked,omitempty"`
	Edges    []WaitEdge      `json:"waitFor,omitempty"`
	Events   int             `json:"events"`

	Races      []RaceRecord `json:"races,omitempty"`      // the data races found (Outcome.Races)
	RaceReport string       `json:"raceReport,omitempty"` // what go run -race would print for them
}

// BlockedRecord is the JSON form of a [Blocked] goroutine.
type BlockedRecord struct {
	G      int32      `json:"g"`
	Name   string     `json:"name"`
	Reason WaitReason `json:"reason"` // Go's words, e.g. "chan receive"
	Obj    int32      `json:"obj,omitempty"`
	Pos    string     `json:"pos,omitempty"`
}

// Record returns the result's outcome in its JSON form; sites resolve positions.
func (r *Result) Record(sites []Site) OutcomeRecord {
	o := r.Outcome
	at := func(p Pos) string {
		if p > 0 && int(p) < len(sites) {
			return sites[p].String()
		}
		return ""
	}
	rec := OutcomeRecord{Outcome: o.Kind, Message: o.Message, ExitCode: o.ExitCode, Fatal: o.Fatal, G: o.G, Pos: at(o.Pos), Edges: o.Edges, Events: r.Log.Len()}
	rec.Races, rec.RaceReport = raceRecords(o.Races, at), o.RaceReport
	for _, b := range o.Blocked {
		rec.Blocked = append(rec.Blocked, BlockedRecord{G: b.G, Name: b.Name, Reason: b.Reason, Obj: b.Obj, Pos: at(b.Pos)})
	}
	return rec
}
