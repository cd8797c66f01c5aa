package engine

import (
	"fmt"
	"slices"
	"strconv"
)

// WaitReason says why a goroutine is blocked. Its text is Go's own words,
// as a goroutine dump prints them ("goroutine 7 [chan receive]:"), so an
// outcome reads as Go's would.
type WaitReason uint8

// Wait reasons. WaitNone is a goroutine that is not blocked.
const (
	WaitNone           WaitReason = iota
	WaitChanSend                  // blocked sending on a channel
	WaitChanSendNil               // sending on a nil channel: forever
	WaitChanReceive               // blocked receiving from a channel
	WaitChanReceiveNil            // receiving from a nil channel: forever
	WaitSelect                    // blocked in a select
	WaitSelectNoCases             // select {}: forever
	WaitMutexLock                 // sync.Mutex.Lock (also a Once whose function runs elsewhere)
	WaitRWMutexLock               // sync.RWMutex.Lock
	WaitRWMutexRLock              // sync.RWMutex.RLock
	WaitWaitGroupWait             // sync.WaitGroup.Wait
	WaitCondWait                  // sync.Cond.Wait
	WaitSleep                     // time.Sleep
	WaitIO                        // a simulated network call
	waitReasonCount
)

var waitReasonNames = [...]string{
	WaitNone: "", WaitChanSend: "chan send", WaitChanSendNil: "chan send (nil chan)",
	WaitChanReceive: "chan receive", WaitChanReceiveNil: "chan receive (nil chan)",
	WaitSelect: "select", WaitSelectNoCases: "select (no cases)",
	WaitMutexLock: "sync.Mutex.Lock", WaitRWMutexLock: "sync.RWMutex.Lock",
	WaitRWMutexRLock: "sync.RWMutex.RLock", WaitWaitGroupWait: "sync.WaitGroup.Wait",
	WaitCondWait: "sync.Cond.Wait", WaitSleep: "sleep", WaitIO: "IO wait",
}

// String returns the reason in Go's words, e.g. "chan receive".
func (r WaitReason) String() string {
	if int(r) < len(waitReasonNames) {
		return waitReasonNames[r]
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// MarshalText writes the reason as Go's words, so JSON carries "chan receive".
func (r WaitReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a reason written by MarshalText.
func (r *WaitReason) UnmarshalText(b []byte) error {
	for i, n := range waitReasonNames {
		if n == string(b) {
			*r = WaitReason(i)
			return nil
		}
	}
	return fmt.Errorf("unknown wait reason %q", b)
}

// Effect is what an event did to its object's buffer, as bits: the event
// says it, so a reader keeps a channel's values in order without knowing
// when Go moves a blocked sender's value into a freed slot or drops a tick.
type Effect uint8

// Effects of an [Event] on the buffer of its object.
const (
	FxPush      Effect = 1 << iota // the event's value joined the tail of the buffer
	FxPop                          // the value at the head of the buffer left it
	FxDrain                        // the buffer was emptied (a timer stopped or reset)
	effectCount = iota
)

var effectNames = [effectCount]string{"push", "pop", "drain"}

// String returns the effects' names joined by "+", e.g. "push", or "" for none.
func (f Effect) String() string {
	s := ""
	for i, n := range effectNames {
		if f&(1<<i) != 0 {
			if s != "" {
				s += "+"
			}
			s += n
		}
	}
	return s
}

// Vocabulary is every name the runtime gives the page: what events, objects,
// waits and outcomes are called, each list indexed as the wire numbers it.
// It is declared here once; the page's static/vocab.js is generated from it.
type Vocabulary struct {
	EventKinds   []string // by Kind number
	ObjectKinds  []string // by ObjKind number ("" for 0)
	WaitReasons  []string // by WaitReason number ("" for WaitNone)
	Effects      []string // by bit: Effects[i] names the Effect 1<<i
	OutcomeKinds []string
	Policies     []string // scheduling policies, the default first
	// EventColumns are an events frame's columns in order (frame_events.go).
	EventColumns []EventColumn
}

// EventColumn names a column of an events frame, and says whether its base
// is a signed varint.
type EventColumn struct {
	Name   string `json:"name"`
	Signed bool   `json:"signed"`
}

// Vocab returns the runtime's vocabulary, as copies the caller may keep.
func Vocab() Vocabulary {
	v := Vocabulary{
		EventKinds:   slices.Clone(kindNames[:kindCount]),
		ObjectKinds:  slices.Clone(objKindNames[:]),
		WaitReasons:  slices.Clone(waitReasonNames[:waitReasonCount]),
		Effects:      slices.Clone(effectNames[:]),
		OutcomeKinds: []string{},
		Policies:     slices.Clone(policyNames[:]),
	}
	for _, k := range outcomeKinds {
		v.OutcomeKinds = append(v.OutcomeKinds, string(k))
	}
	for _, c := range eventColumns {
		v.EventColumns = append(v.EventColumns, EventColumn{c.name, c.signed})
	}
	return v
}
