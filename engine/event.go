package engine

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unsafe"
)

// Pos identifies a source position: an index into the running [Program]'s
// Sites. The zero Pos means "unknown".
type Pos int32

// Site is one source position of the original program, with the function
// that contains it (as Go names functions in stack traces, e.g. "main.worker").
type Site struct {
	File string
	Line int
	Func string
	Expr string // the object expression operated on, e.g. "c.mu", naming zero-value objects
}

// String returns "file:line", or "?" for an unknown site.
func (s Site) String() string {
	if s.File == "" {
		return "?"
	}
	return s.File + ":" + strconv.Itoa(s.Line)
}

// Kind says what an [Event] records.
type Kind uint8

// Event kinds. A blocking operation records its Block kind when it parks and
// its Done kind when it completes; a non-blocking one records the plain kind.
const (
	KindNone          Kind = iota
	KindGo                 // G started goroutine Peer
	KindGoEnd              // G returned (or called Goexit)
	KindGosched            // G yielded the processor
	KindMake               // object Obj was created
	KindSend               // G sent Val on Obj without blocking (Peer: receiver handed the value)
	KindSendBlock          // G blocked sending Val on Obj
	KindSendDone           // G's blocked send on Obj completed (Peer: who took the value; Val 0 when woken by close)
	KindRecv               // G received Val on Obj without blocking (Peer: sender handing it over); Flag: ok
	KindRecvBlock          // G blocked receiving on Obj
	KindRecvDone           // G's blocked receive on Obj completed with Val (Peer: sender or closer); Flag: ok
	KindClose              // G closed Obj
	KindSelectCase         // G's select waits on Obj; Flag 1 for a send case
	KindSelectBlock        // G blocked in select with Val cases
	KindSelectDefault      // G's select took its default case
	KindLock               // G locked mutex Obj (Flag: read lock of an RWMutex)
	KindLockBlock          // G blocked locking Obj (Flag: read lock)
	KindLockDone           // G acquired Obj after blocking (Peer: who released it)
	KindUnlock             // G unlocked Obj (Flag: read unlock)
	KindTryLock            // G tried Obj; Val 1 when it succeeded (Flag: read lock)
	KindWGAdd              // G added Val (signed) to WaitGroup Obj; Peer holds the new counter
	KindWGWait             // G's Wait on Obj returned at once
	KindWGBlock            // G blocked in Wait on Obj
	KindWGDone             // G's Wait on Obj returned after blocking (Peer: who brought the counter to zero)
	KindOnce               // G ran Once Obj's function (Val 1) or found it done (Val 0)
	KindOnceDone           // Once Obj's function, run by G, returned (or panicked): Obj is done
	KindCondWait           // G waits on Cond Obj
	KindCondWake           // G was woken on Cond Obj by Peer
	KindCondSignal         // G signalled Cond Obj (Val: goroutines woken)
	KindAtomic             // G performed an atomic operation on Obj; Val is the new value
	KindSleep              // G sleeps for Val nanoseconds
	KindWake               // G's sleep ended
	KindTimerFire          // timer Obj fired
	KindTimerStop          // G stopped timer Obj (Val 1 if it was pending)
	KindTimerReset         // G reset timer Obj to fire after Val nanoseconds
	KindCancel             // context Obj was cancelled; Val is the cause
	KindPrint              // G printed Val (Flag: 1 stdout, 2 stderr)
	KindResize             // the capacity of channel Obj became Val (an intervention)
	KindSchedule           // an intervention chose G to run next
	KindHTTP               // G started a simulated HTTP request to Val
	KindHTTPDone           // G's simulated request finished with Val (status or error)
	KindPanic              // G panicked with Val
	KindExit               // G called os.Exit(Val)
	KindRead               // G read Val from shared variable (or map) Obj
	KindWrite              // G wrote Val to shared variable (or map) Obj (Peer: the writer of the value overwritten; Flag 1: an update was lost)
	KindRace               // G's latest access to Obj raced with goroutine Peer's access at step Val (a data race, as go run -race reports it)
	KindPreempt            // G was preempted after running Val nanoseconds without blocking
	kindCount
)

var kindNames = [...]string{
	KindNone: "none", KindGo: "go", KindGoEnd: "goend", KindGosched: "gosched", KindMake: "make",
	KindSend: "send", KindSendBlock: "send.block", KindSendDone: "send.done",
	KindRecv: "recv", KindRecvBlock: "recv.block", KindRecvDone: "recv.done", KindClose: "close",
	KindSelectCase: "select.case", KindSelectBlock: "select.block", KindSelectDefault: "select.default",
	KindLock: "lock", KindLockBlock: "lock.block", KindLockDone: "lock.done", KindUnlock: "unlock",
	KindTryLock: "trylock", KindWGAdd: "wg.add", KindWGWait: "wg.wait", KindWGBlock: "wg.block",
	KindWGDone: "wg.done", KindOnce: "once", KindOnceDone: "once.done", KindCondWait: "cond.wait", KindCondWake: "cond.wake",
	KindCondSignal: "cond.signal", KindAtomic: "atomic", KindSleep: "sleep", KindWake: "wake",
	KindTimerFire: "timer.fire", KindTimerStop: "timer.stop", KindTimerReset: "timer.reset",
	KindCancel: "cancel", KindPrint: "print", KindResize: "resize", KindSchedule: "schedule",
	KindHTTP: "http", KindHTTPDone: "http.done", KindPanic: "panic", KindExit: "exit",
	KindRead: "read", KindWrite: "write", KindRace: "race", KindPreempt: "preempt",
}

// String returns the kind's stable wire name, e.g. "send.block".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// ValKind says how an [Event]'s Val bits are to be read.
type ValKind uint8

// Value kinds of an event's Val.
const (
	ValNone   ValKind = iota // no value
	ValInt                   // int64(Val)
	ValUint                  // Val
	ValBool                  // Val != 0
	ValFloat                 // math.Float64frombits(Val)
	ValString                // Log.String(Val): text interned in the log
)

// Event is one step of a run. It is 40 bytes, kept in fixed-size chunks of a
// [Log]; its sequence number is its index in the log.
//
// An event states its effects rather than leaving them to be inferred: who
// was woken and by whom (G and Peer of a Done kind), why a goroutine parks
// (Reason), where a value went in a buffer (Fx), a WaitGroup's new counter
// (Peer of KindWGAdd). A reader folds events into the runtime's state
// without knowing Go's rules.
type Event struct {
	Time   int64      // virtual time in nanoseconds since the run started
	Val    uint64     // the value, read according to VK
	G      int32      // the goroutine the event is about (0: the runtime itself, e.g. a timer)
	Obj    int32      // the object involved (0: none)
	Peer   int32      // the other goroutine of a hand-off, or a kind-specific number
	Pos    Pos        // where in the original source
	Kind   Kind       // what happened
	VK     ValKind    // how to read Val
	Flag   uint8      // kind-specific detail (ok of a receive, read lock, output stream)
	Reason WaitReason // why G parks, on the event after which it waits (WaitNone otherwise)
	Fx     Effect     // what the event did to Obj's buffer
}

// chunkSize events per log chunk: large enough that chunk allocation is noise,
// small enough that a short run wastes little.
const chunkSize = 4096

// Log is a run's event log: append-only, chunked so that growth never copies,
// with the strings its events refer to interned once. A streamed run's log
// may drop the chunks it has sent (see forget), so that it holds only the
// events it has not.
type Log struct {
	chunks  [][]Event // nil where dropped
	n       int
	sent    int       // the events before this one may be dropped (forget)
	dropped int       // leading chunks dropped: their events are gone
	free    [][]Event // dropped chunks, for append to reuse
	strs    []string
	strIdx  map[string]uint64
	addrs   map[string]string // real addresses in formatted values -> stable ones (stableAddrs)
	Objects []Object          // objects in creation order; Objects[i].ID == i+1
	Gs      []Goroutine       // goroutines in creation order; Gs[i].ID == i+1
}

// Len returns the number of events.
func (l *Log) Len() int { return l.n }

// At returns event i (0 <= i < Len()), which must not have been dropped.
func (l *Log) At(i int) Event { return l.chunks[i/chunkSize][i%chunkSize] }

// All calls yield for each event in order, stopping early if yield returns
// false. The log must have dropped none (a streamed run's may have).
func (l *Log) All(yield func(int, Event) bool) {
	for i := 0; i < l.n; i++ {
		if !yield(i, l.At(i)) {
			return
		}
	}
}

// forget lets the log drop the events before n once whole chunks of them
// are behind it: their reader has them (StreamRun has sent them as frames).
func (l *Log) forget(n int) { l.sent = max(l.sent, min(n, l.n)) }

// droppable reports whether forget allows the log to drop its next chunk,
// all of whose events are before upto.
func (l *Log) droppable(upto int) bool { return (l.dropped+1)*chunkSize <= min(l.sent, upto) }

// drop drops the log's next chunk (droppable says when it may): its
// storage holds the log's next events instead. A streamed run then touches
// no new memory for its log after its first chunks, where it touched 5 MB
// for the browser benchmark's 124,539 events: page faults that took a
// fifth of its child's time.
func (l *Log) drop() {
	l.free = append(l.free, l.chunks[l.dropped])
	l.chunks[l.dropped] = nil
	l.dropped++
}

// String returns the interned string with index i.
func (l *Log) String(i uint64) string {
	if i < uint64(len(l.strs)) {
		return l.strs[i]
	}
	return ""
}

// Strings returns the interned strings, indexed as ValString values are.
func (l *Log) Strings() []string { return l.strs }

// Bytes returns the memory the log holds for events, chunks as allocated:
// what a cache of logs must count, and what density is measured by.
func (l *Log) Bytes() int {
	return (len(l.chunks) - l.dropped + len(l.free)) * chunkSize * int(unsafe.Sizeof(Event{}))
}

func (l *Log) append(e Event) {
	c := l.n / chunkSize
	if c == len(l.chunks) {
		if k := len(l.free); k > 0 {
			l.chunks = append(l.chunks, l.free[k-1])
			l.free = l.free[:k-1]
		} else {
			l.chunks = append(l.chunks, make([]Event, chunkSize))
		}
	}
	l.chunks[c][l.n%chunkSize] = e
	l.n++
}

func (l *Log) intern(s string) uint64 {
	if i, ok := l.strIdx[s]; ok {
		return i
	}
	if l.strIdx == nil {
		l.strIdx = make(map[string]uint64)
	}
	i := uint64(len(l.strs))
	l.strs = append(l.strs, s)
	l.strIdx[s] = i
	return i
}

// Value returns the event's value as short text, as the browser shows it.
func (l *Log) Value(e Event) string {
	switch e.VK {
	case ValInt:
		return strconv.FormatInt(int64(e.Val), 10)
	case ValUint:
		return strconv.FormatUint(e.Val, 10)
	case ValBool:
		return strconv.FormatBool(e.Val != 0)
	case ValFloat:
		return strconv.FormatFloat(math.Float64frombits(e.Val), 'g', -1, 64)
	case ValString:
		return l.String(e.Val)
	}
	return ""
}

// maxValueText bounds the text kept for a value that is not a number or a
// string, so one huge struct cannot blow up the log.
const maxValueText = 48

// encode turns a value into event bits. Scalars and strings cost no
// allocation: only the fallback for other types converts v to an interface
// that escapes (into fmt).
func encode[T any](l *Log, v T) (ValKind, uint64) {
	if k, bits, ok := encodeScalar(any(v)); ok {
		return k, bits
	}
	if s, ok := any(v).(string); ok {
		return ValString, l.intern(truncate(s))
	}
	if rt := active; rt != nil {
		// Error and String may be the program's own methods (see formatting).
		rt.formatting++
		defer func() { rt.formatting-- }()
	}
	if err, ok := any(v).(error); ok {
		return ValString, l.intern(truncate(err.Error()))
	}
	return ValString, l.intern(truncate(l.stableAddrs(fmt.Sprint(v))))
}

// heapAddr matches an address as fmt prints a pointer inside a value.
var heapAddr = regexp.MustCompile(`0x[0-9a-f]{8,}`)

// stableAddrs replaces the real addresses in a formatted value (a pointer
// field, a *int) by addresses numbered in order of first appearance in the
// run: a real address changes from run to run, and a run's log must not.
func (l *Log) stableAddrs(s string) string {
	if !strings.Contains(s, "0x") {
		return s
	}
	return heapAddr.ReplaceAllStringFunc(s, func(a string) string {
		if l.addrs == nil {
			l.addrs = map[string]string{}
		}
		f, ok := l.addrs[a]
		if !ok {
			f = "0x" + strconv.FormatUint(valueAddrBase+uint64(len(l.addrs))<<4, 16)
			l.addrs[a] = f
		}
		return f
	})
}

// valueAddrBase is where the addresses values show in events start, apart
// from the channels' (chanAddrBase).
const valueAddrBase = 0xc000800000

// encodeScalar must not let v escape: that is what keeps the callers'
// conversions on the stack.
func encodeScalar(v any) (ValKind, uint64, bool) {
	switch x := v.(type) {
	case nil, struct{}:
		return ValNone, 0, true
	case int:
		return ValInt, uint64(x), true
	case int64:
		return ValInt, uint64(x), true
	case int32:
		return ValInt, uint64(x), true
	case int16:
		return ValInt, uint64(x), true
	case int8:
		return ValInt, uint64(x), true
	case uint:
		return ValUint, uint64(x), true
	case uint64:
		return ValUint, x, true
	case uint32:
		return ValUint, uint64(x), true
	case uint16:
		return ValUint, uint64(x), true
	case uint8:
		return ValUint, uint64(x), true
	case uintptr:
		return ValUint, uint64(x), true
	case bool:
		return ValBool, b2u(x), true
	case float64:
		return ValFloat, math.Float64bits(x), true
	case float32:
		return ValFloat, math.Float64bits(float64(x)), true
	}
	return ValNone, 0, false
}

func truncate(s string) string {
	if len(s) <= maxValueText {
		return s
	}
	return s[:maxValueText-1] + "…"
}

// ObjKind says what an [Object] is.
type ObjKind uint8

// Object kinds.
const (
	ObjChan ObjKind = iota + 1
	ObjMutex
	ObjRWMutex
	ObjWaitGroup
	ObjOnce
	ObjCond
	ObjTimer
	ObjTicker
	ObjContext
	ObjAtomic
	ObjVar // a variable several goroutines can reach
	ObjMap // a map several goroutines can reach
)

var objKindNames = [...]string{
	ObjChan: "chan", ObjMutex: "mutex", ObjRWMutex: "rwmutex", ObjWaitGroup: "waitgroup",
	ObjOnce: "once", ObjCond: "cond", ObjTimer: "timer", ObjTicker: "ticker",
	ObjContext: "context", ObjAtomic: "atomic", ObjVar: "var", ObjMap: "map",
}

// String returns the kind's wire name, e.g. "waitgroup".
func (k ObjKind) String() string {
	if int(k) < len(objKindNames) && objKindNames[k] != "" {
		return objKindNames[k]
	}
	return "obj(" + strconv.Itoa(int(k)) + ")"
}

// Object is a synchronisation object of a run, declared once when it is
// created (or first used, for zero values such as a sync.Mutex field).
type Object struct {
	ID     int32   `json:"id"`
	Kind   ObjKind `json:"kind"`   // a number on the wire, as the page's OBJECT_KINDS index it
	Name   string  `json:"name"`   // the variable it was assigned to where known, else ""
	Cap    int     `json:"cap"`    // a channel's capacity at creation
	Elem   string  `json:"elem"`   // a channel's element type, as Go spells it
	Pos    Pos     `json:"pos"`    // creation site
	Parent int32   `json:"parent"` // a context's parent context (0: none)
}

// ChannelCaps returns the capacity each named channel of the run was made
// with (the first made, for a name made more than once): what a program
// computes for make(chan T, len(jobs)), found by running it.
//
// A run made only to find them stops at ChannelCapsEvents.
func (l *Log) ChannelCaps() map[string]int {
	out := map[string]int{}
	for _, o := range l.Objects {
		if _, seen := out[o.Name]; o.Kind == ObjChan && o.Name != "" && !seen {
			out[o.Name] = o.Cap
		}
	}
	return out
}

// ChannelCapsEvents bounds a run made only to find a program's ChannelCaps
// (go generate's for the catalog, the server's for a program from the
// page): a program makes its channels before it has done much.
const ChannelCapsEvents = 100_000

// Goroutine is a simulated goroutine of a run, declared when it is created.
type Goroutine struct {
	ID     int32  `json:"id"`
	Name   string `json:"name"`   // the function it runs, e.g. "main.worker"
	Parent int32  `json:"parent"` // the goroutine that started it (0 for main)
	Pos    Pos    `json:"pos"`    // the go statement
}
