package engine

import (
	"hash/maphash"
	"unsafe"
)

// Shared memory. The instrument package rewrites each read and write of a
// variable that more than one goroutine can reach (package-level variables,
// variables captured by function literals or whose address is taken, and
// anything reached through a pointer, a slice or a map) into the functions
// below. Each access is an operation like a channel send: a scheduling
// point, an event with the value, and a step the race detector checks.
//
// How often a run switches goroutines at an access is the policy's: see
// Policy. A map write spans a second scheduling point, as the runtime's
// does, so another goroutine can meet it half done.

// variable is the engine's record of one shared memory location, declared
// to the run as an ObjVar or ObjMap on its first access. It holds what the
// hot path needs, so an access looks up nothing but the variable itself.
type variable struct {
	id      int32
	writer  int32  // goroutine of the latest write (0: none yet)
	writing int32  // a map: goroutine whose write is in progress (0: none)
	version uint64 // writes so far: what a read saw, for lost updates
	lastKey uint64 // a map: hash of the key of the latest write
	vk      ValKind
	val     uint64 // the latest read or write event's value (Digest)
	shadow  shadow // the race detector's state for this location
}

// readMarks is how many variables a goroutine remembers having read last.
// An update reads then writes one variable with at most a few other reads
// between (x = x + y), so a few suffice; a lost update whose read has been
// pushed out goes unflagged, and nothing else depends on it.
const readMarks = 4

// readMark is a goroutine's read of a variable: which version it saw (and,
// for a map, the hash of the key it read).
type readMark struct {
	v       *variable
	version uint64
	key     uint64
}

// readRing is a goroutine's latest reads of shared variables, one mark per
// variable, the oldest replaced first.
type readRing struct {
	marks [readMarks]readMark
	next  int
}

// find returns v's mark, or nil.
func (r *readRing) find(v *variable) *readMark {
	for i := range r.marks {
		if r.marks[i].v == v {
			return &r.marks[i]
		}
	}
	return nil
}

// mapSeed hashes map keys; a hash only compares keys within one process.
var mapSeed = maphash.MakeSeed()

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
	v.shadow.addr = p // the race detector finds the atomic accesses made before by address
	v.id = rt.declare(Object{Kind: kind, Name: rt.lazyName(rt.site(pos).Expr), Pos: pos}, v)
	rt.record(Event{Kind: KindMake, G: gg.id, Obj: v.id, Pos: pos})
	rt.vars[p] = v
	return v
}

// read records gg's read of v (the map entry with key hash key), whose
// value x is already taken, and checks it for races.
func read[T any](rt *runtime, gg *g, v *variable, x T, key uint64, pos Pos) {
	e := Event{Kind: KindRead, G: gg.id, Obj: v.id, Pos: pos}
	e.VK, e.Val = encode(rt.log, x)
	v.vk, v.val = e.VK, e.Val
	if gg.reads == nil {
		gg.reads = &readRing{}
	}
	r := gg.reads
	m := r.find(v)
	if m == nil {
		m = r.find(nil) // a mark its write cleared
	}
	if m == nil {
		m = &r.marks[r.next]
		r.next = (r.next + 1) % readMarks
	}
	*m = readMark{v: v, version: v.version, key: key}
	rt.record(e)
	rt.raceAccess(gg, v, false, pos)
}

// write records gg's write of x to v (the map entry with key hash key): Peer
// is the writer of the value overwritten, and Flag 1 says an update was
// lost, when gg's latest access to v was a read that saw an older write than
// the one it now overwrites. Then it checks the write for races.
func write[T any](rt *runtime, gg *g, v *variable, x T, key uint64, pos Pos) {
	e := Event{Kind: KindWrite, G: gg.id, Obj: v.id, Pos: pos}
	e.VK, e.Val = encode(rt.log, x)
	if v.lastKey == key { // a map's other keys' writers did not write this value
		e.Peer = v.writer
	}
	if r := gg.reads; r != nil {
		if m := r.find(v); m != nil {
			if m.key == key && m.version < v.version && v.lastKey == key {
				e.Flag = 1
			}
			m.v = nil // gg's latest access to v is now this write
		}
	}
	v.vk, v.val = e.VK, e.Val
	v.writer, v.lastKey = gg.id, key
	v.version++
	rt.record(e)
	rt.raceAccess(gg, v, true, pos)
}

// Read returns *p, recording a read of the shared variable at p.
func Read[T any](p *T, pos Pos) T {
	if formatting() {
		return *p
	}
	rt, gg := enter(pos)
	v := rt.varOf(gg, unsafe.Pointer(p), ObjVar, pos)
	x := *p
	read(rt, gg, v, x, 0, pos)
	return x
}

// Write stores x at p, recording a write of the shared variable at p.
func Write[T any](p *T, x T, pos Pos) {
	if formatting() {
		*p = x
		return
	}
	rt, gg := enter(pos)
	v := rt.varOf(gg, unsafe.Pointer(p), ObjVar, pos)
	*p = x
	write(rt, gg, v, x, 0, pos)
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

// The runtime's own words for a map met half-written (runtime/map.go).
const (
	msgMapWrites    = "concurrent map writes"
	msgMapReadWrite = "concurrent map read and map write"
)

// mapVar returns m's variable (at p) for gg's read or write, ending the run
// with Go's fatal error if another goroutine's write to m is in progress.
func (rt *runtime) mapVar(gg *g, p unsafe.Pointer, write bool, pos Pos) *variable {
	v := rt.varOf(gg, p, ObjMap, pos)
	if v.writing != 0 {
		rt.raceCheck(gg, v, write, false, pos, rt.log.n) // a -race binary reports the race, then throws
		msg := msgMapReadWrite
		if write {
			msg = msgMapWrites
		}
		rt.fatal(gg, msg)
	}
	return v
}

// MapRead returns m[k], recording a read of the shared map m.
func MapRead[M ~map[K]V, K comparable, V any](m M, k K, pos Pos) V {
	v, _ := MapRead2(m, k, pos)
	return v
}

// MapRead2 returns m[k] and whether k is present, recording a read of the
// shared map m.
func MapRead2[M ~map[K]V, K comparable, V any](m M, k K, pos Pos) (V, bool) {
	if formatting() {
		x, ok := m[k]
		return x, ok
	}
	rt, gg := enter(pos)
	if m == nil {
		var zero V
		return zero, false
	}
	v := rt.mapVar(gg, mapPtr(m), false, pos)
	x, ok := m[k]
	read(rt, gg, v, x, maphash.Comparable(mapSeed, k), pos)
	return x, ok
}

// MapAll returns m after recording a read of the whole shared map, as
// len(m) and range over m are.
func MapAll[M ~map[K]V, K comparable, V any](m M, pos Pos) M {
	if formatting() {
		return m
	}
	rt, gg := enter(pos)
	if m == nil {
		return m
	}
	v := rt.mapVar(gg, mapPtr(m), false, pos)
	read(rt, gg, v, len(m), 0, pos)
	return m
}

// midWrite is the scheduling point inside a map write, as the runtime's
// write spans one: the write's event is recorded before it, so a Chooser
// sees it as a step of its own, and the map is marked as being written
// across it, so another goroutine that touches the map meets the fatal
// error. The caller changes the map after it and then unmarks it.
func (rt *runtime) midWrite(gg *g, v *variable) {
	v.writing = gg.id
	rt.preempt(gg)
}

// MapWrite sets m[k] = x, recording a write of the shared map m.
func MapWrite[M ~map[K]V, K comparable, V any](m M, k K, x V, pos Pos) {
	if formatting() {
		m[k] = x
		return
	}
	rt, gg := enter(pos)
	if m == nil {
		m[k] = x // Go's own panic: assignment to entry in nil map
	}
	v := rt.mapVar(gg, mapPtr(m), true, pos)
	write(rt, gg, v, x, maphash.Comparable(mapSeed, k), pos) // an unhashable key panics in the hash, as in Go
	rt.midWrite(gg, v)
	m[k] = x
	v.writing = 0
}

// MapUpdate is m[k]++, m[k]--, and m[k] op= y on a shared map: a read, a
// scheduling point, then a write. Go compiles it into a map write that
// returns the entry to update, so another goroutine's write in progress
// makes even its read the fatal "concurrent map writes".
func MapUpdate[M ~map[K]V, K comparable, V any](m M, k K, op func(V) V, pos Pos) {
	if formatting() {
		m[k] = op(m[k])
		return
	}
	rt, gg := enter(pos)
	if m == nil {
		var zero V
		m[k] = op(zero) // Go's own panic: assignment to entry in nil map
	}
	v := rt.mapVar(gg, mapPtr(m), true, pos)
	x := m[k]
	read(rt, gg, v, x, maphash.Comparable(mapSeed, k), pos)
	MapWrite(m, k, op(x), pos)
}

// MapDelete is delete(m, k) on a shared map: a write with no value.
func MapDelete[M ~map[K]V, K comparable, V any](m M, k K, pos Pos) {
	if formatting() {
		delete(m, k)
		return
	}
	rt, gg := enter(pos)
	if m == nil {
		return
	}
	v := rt.mapVar(gg, mapPtr(m), true, pos)
	write(rt, gg, v, struct{}{}, maphash.Comparable(mapSeed, k), pos)
	rt.midWrite(gg, v)
	delete(m, k)
	v.writing = 0
}

// MapClear is clear(m) on a shared map: a write of the whole map, which
// spans a scheduling point as a map write does.
func MapClear[M ~map[K]V, K comparable, V any](m M, pos Pos) {
	if formatting() {
		clear(m)
		return
	}
	rt, gg := enter(pos)
	if m == nil {
		return
	}
	v := rt.mapVar(gg, mapPtr(m), true, pos)
	write(rt, gg, v, struct{}{}, 0, pos)
	rt.midWrite(gg, v)
	clear(m)
	v.writing = 0
}

// formatting reports whether the engine is in the middle of an operation,
// formatting a value for its event with the program's own String or Error
// method: memory accesses there are the visualizer's, not the program's (Go
// would not call the method), so they stay plain Go, with no event and no
// scheduling point that could switch goroutines halfway through the
// operation.
func formatting() bool {
	rt := active
	return rt != nil && rt.formatting > 0
}
