package engine

import (
	mathrand "math/rand"
	"math/rand/v2"
)

// The top-level functions of math/rand and math/rand/v2 draw from a source
// the run seeds from its own seed, so the same inputs print the same numbers.
// Go seeds them randomly, so any sequence is one Go can produce; what a run
// adds is that it is repeatable. A program's own generators
// (rand.New(rand.NewSource(n))) are left alone and give Go's exact sequence.

// randStream keeps the program's numbers apart from the scheduler's: drawing
// a number does not change which goroutine runs next.
const randStream = 0x72616e64 // "rand"

// runRand is the seeded source of the run in progress; runs are serialised,
// and only the goroutine holding the baton touches it.
var runRand seeded

type seeded struct {
	epoch uint64
	v1    *mathrand.Rand
	v2    *rand.Rand
}

// v1Source adapts the run's PCG to math/rand's Source64. Seed does nothing:
// since Go 1.24 the top-level rand.Seed has no effect (GODEBUG randseednop).
type v1Source struct{ pcg *rand.PCG }

func (s v1Source) Int63() int64    { return int64(s.pcg.Uint64() >> 1) }
func (s v1Source) Uint64() uint64  { return s.pcg.Uint64() }
func (s v1Source) Seed(seed int64) {}

func seededRand() *seeded {
	rt := active
	if rt == nil {
		// Outside a run (a program's package initialisers all run inside one).
		panic("concviz: math/rand used outside a run")
	}
	if runRand.epoch != rt.epoch {
		pcg := rand.NewPCG(rt.cfg.Seed, randStream)
		runRand.epoch = rt.epoch
		runRand.v1 = mathrand.New(v1Source{pcg})
		runRand.v2 = rand.New(pcg)
	}
	return &runRand
}

// MathRand is the generator behind math/rand's top-level functions in the
// running program: rand.Intn(n) is rewritten to engine.MathRand().Intn(n).
func MathRand() *mathrand.Rand { return seededRand().v1 }

// MathRandV2 is the generator behind math/rand/v2's top-level functions in
// the running program; it shares MathRand's source, as Go's two packages do.
func MathRandV2() *rand.Rand { return seededRand().v2 }

// RandInt is the set of types math/rand/v2's N accepts.
type RandInt interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}

// RandN is math/rand/v2's generic N on the run's source: a number in [0, n),
// panicking with Go's message when n <= 0.
func RandN[Int RandInt](n Int) Int {
	if n <= 0 {
		panic("invalid argument to N")
	}
	return Int(MathRandV2().Uint64N(uint64(n)))
}
