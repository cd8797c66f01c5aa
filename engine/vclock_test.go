package engine

import (
	"math/rand/v2"
	"testing"
)

// TestMaxIntoIsThePointwiseMaximum checks the vector join (in assembly
// where the CPU allows) against one entry at a time, for lengths around
// each vector width and values with the top bit set (unsigned, not signed,
// comparison).
func TestMaxIntoIsThePointwiseMaximum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	value := func() uint32 {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return r.Uint32() | 1<<31
		default:
			return r.Uint32N(100)
		}
	}
	impls := map[string]func(dst, src []uint32){"maxInto": maxInto, "maxIntoGo": maxIntoGo}
	for name, join := range impls {
		for n := 0; n <= 70; n++ {
			for extra := range 3 { // dst may be longer than src: its tail stays
				dst, src := make([]uint32, n+extra), make([]uint32, n)
				for i := range dst {
					dst[i] = value()
				}
				for i := range src {
					src[i] = value()
				}
				want := append([]uint32(nil), dst...)
				for i, v := range src {
					want[i] = max(want[i], v)
				}
				join(dst, src)
				for i := range want {
					if dst[i] != want[i] {
						t.Fatalf("%s, %d entries into %d: entry %d is %d, want %d", name, n, n+extra, i, dst[i], want[i])
					}
				}
			}
		}
	}
}

// BenchmarkJoin is one join of two clocks of a thousand goroutines, the
// vector join against the loop in Go.
func BenchmarkJoin(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	dst, src := make([]uint32, 1001), make([]uint32, 1001)
	for i := range src {
		dst[i], src[i] = r.Uint32N(1000), r.Uint32N(1000)
	}
	b.Run("maxInto", func(b *testing.B) {
		for b.Loop() {
			maxInto(dst, src)
		}
	})
	b.Run("Go", func(b *testing.B) {
		for b.Loop() {
			maxIntoGo(dst, src)
		}
	})
}
