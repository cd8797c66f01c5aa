package engine

import "unsafe"

// Integer is the set of types sync/atomic has typed values and functions for.
type Integer interface {
	~int32 | ~int64 | ~uint32 | ~uint64 | ~uintptr
}

// AtomicInt is sync/atomic's Int32, Int64, Uint32, Uint64 and Uintptr: every
// operation is one recorded step.
type AtomicInt[T Integer] struct {
	lazy
	v T
}

// op performs f, which reports whether it wrote, as one step: an atomic
// operation acquires the variable's clock and a write releases into it.
func (a *AtomicInt[T]) op(pos Pos, f func(*T) (T, bool)) T {
	rt, gg := enter(pos)
	if a.fresh(rt) {
		v := a.v
		a.lazy.declare(rt, gg, ObjAtomic, pos, a)
		a.v = v
	}
	r, wrote := f(&a.v)
	rt.raceAtomic(a.id, gg.id, wrote)
	recordVal(rt, Event{Kind: KindAtomic, G: gg.id, Obj: a.id, Pos: pos}, a.v)
	return r
}

// Load returns the value.
func (a *AtomicInt[T]) Load(pos Pos) T { return a.op(pos, func(p *T) (T, bool) { return *p, false }) }

// Store sets the value.
func (a *AtomicInt[T]) Store(v T, pos Pos) {
	a.op(pos, func(p *T) (T, bool) { *p = v; return v, true })
}

// Add adds d and returns the new value.
func (a *AtomicInt[T]) Add(d T, pos Pos) T {
	return a.op(pos, func(p *T) (T, bool) { *p += d; return *p, true })
}

// Swap stores v and returns the old value.
func (a *AtomicInt[T]) Swap(v T, pos Pos) T {
	return a.op(pos, func(p *T) (T, bool) { old := *p; *p = v; return old, true })
}

// CompareAndSwap stores new if the value is old and reports whether it did.
func (a *AtomicInt[T]) CompareAndSwap(old, new T, pos Pos) bool {
	var ok bool
	a.op(pos, func(p *T) (T, bool) {
		if ok = *p == old; ok {
			*p = new
		}
		return *p, ok
	})
	return ok
}

// And ands in mask and returns the old value.
func (a *AtomicInt[T]) And(mask T, pos Pos) T {
	return a.op(pos, func(p *T) (T, bool) { old := *p; *p &= mask; return old, true })
}

// Or ors in mask and returns the old value.
func (a *AtomicInt[T]) Or(mask T, pos Pos) T {
	return a.op(pos, func(p *T) (T, bool) { old := *p; *p |= mask; return old, true })
}

// AtomicBool is sync/atomic's Bool.
type AtomicBool struct{ i AtomicInt[uint32] }

// Load returns the value.
func (b *AtomicBool) Load(pos Pos) bool { return b.i.Load(pos) != 0 }

// Store sets the value.
func (b *AtomicBool) Store(v bool, pos Pos) { b.i.Store(uint32(b2u(v)), pos) }

// Swap stores v and returns the old value.
func (b *AtomicBool) Swap(v bool, pos Pos) bool { return b.i.Swap(uint32(b2u(v)), pos) != 0 }

// CompareAndSwap stores new if the value is old and reports whether it did.
func (b *AtomicBool) CompareAndSwap(old, new bool, pos Pos) bool {
	return b.i.CompareAndSwap(uint32(b2u(old)), uint32(b2u(new)), pos)
}

// AtomicValue is sync/atomic's Value.
type AtomicValue struct {
	lazy
	v any
}

func (a *AtomicValue) op(pos Pos, f func() (any, bool)) any {
	rt, gg := enter(pos)
	if a.fresh(rt) {
		v := a.v
		a.lazy.declare(rt, gg, ObjAtomic, pos, a)
		a.v = v
	}
	r, wrote := f()
	rt.raceAtomic(a.id, gg.id, wrote)
	recordVal(rt, Event{Kind: KindAtomic, G: gg.id, Obj: a.id, Pos: pos}, a.v)
	return r
}

// Load returns the value stored, or nil.
func (a *AtomicValue) Load(pos Pos) any { return a.op(pos, func() (any, bool) { return a.v, false }) }

// Store sets the value; storing nil panics, as in Go.
func (a *AtomicValue) Store(v any, pos Pos) {
	if v == nil {
		panic("sync/atomic: store of nil value into Value")
	}
	a.op(pos, func() (any, bool) { a.v = v; return nil, true })
}

// Swap stores v and returns the old value.
func (a *AtomicValue) Swap(v any, pos Pos) any {
	if v == nil {
		panic("sync/atomic: swap of nil value into Value")
	}
	return a.op(pos, func() (any, bool) { old := a.v; a.v = v; return old, true })
}

// CompareAndSwap stores new if the value is old and reports whether it did.
func (a *AtomicValue) CompareAndSwap(old, new any, pos Pos) bool {
	if new == nil {
		panic("sync/atomic: compare and swap of nil value into Value")
	}
	var ok bool
	a.op(pos, func() (any, bool) {
		if ok = a.v == old; ok {
			a.v = new
		}
		return nil, ok
	})
	return ok
}

// AtomicPointer is sync/atomic's Pointer[T].
type AtomicPointer[T any] struct {
	lazy
	p *T
}

func (a *AtomicPointer[T]) op(pos Pos, f func() (*T, bool)) *T {
	rt, gg := enter(pos)
	if a.fresh(rt) {
		p := a.p
		a.lazy.declare(rt, gg, ObjAtomic, pos, a)
		a.p = p
	}
	r, wrote := f()
	rt.raceAtomic(a.id, gg.id, wrote)
	rt.record(Event{Kind: KindAtomic, G: gg.id, Obj: a.id, Pos: pos})
	return r
}

// Load returns the pointer.
func (a *AtomicPointer[T]) Load(pos Pos) *T {
	return a.op(pos, func() (*T, bool) { return a.p, false })
}

// Store sets the pointer.
func (a *AtomicPointer[T]) Store(p *T, pos Pos) {
	a.op(pos, func() (*T, bool) { a.p = p; return p, true })
}

// Swap stores p and returns the old pointer.
func (a *AtomicPointer[T]) Swap(p *T, pos Pos) *T {
	return a.op(pos, func() (*T, bool) { old := a.p; a.p = p; return old, true })
}

// CompareAndSwap stores new if the pointer is old and reports whether it did.
func (a *AtomicPointer[T]) CompareAndSwap(old, new *T, pos Pos) bool {
	var ok bool
	a.op(pos, func() (*T, bool) {
		if ok = a.p == old; ok {
			a.p = new
		}
		return nil, ok
	})
	return ok
}

// atomicAt performs f on the plain variable at p as one recorded step, as
// sync/atomic's functions (AddInt64(&x, 1), ...) do. The variable is declared
// as an object the first time the run touches it.
func atomicAt[T Integer](p *T, pos Pos, f func(*T) (T, bool)) T {
	rt, gg := enter(pos)
	id, ok := rt.ptrObjs[p]
	if !ok {
		if rt.ptrObjs == nil {
			rt.ptrObjs = make(map[any]int32)
		}
		id = rt.declare(Object{Kind: ObjAtomic, Name: rt.site(pos).Expr, Pos: pos}, nil)
		rt.ptrObjs[p] = id
		rt.record(Event{Kind: KindMake, G: gg.id, Obj: id, Pos: pos})
	}
	r, wrote := f(p)
	rt.raceAcquire(id, gg.id)
	recordVal(rt, Event{Kind: KindAtomic, G: gg.id, Obj: id, Pos: pos}, *p)
	// The program may access the variable plainly too. The access comes
	// between the operation's acquire and its release.
	rt.raceAtomicAt(gg, unsafe.Pointer(p), id, wrote, pos, rt.log.n-1)
	if wrote {
		rt.raceRelease(id, gg.id)
	}
	return r
}

// AtomicAdd is atomic.AddInt32/AddInt64/AddUint32/AddUint64/AddUintptr.
func AtomicAdd[T Integer](p *T, d T, pos Pos) T {
	return atomicAt(p, pos, func(p *T) (T, bool) { *p += d; return *p, true })
}

// AtomicLoad is atomic.LoadInt32 and its siblings.
func AtomicLoad[T Integer](p *T, pos Pos) T {
	return atomicAt(p, pos, func(p *T) (T, bool) { return *p, false })
}

// AtomicStore is atomic.StoreInt32 and its siblings.
func AtomicStore[T Integer](p *T, v T, pos Pos) {
	atomicAt(p, pos, func(p *T) (T, bool) { *p = v; return v, true })
}

// AtomicSwap is atomic.SwapInt32 and its siblings.
func AtomicSwap[T Integer](p *T, v T, pos Pos) T {
	return atomicAt(p, pos, func(p *T) (T, bool) { old := *p; *p = v; return old, true })
}

// AtomicCompareAndSwap is atomic.CompareAndSwapInt32 and its siblings.
func AtomicCompareAndSwap[T Integer](p *T, old, new T, pos Pos) bool {
	var ok bool
	atomicAt(p, pos, func(p *T) (T, bool) {
		if ok = *p == old; ok {
			*p = new
		}
		return *p, ok
	})
	return ok
}
