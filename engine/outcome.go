package engine

import (
	"fmt"
	"reflect"
	goruntime "runtime"
	"strconv"
	"strings"
)

// OutcomeKind says how a run ended.
type OutcomeKind string

// Outcome kinds.
const (
	OutcomeOK       OutcomeKind = "ok"       // main returned with nothing blocked
	OutcomeDeadlock OutcomeKind = "deadlock" // nothing could run, no timer pending, main not returned
	OutcomeLeak     OutcomeKind = "leak"     // main returned while goroutines stayed blocked
	OutcomePanic    OutcomeKind = "panic"    // an unrecovered panic or a fatal error
	OutcomeExit     OutcomeKind = "exit"     // os.Exit
	OutcomeLimit    OutcomeKind = "limit"    // an event, goroutine or virtual-time cap was reached
)

// outcomeKinds is every OutcomeKind above, in their order: the vocabulary the
// page receives (a test checks it against the constants).
var outcomeKinds = []OutcomeKind{OutcomeOK, OutcomeDeadlock, OutcomeLeak, OutcomePanic, OutcomeExit, OutcomeLimit}

// OnStderr reports whether a run that ends this way prints its Report on
// standard error. A leak does not: Go prints nothing when main returns, so the
// list of goroutines still blocked is concviz's note, shown only on request.
// A limit does: Go has no such end, and the user must learn why the run stopped.
func (k OutcomeKind) OnStderr() bool { return k != OutcomeLeak }

// Outcome is how a run ended, in Go's own words where Go has them.
type Outcome struct {
	Kind     OutcomeKind
	Message  string // first line, e.g. "fatal error: all goroutines are asleep - deadlock!"
	Report   string // the whole report as Go prints it on standard error (empty for ok)
	ExitCode int    // the exit status the real program would have
	Fatal    bool   // a fatal error (not recoverable) rather than a panic
	G        int32  // the goroutine that panicked or exited
	Pos      Pos    // where it did
	Blocked  []Blocked
	Edges    []WaitEdge

	// Races are the data races found, one per pair of source locations, in
	// the order found, whether or not Config.Race reported them; RaceReport
	// is the text a binary built with -race would print for them on
	// standard error (see race.go).
	Races      []Race
	RaceReport string
}

// Blocked describes a goroutine that could not proceed when the run ended.
type Blocked struct {
	G      int32
	Name   string
	Reason WaitReason // in Go's words when printed, e.g. "chan receive"
	Obj    int32      // the object waited on (0: none, e.g. a nil channel)
	Pos    Pos
}

// WaitEdge is one edge of the wait-for graph: goroutine G waits on Obj, which
// only the live goroutines in By could have released (an empty By is a dead end).
type WaitEdge struct {
	G   int32   `json:"g"`
	Obj int32   `json:"obj"`
	By  []int32 `json:"by"` // never null in JSON: [] is a dead end
}

// ExitCodeLimit is the exit status of a run stopped by a limit; Go has no
// such outcome, so it differs from Go's status 2 for crashes.
const ExitCodeLimit = 3

func (rt *runtime) end(o Outcome) {
	if rt.ending {
		return
	}
	rt.ending = true
	rt.outcome = o
}

func (rt *runtime) endMainReturned() {
	blocked := rt.blocked()
	if len(blocked) == 0 {
		rt.end(Outcome{Kind: OutcomeOK})
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "concviz: %d goroutine%s still blocked when main returned\n", len(blocked), plural(len(blocked)))
	rt.writeTraces(&b, blocked)
	o := Outcome{
		Kind:    OutcomeLeak,
		Message: strings.TrimSuffix(strings.SplitN(b.String(), "\n", 2)[0], "\n"),
		Report:  b.String(),
		Blocked: blocked,
	}
	o.Edges = rt.waitFor(blocked)
	rt.end(o)
}

// endStuck ends a run in which nothing can run and no timer is pending.
func (rt *runtime) endStuck() {
	blocked := rt.blocked()
	if rt.mainExited && len(blocked) == 0 {
		msg := "fatal error: no goroutines (main called runtime.Goexit) - deadlock!"
		rt.end(Outcome{Kind: OutcomeDeadlock, Message: msg, Report: msg + "\n", ExitCode: 2, Fatal: true})
		return
	}
	msg := "fatal error: all goroutines are asleep - deadlock!"
	var b strings.Builder
	b.WriteString(msg + "\n")
	rt.writeTraces(&b, blocked)
	rt.end(Outcome{
		Kind: OutcomeDeadlock, Message: msg, Report: b.String(), ExitCode: 2, Fatal: true,
		Blocked: blocked, Edges: rt.waitFor(blocked),
	})
}

func (rt *runtime) endLimit(what string) {
	msg := LimitMessage(what)
	rt.end(Outcome{Kind: OutcomeLimit, Message: msg, Report: msg + "\n", ExitCode: ExitCodeLimit})
}

// LimitMessage is the line that says which limit stopped a run, e.g.
// "concviz: limit: event cap reached: 1000 events", for the engine's caps and
// for the wall clock that a caller enforces from outside.
func LimitMessage(what string) string { return "concviz: limit: " + what }

// fatal ends the run with one of Go's unrecoverable errors, raised by the
// running goroutine gg.
func (rt *runtime) fatal(gg *g, msg string) {
	recordVal(rt, Event{Kind: KindPanic, G: gg.id, Pos: gg.pos, Flag: 1}, msg)
	msg = "fatal error: " + msg
	var b strings.Builder
	b.WriteString(msg + "\n\n")
	fmt.Fprintf(&b, "goroutine %d [running]:\n", gg.id)
	rt.writeFrame(&b, gg, gg.pos)
	rt.end(Outcome{Kind: OutcomePanic, Message: msg, Report: b.String(), ExitCode: 2, Fatal: true, G: gg.id, Pos: gg.pos})
	panic(unwind{})
}

// panicked ends the run with goroutine gg's unrecovered panic r. It runs in
// a deferred call, so the panicking frames are still on the stack.
func (rt *runtime) panicked(gg *g, r any) {
	header := panicHeader(gg, r)
	msg, _, _ := strings.Cut(header, "\n")
	recordVal(rt, Event{Kind: KindPanic, G: gg.id, Pos: gg.pos}, panicText(r))
	var b strings.Builder
	b.WriteString(header + "\n\n")
	fmt.Fprintf(&b, "goroutine %d [running]:\n", gg.id)
	if !writeStack(&b) {
		rt.writeFrame(&b, gg, gg.pos)
	} else {
		rt.writeCreatedBy(&b, gg)
	}
	gg.state = gDone
	rt.end(Outcome{Kind: OutcomePanic, Message: msg, Report: b.String(), ExitCode: 2, G: gg.id, Pos: gg.pos})
}

// Exit ends the run at once with the given status, as os.Exit does: deferred
// calls do not run.
func Exit(code int, pos Pos) {
	rt, gg := enter(pos)
	recordVal(rt, Event{Kind: KindExit, G: gg.id, Pos: gg.pos}, code)
	rt.end(Outcome{Kind: OutcomeExit, Message: "exit status " + strconv.Itoa(code), ExitCode: code, G: gg.id, Pos: gg.pos})
	panic(unwind{})
}

// blocked lists the goroutines that are blocked, in id order.
func (rt *runtime) blocked() []Blocked {
	var out []Blocked
	for _, gg := range rt.gs {
		if gg.state == gBlocked {
			out = append(out, Blocked{G: gg.id, Name: gg.name, Reason: gg.reason, Obj: gg.waitOn, Pos: gg.pos})
		}
	}
	return out
}

func (rt *runtime) writeTraces(b *strings.Builder, blocked []Blocked) {
	for _, bl := range blocked {
		gg := rt.gs[bl.G-1]
		fmt.Fprintf(b, "\ngoroutine %d [%s]:\n", gg.id, gg.reason)
		rt.writeFrame(b, gg, gg.pos)
	}
}

// writeFrame writes gg's innermost user frame at pos and, for goroutines
// other than main, the "created by" lines, as Go's traceback does.
func (rt *runtime) writeFrame(b *strings.Builder, gg *g, pos Pos) {
	s := rt.site(pos)
	fn := s.Func
	if fn == "" {
		fn = gg.name
	}
	args := "(...)"
	if fn == "main.main" {
		args = "()"
	}
	fmt.Fprintf(b, "%s%s\n\t%s\n", fn, args, s)
	rt.writeCreatedBy(b, gg)
}

// writeCreatedBy writes the "created by" lines Go ends a goroutine's
// traceback with.
func (rt *runtime) writeCreatedBy(b *strings.Builder, gg *g) {
	if gg.id == 1 || gg.parent == 0 {
		return
	}
	gs := rt.site(gg.goPos)
	creator := gs.Func
	if creator == "" {
		creator = rt.gs[gg.parent-1].name
	}
	fmt.Fprintf(b, "created by %s in goroutine %d\n\t%s\n", creator, gg.parent, gs)
}

// writeStack writes the panicking goroutine's frames that belong to the
// program (not the engine, not the Go runtime). It reports whether any did.
func writeStack(b *strings.Builder) bool {
	pcs := make([]uintptr, 64)
	n := goruntime.Callers(3, pcs)
	frames := goruntime.CallersFrames(pcs[:n])
	wrote := false
	for {
		f, more := frames.Next()
		if programFrame(f) {
			fmt.Fprintf(b, "%s(...)\n\t%s:%d\n", f.Function, f.File, f.Line)
			wrote = true
		}
		if !more {
			break
		}
	}
	return wrote
}

func programFrame(f goruntime.Frame) bool {
	switch {
	case f.Function == "":
		return false
	case strings.HasPrefix(f.Function, "runtime."), strings.HasPrefix(f.Function, "iter."),
		strings.HasPrefix(f.Function, "testing."):
		return false
	case strings.HasPrefix(f.Function, enginePkg+"."):
		return strings.HasSuffix(f.File, "_test.go")
	}
	return true
}

var enginePkg = reflect.TypeFor[Site]().PkgPath()

// panicText formats a panic value as Go's printpanicval does.
func panicText(r any) string {
	switch v := r.(type) {
	case error:
		return v.Error()
	case fmt.Stringer:
		return v.String()
	case string:
		return v
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, uintptr:
		return fmt.Sprint(v)
	case float64:
		return formatFloat(v, 64)
	case float32:
		return formatFloat(float64(v), 32)
	case complex128:
		return strconv.FormatComplex(v, 'g', -1, 128)
	case complex64:
		return strconv.FormatComplex(complex128(v), 'g', -1, 64)
	}
	t := reflect.TypeOf(r)
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32,
		reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if t.Kind() == reflect.String {
			return fmt.Sprintf("%s(%q)", t, reflect.ValueOf(r).String())
		}
		return fmt.Sprintf("%s(%v)", t, r)
	case reflect.Float32, reflect.Float64:
		return fmt.Sprintf("%s(%s)", t, formatFloat(reflect.ValueOf(r).Float(), t.Bits()))
	case reflect.Complex64, reflect.Complex128:
		return fmt.Sprintf("%s%s", t, strconv.FormatComplex(reflect.ValueOf(r).Complex(), 'g', -1, t.Bits()))
	}
	// Anything else Go prints as its type and the address of its data, which
	// differs from run to run; a fixed address keeps the log reproducible.
	return fmt.Sprintf("(%s) %s", t, panicDataAddr)
}

// panicDataAddr stands for the address Go prints for a panic value it cannot
// show (a struct, a slice, a map): a heap address as Go's would look.
const panicDataAddr = "0xc000012120"

// formatFloat prints a float as Go's print builtin does since Go 1.26: the
// shortest text that reads back as the same value of its size (1.5, 1e+21,
// +Inf), as strconv's 'g' format with precision -1 writes it.
func formatFloat(f float64, bits int) string {
	return strconv.FormatFloat(f, 'g', -1, bits)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Error is a run-time panic value raised by the engine where Go's runtime
// would raise one, e.g. "send on closed channel". It satisfies runtime.Error.
type Error struct{ msg string }

// Error returns the message as Go prints it after "panic: ".
func (e *Error) Error() string { return e.msg }

// RuntimeError marks Error as a runtime.Error, as Go's own are.
func (e *Error) RuntimeError() {}

var (
	errSendClosed  = &Error{msg: "send on closed channel"}
	errCloseClosed = &Error{msg: "close of closed channel"}
	errCloseNil    = &Error{msg: "close of nil channel"}
	errMakeChan    = &Error{msg: "runtime error: makechan: size out of range"}
)

// Recover filters the value of a recover() call in instrumented code: the
// engine's own unwinding, and Goexit, are not panics the program may stop.
// During Goexit recover() returns nil in Go; here the deferred call that
// calls it ends at that point instead (Goexit goes on either way).
func Recover(r any) any {
	switch r.(type) {
	case unwind, goexit:
		panic(r)
	case nil:
		return nil
	}
	// Remember the recovery: if the deferred call that made it panics
	// before returning, Go prints the recovered panic first.
	if rt := active; rt != nil && rt.cur != nil {
		pcs := make([]uintptr, maxStack)
		n := goruntime.Callers(2, pcs) // pcs[0] is the deferred call
		if n > 0 && n < maxStack {
			if f := goruntime.FuncForPC(pcs[0]); f != nil {
				rt.cur.recovered = append(rt.cur.recovered, recovery{val: r, fn: f.Entry(), depth: n})
			}
		}
	}
	return r
}

// maxStack bounds the frames read to match recoveries with panics; deeper
// stacks are not matched (the report then shows the last panic alone).
const maxStack = 1024

// recovery is a panic a deferred call recovered: fn is that call's function
// and depth its distance from the bottom of the goroutine's stack.
type recovery struct {
	val   any
	fn    uintptr
	depth int
}

// panicHeader is the first lines of Go's report of panic r in gg: the
// panics recovered by deferred calls that are still running (the new panic
// started inside them) come first, as Go's printpanics prints the chain.
func panicHeader(gg *g, r any) string {
	var live []recovery
	if len(gg.recovered) > 0 {
		pcs := make([]uintptr, maxStack)
		n := goruntime.Callers(1, pcs)
		if n < maxStack {
			for _, rec := range gg.recovered {
				i := n - rec.depth
				if i < 0 || i >= n {
					continue
				}
				if f := goruntime.FuncForPC(pcs[i]); f != nil && f.Entry() == rec.fn {
					live = append(live, rec)
				}
			}
		}
	}
	var b strings.Builder
	for i, rec := range live {
		if i > 0 {
			b.WriteString("\t")
		}
		if i == len(live)-1 && sameValue(rec.val, r) {
			b.WriteString("panic: " + panicText(r) + " [recovered, repanicked]")
			return b.String()
		}
		b.WriteString("panic: " + panicText(rec.val) + " [recovered]\n")
	}
	if len(live) > 0 {
		b.WriteString("\t")
	}
	b.WriteString("panic: " + panicText(r))
	return b.String()
}

// sameValue reports whether a and b are equal, treating incomparable
// values as different.
func sameValue(a, b any) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// Goexit ends the calling goroutine after running its deferred calls, as
// runtime.Goexit does.
func Goexit(pos Pos) {
	_, _ = enter(pos)
	panic(goexit{})
}
