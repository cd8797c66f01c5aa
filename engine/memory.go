package engine

import "unsafe"

// Shared memory. The instrument package rewrites each read and write of a
// variable that more than one goroutine can reach (package-level variables,
// variables captured by function literals or whose address is taken, and
// anything reached through a pointer, a slice or a map) into the functions
// below. Each access is an operation like a channel send: a scheduling
// point, an event with the value, and a step the race detector checks.

// variable is the engine's record of one shared memory location, declared
// to the run as an ObjVar on its first access.
type variable struct {
	id     int32
	shadow shadow // the race detector's state for this location
}

// varOf returns the variable at address p, declaring it on first access and
// naming it after the expression of that access. The map keeps p alive, so
// no later allocation can reuse the address within the run.
func (rt *runtime) varOf(gg *g, p unsafe.Pointer, kind ObjKind, pos Pos) *variable {
	if v, ok := rt.vars[p]; ok {
		return v
	}
	if rt.vars == nil {
		rt.vars = map[unsafe.Pointer]*variable{}
	}
	v := &variable{}
	v.id = rt.declare(Object{Kind: kind, Name: rt.lazyName(rt.site(pos).Expr), Pos: pos}, v)
	rt.record(Event{Kind: KindMake, G: gg.id, Obj: v.id, Pos: pos})
	rt.vars[p] = v
	return v
}

// Read returns *p, recording a read of the shared variable at p.
func Read[T any](p *T, pos Pos) T {
	rt, gg := enter(pos)
	v := rt.varOf(gg, unsafe.Pointer(p), ObjVar, pos)
	x := *p
	recordVal(rt, Event{Kind: KindRead, G: gg.id, Obj: v.id, Pos: pos}, x)
	rt.raceAccess(gg, v, false, pos)
	return x
}

// Write stores x at p, recording a write of the shared variable at p.
func Write[T any](p *T, x T, pos Pos) {
	rt, gg := enter(pos)
	v := rt.varOf(gg, unsafe.Pointer(p), ObjVar, pos)
	*p = x
	recordVal(rt, Event{Kind: KindWrite, G: gg.id, Obj: v.id, Pos: pos}, x)
	rt.raceAccess(gg, v, true, pos)
}

// Update is x++, x--, and x op= y on a shared variable: a read, a scheduling
// point at which another goroutine may run, then a write of op's result, so
// an update can be lost as in Go.
func Update[T any](p *T, op func(T) T, pos Pos) {
	Write(p, op(Read(p, pos)), pos)
}

// mapPtr is the address of the map m refers to: its identity.
func mapPtr[M ~map[K]V, K comparable, V any](m M) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&m))
}

// MapRead returns m[k], recording a read of the shared map m.
func MapRead[M ~map[K]V, K comparable, V any](m M, k K, pos Pos) V {
	v, _ := MapRead2(m, k, pos)
	return v
}

// MapRead2 returns m[k] and whether k is present, recording a read of the
// shared map m.
func MapRead2[M ~map[K]V, K comparable, V any](m M, k K, pos Pos) (V, bool) {
	rt, gg := enter(pos)
	if m == nil {
		var zero V
		return zero, false
	}
	v := rt.varOf(gg, mapPtr(m), ObjMap, pos)
	x, ok := m[k]
	recordVal(rt, Event{Kind: KindRead, G: gg.id, Obj: v.id, Pos: pos}, x)
	rt.raceAccess(gg, v, false, pos)
	return x, ok
}

// MapAll returns m after recording a read of the whole shared map, as
// len(m) and range over m are.
func MapAll[M ~map[K]V, K comparable, V any](m M, pos Pos) M {
	rt, gg := enter(pos)
	if m == nil {
		return m
	}
	v := rt.varOf(gg, mapPtr(m), ObjMap, pos)
	recordVal(rt, Event{Kind: KindRead, G: gg.id, Obj: v.id, Pos: pos}, len(m))
	rt.raceAccess(gg, v, false, pos)
	return m
}

// MapWrite sets m[k] = x, recording a write of the shared map m.
func MapWrite[M ~map[K]V, K comparable, V any](m M, k K, x V, pos Pos) {
	rt, gg := enter(pos)
	if m == nil {
		m[k] = x // Go's own panic: assignment to entry in nil map
	}
	v := rt.varOf(gg, mapPtr(m), ObjMap, pos)
	m[k] = x
	recordVal(rt, Event{Kind: KindWrite, G: gg.id, Obj: v.id, Pos: pos}, x)
	rt.raceAccess(gg, v, true, pos)
}

// MapUpdate is m[k]++, m[k]--, and m[k] op= y on a shared map.
func MapUpdate[M ~map[K]V, K comparable, V any](m M, k K, op func(V) V, pos Pos) {
	MapWrite(m, k, op(MapRead(m, k, pos)), pos)
}

// MapDelete is delete(m, k) on a shared map.
func MapDelete[M ~map[K]V, K comparable, V any](m M, k K, pos Pos) {
	rt, gg := enter(pos)
	if m == nil {
		return
	}
	v := rt.varOf(gg, mapPtr(m), ObjMap, pos)
	delete(m, k)
	rt.record(Event{Kind: KindWrite, G: gg.id, Obj: v.id, Pos: pos})
	rt.raceAccess(gg, v, true, pos)
}

// Compute marks a loop's back edge or a function's entry: computing costs
// virtual time there, and a goroutine that has run a time slice without
// blocking may be preempted, as Go's asynchronous preemption does.
func Compute(pos Pos) {}
