package engine

import (
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// Stream numbers of a print event's Flag.
const (
	StreamStdout = 1
	StreamStderr = 2
)

// print records text written by the running goroutine to a stream and
// appends it to the run's output.
func (rt *runtime) print(gg *g, stream uint8, pos Pos, text string) {
	rt.record(Event{Kind: KindPrint, G: gg.id, Pos: pos, Flag: stream, VK: ValString, Val: rt.log.intern(text)})
	rt.racePrint(gg.id, stream)
	buf, live := &rt.stdout, rt.cfg.Stdout
	if stream == StreamStderr {
		buf, live = &rt.stderr, rt.cfg.Stderr
	}
	buf.WriteString(text)
	if live != nil {
		io.WriteString(live, text)
	}
}

// racePrint orders goroutine id's write to stream after the writes before
// it: Go's os.File takes a lock for each write, which a -race binary sees as
// synchronisation, so two goroutines that print do not race on what they
// did before printing.
func (rt *runtime) racePrint(id int32, stream uint8) {
	if rt.race.off || int(stream) >= len(rt.race.streams) {
		return
	}
	c := rt.clockOf(id)
	c.acquire(rt.race.streams[stream])
	c.releaseTo(&rt.race.streams[stream])
}

// Println is fmt.Println: it prints a line to standard output as one step.
func Println(pos Pos, a ...any) (int, error) {
	rt, gg := enter(pos)
	s := fmt.Sprintln(a...)
	rt.print(gg, StreamStdout, pos, s)
	return len(s), nil
}

// Printf is fmt.Printf.
func Printf(pos Pos, format string, a ...any) (int, error) {
	rt, gg := enter(pos)
	s := fmt.Sprintf(format, a...)
	rt.print(gg, StreamStdout, pos, s)
	return len(s), nil
}

// Print is fmt.Print.
func Print(pos Pos, a ...any) (int, error) {
	rt, gg := enter(pos)
	s := fmt.Sprint(a...)
	rt.print(gg, StreamStdout, pos, s)
	return len(s), nil
}

// stream is an io.Writer onto one of the run's output streams, whose
// writes are attributed to a source position (0: wherever the goroutine is).
type stream struct {
	n   uint8
	pos Pos
}

// Write records p as one print step.
func (s stream) Write(p []byte) (int, error) {
	rt, gg := enter(s.pos)
	rt.print(gg, s.n, gg.pos, string(p))
	return len(p), nil
}

// WriteString records s as one print step.
func (s stream) WriteString(str string) (int, error) { return s.Write([]byte(str)) }

// Stdout and Stderr stand for os.Stdout and os.Stderr.
var (
	Stdout io.Writer = stream{n: StreamStdout}
	Stderr io.Writer = stream{n: StreamStderr}
)

// StdoutAt is os.Stdout as used at pos: instrumented code writes through it
// so that each print points at the line that wrote it.
func StdoutAt(pos Pos) io.Writer { return stream{StreamStdout, pos} }

// StderrAt is os.Stderr as used at pos.
func StderrAt(pos Pos) io.Writer { return stream{StreamStderr, pos} }

// PrintBuiltin is the print builtin: it writes to standard error in the
// builtin's own format.
func PrintBuiltin(pos Pos, a ...any) {
	rt, gg := enter(pos)
	var b strings.Builder
	for _, v := range a {
		b.WriteString(builtinText(v))
	}
	rt.print(gg, StreamStderr, pos, b.String())
}

// PrintlnBuiltin is the println builtin: operands separated by spaces, then
// a newline, on standard error.
func PrintlnBuiltin(pos Pos, a ...any) {
	rt, gg := enter(pos)
	var b strings.Builder
	for i, v := range a {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(builtinText(v))
	}
	b.WriteByte('\n')
	rt.print(gg, StreamStderr, pos, b.String())
}

// builtinText formats one operand as print and println do.
func builtinText(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case float64:
		return formatFloat(x, 64)
	case float32:
		return formatFloat(float64(x), 32)
	case complex128:
		return strconv.FormatComplex(x, 'g', -1, 128)
	case complex64:
		return strconv.FormatComplex(complex128(x), 'g', -1, 64)
	case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, uintptr:
		return fmt.Sprint(x)
	case interface{ addr() uint64 }: // a channel: its address, as %v prints it
		return fmt.Sprintf("%#x", x.addr())
	case error, fmt.Stringer:
		// print of an interface value shows its type and data words.
		return fmt.Sprintf("(%p,%p)", &x, &x)
	}
	return fmt.Sprintf("%p", v)
}

// chanAddrBase is where the addresses that channels print start. A channel
// prints as an address, as in Go, but one derived from its object id: a real
// address would change from run to run, and a run's output must not.
const chanAddrBase = 0xc000100000

// addr is the address c prints as (0 for a nil channel).
func (c *Chan[T]) addr() uint64 {
	if c == nil {
		return 0
	}
	return chanAddrBase + uint64(c.id)<<7
}

// Format prints a channel as Go prints one: %v its address (<nil> for a nil
// channel), %#v (chan T)(0x...), %d, %x and the other integer verbs the
// address as a number, %P as Go's %p. fmt handles %p and %T before asking a
// Formatter: instrument rewrites them where a channel meets a format string.
func (c *Chan[T]) Format(f fmt.State, verb rune) {
	u := c.addr()
	switch verb {
	case 'v':
		switch {
		case f.Flag('#'):
			s := "nil"
			if u != 0 {
				s = fmt.Sprintf("%#x", u)
			}
			fmt.Fprintf(f, "(%s)(%s)", c.goType(), s)
		case u == 0:
			fmt.Fprintf(f, strings.Replace(fmt.FormatString(f, 'v'), "v", "s", 1), "<nil>")
		default:
			fmt.Fprintf(f, strings.Replace(fmt.FormatString(f, 'v'), "v", "#x", 1), u)
		}
	case 'P': // %p, which fmt formats itself: instrument rewrites it
		if f.Flag('#') {
			fmt.Fprintf(f, strings.Replace(strings.Replace(fmt.FormatString(f, 'P'), "#", "", 1), "P", "x", 1), u)
		} else {
			fmt.Fprintf(f, strings.Replace(fmt.FormatString(f, 'P'), "P", "#x", 1), u)
		}
	case 'b', 'o', 'd', 'x', 'X':
		fmt.Fprintf(f, fmt.FormatString(f, verb), u)
	default:
		fmt.Fprintf(f, "%%!%c(%s=%#x)", verb, c.goType(), u)
	}
}

// goType is the channel's type as Go's %T prints it; the direction of the
// static type is not known here.
func (c *Chan[T]) goType() string { return "chan " + GoTypeName(reflect.TypeFor[T]()) }

// GoTypeName is t's name as Go's %T would print it in the original program:
// a channel (*Chan[T] here) is chan T. Other engine types keep their names.
func GoTypeName(t reflect.Type) string {
	if t.Kind() == reflect.Pointer && t.Name() == "" {
		if n, ok := reflect.Zero(t).Interface().(interface{ goType() string }); ok {
			return n.goType()
		}
		return "*" + GoTypeName(t.Elem())
	}
	if t.Name() != "" {
		return t.String()
	}
	switch t.Kind() {
	case reflect.Slice:
		return "[]" + GoTypeName(t.Elem())
	case reflect.Array:
		return fmt.Sprintf("[%d]%s", t.Len(), GoTypeName(t.Elem()))
	case reflect.Map:
		return "map[" + GoTypeName(t.Key()) + "]" + GoTypeName(t.Elem())
	}
	return t.String()
}
