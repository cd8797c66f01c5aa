package engine

import (
	"context"
	"fmt"
	"reflect"
	"time"
)

// Context is context.Context on the engine: Done returns an engine channel.
// Err returns the standard library's context.Canceled and
// context.DeadlineExceeded, so errors.Is works unchanged.
type Context interface {
	Deadline() (deadline time.Time, ok bool)
	Done() *Chan[struct{}]
	Err() error
	Value(key any) any
}

var errDeadlineExceeded error = context.DeadlineExceeded

type emptyCtx struct{ name string }

func (emptyCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (emptyCtx) Done() *Chan[struct{}]       { return nil }
func (emptyCtx) Err() error                  { return nil }
func (emptyCtx) Value(any) any               { return nil }
func (e emptyCtx) String() string            { return e.name }

var (
	background Context = emptyCtx{"context.Background"}
	todo       Context = emptyCtx{"context.TODO"}
)

// Background returns a non-nil, empty Context that is never cancelled.
func Background() Context { return background }

// TODO returns a non-nil, empty Context, as context.TODO.
func TODO() Context { return todo }

// cancelCtx can be cancelled; cancelling it cancels its children.
type cancelCtx struct {
	parent   Context
	done     *Chan[struct{}]
	err      error
	cause    error
	children []*cancelCtx // in creation order, so cancellation order is deterministic
	deadline time.Time
	hasDL    bool
	timer    *timer
	dlCause  error // the cause to report when the deadline passes
	kind     string
}

func (c *cancelCtx) Deadline() (time.Time, bool) {
	if c.hasDL {
		return c.deadline, true
	}
	return c.parent.Deadline()
}
func (c *cancelCtx) Done() *Chan[struct{}] { return c.done }
func (c *cancelCtx) Err() error {
	if rt := active; c.err != nil && rt != nil && rt.cur != nil {
		rt.raceAcquire(c.done.id, rt.cur.id) // the cancellation happens before Err returns non-nil
	}
	return c.err
}
func (c *cancelCtx) Value(key any) any { return c.parent.Value(key) }

// String names the chain that made c, in the context package's words: a
// deadline with its time and what is left of it on the virtual clock.
func (c *cancelCtx) String() string {
	if c.hasDL {
		return contextName(c.parent) + ".WithDeadline(" + c.deadline.String() + " [" + c.deadline.Sub(Now()).String() + "])"
	}
	return contextName(c.parent) + "." + c.kind
}

// contextName is the context package's: a context's String, or its type.
func contextName(c Context) string {
	if s, ok := c.(fmt.Stringer); ok {
		return s.String()
	}
	return reflect.TypeOf(c).String()
}

// stringify is the context package's way of showing a key or value: a
// Stringer's String, a string itself, and only the type of anything else.
func stringify(v any) string {
	switch s := v.(type) {
	case fmt.Stringer:
		return s.String()
	case string:
		return s
	case nil:
		return "<nil>"
	}
	return reflect.TypeOf(v).String()
}

// nearestCancel finds the cancellable context a new child hangs under.
func nearestCancel(c Context) *cancelCtx {
	for {
		switch p := c.(type) {
		case *cancelCtx:
			return p
		case *valueCtx:
			c = p.parent
		case withoutCancelCtx:
			return nil
		default:
			return nil
		}
	}
}

func newCancelCtx(rt *runtime, gg *g, parent Context, kind string, pos Pos) *cancelCtx {
	if parent == nil {
		panic("cannot create context from nil parent")
	}
	c := &cancelCtx{parent: parent, kind: kind}
	done := &Chan[struct{}]{}
	var parentID int32
	if p := nearestCancel(parent); p != nil {
		parentID = p.done.id
	}
	done.id = rt.declare(Object{Kind: ObjContext, Name: rt.site(pos).Expr, Elem: "struct {}", Pos: pos, Parent: parentID}, done)
	c.done = done
	rt.record(Event{Kind: KindMake, G: gg.id, Obj: done.id, Pos: pos})
	if p := nearestCancel(parent); p != nil {
		if p.err != nil {
			c.cancel(rt, gg.id, false, p.err, p.cause)
		} else {
			p.children = append(p.children, c)
		}
	}
	return c
}

// cancel cancels c and its children, recording the cancellation.
func (c *cancelCtx) cancel(rt *runtime, by int32, removeFromParent bool, err, cause error) {
	if c.err != nil {
		return
	}
	if cause == nil {
		cause = err
	}
	c.err, c.cause = err, cause
	recordVal(rt, Event{Kind: KindCancel, G: by, Obj: c.done.id, Pos: c.done.posOf(rt)}, err.Error())
	c.done.close(rt, by, c.done.posOf(rt))
	for _, child := range c.children {
		child.cancel(rt, by, false, err, cause)
	}
	c.children = nil
	if c.timer != nil {
		rt.unschedule(c.timer)
	}
	if removeFromParent {
		if p := nearestCancel(c.parent); p != nil {
			for i, ch := range p.children {
				if ch == c {
					p.children = append(p.children[:i], p.children[i+1:]...)
					break
				}
			}
		}
	}
}

// posOf returns the creation site of the channel.
func (c *Chan[T]) posOf(rt *runtime) Pos {
	if c.id > 0 && int(c.id) <= len(rt.log.Objects) {
		return rt.log.Objects[c.id-1].Pos
	}
	return 0
}

func (rt *runtime) cancelFunc(c *cancelCtx, err error) func(cause error) {
	return func(cause error) {
		rt2, gg := enter(0)
		if rt2 != rt {
			return // a cancel func kept from an earlier run
		}
		c.cancel(rt, gg.id, true, err, cause)
	}
}

// WithCancel returns a copy of parent with a new Done channel, closed when
// cancel is called or parent's is.
func WithCancel(parent Context, pos Pos) (Context, context.CancelFunc) {
	rt, gg := enter(pos)
	c := newCancelCtx(rt, gg, parent, "WithCancel", pos)
	f := rt.cancelFunc(c, context.Canceled)
	return c, func() { f(nil) }
}

// WithCancelCause is WithCancel whose cancel function records a cause,
// returned by Cause.
func WithCancelCause(parent Context, pos Pos) (Context, context.CancelCauseFunc) {
	rt, gg := enter(pos)
	c := newCancelCtx(rt, gg, parent, "WithCancel", pos)
	return c, context.CancelCauseFunc(rt.cancelFunc(c, context.Canceled))
}

// WithDeadline returns a copy of parent cancelled with
// context.DeadlineExceeded at virtual time d, if not earlier.
func WithDeadline(parent Context, d time.Time, pos Pos) (Context, context.CancelFunc) {
	return withDeadline(parent, d, nil, pos)
}

// WithDeadlineCause is WithDeadline with the cause to report when the deadline passes.
func WithDeadlineCause(parent Context, d time.Time, cause error, pos Pos) (Context, context.CancelFunc) {
	return withDeadline(parent, d, cause, pos)
}

// WithTimeout is WithDeadline(parent, Now().Add(timeout)).
func WithTimeout(parent Context, timeout time.Duration, pos Pos) (Context, context.CancelFunc) {
	return withDeadline(parent, Now().Add(timeout), nil, pos)
}

// WithTimeoutCause is WithTimeout with the cause to report when the deadline passes.
func WithTimeoutCause(parent Context, timeout time.Duration, cause error, pos Pos) (Context, context.CancelFunc) {
	return withDeadline(parent, Now().Add(timeout), cause, pos)
}

func withDeadline(parent Context, d time.Time, cause error, pos Pos) (Context, context.CancelFunc) {
	rt, gg := enter(pos)
	if cur, ok := parent.Deadline(); ok && cur.Before(d) {
		c := newCancelCtx(rt, gg, parent, "WithCancel", pos)
		f := rt.cancelFunc(c, context.Canceled)
		return c, func() { f(nil) }
	}
	c := newCancelCtx(rt, gg, parent, "WithDeadline", pos)
	c.deadline, c.hasDL = d, true
	f := rt.cancelFunc(c, context.Canceled)
	dur := d.Sub(Now())
	if dur <= 0 {
		c.cancel(rt, gg.id, true, errDeadlineExceeded, cause)
		return c, func() { f(nil) }
	}
	if c.err == nil {
		c.dlCause = cause
		c.timer = &timer{kind: timerCtx, ctx: c, obj: c.done.id, pos: pos, idx: -1}
		rt.raceTimerSet(c.timer.obj, gg.id)
		rt.schedule(c.timer, dur)
	}
	return c, func() { f(nil) }
}

// Cause returns why c was cancelled: the cause given to a CancelCauseFunc, or
// c.Err(), or nil if c is not cancelled.
func Cause(c Context) error {
	if cc := nearestCancel(c); cc != nil {
		return cc.cause
	}
	return c.Err()
}

type valueCtx struct {
	parent   Context
	key, val any
}

func (c *valueCtx) Deadline() (time.Time, bool) { return c.parent.Deadline() }
func (c *valueCtx) Done() *Chan[struct{}]       { return c.parent.Done() }
func (c *valueCtx) Err() error                  { return c.parent.Err() }
func (c *valueCtx) String() string {
	return contextName(c.parent) + ".WithValue(" + stringify(c.key) + ", " + stringify(c.val) + ")"
}
func (c *valueCtx) Value(key any) any {
	if c.key == key {
		return c.val
	}
	return c.parent.Value(key)
}

// WithValue returns a copy of parent in which key is associated with val.
func WithValue(parent Context, key, val any) Context {
	if parent == nil {
		panic("cannot create context from nil parent")
	}
	if key == nil {
		panic("nil key")
	}
	return &valueCtx{parent, key, val}
}

type withoutCancelCtx struct{ parent Context }

func (withoutCancelCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (withoutCancelCtx) Done() *Chan[struct{}]       { return nil }
func (withoutCancelCtx) Err() error                  { return nil }
func (c withoutCancelCtx) Value(key any) any         { return c.parent.Value(key) }
func (c withoutCancelCtx) String() string            { return contextName(c.parent) + ".WithoutCancel" }

// WithoutCancel returns a copy of parent that is not cancelled when parent is.
func WithoutCancel(parent Context) Context {
	if parent == nil {
		panic("cannot create context from nil parent")
	}
	return withoutCancelCtx{parent}
}
