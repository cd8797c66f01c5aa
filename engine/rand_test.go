package engine

import (
	"fmt"
	mathrand "math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// randProgram draws from every kind of top-level generator in two
// goroutines and prints what it drew, as a program calling rand.Intn,
// rand.IntN, rand.Perm, rand.Shuffle and rand.N would after the rewrite.
func randProgram() {
	var wg WaitGroup
	for w := range 2 {
		wg.Add(1, P(1))
		Go(fmt.Sprintf("main.worker%d", w), P(2), func() {
			defer wg.Done(W(1))
			Println(W(2), w, MathRand().Intn(1000), MathRandV2().IntN(1000), RandN(uint8(200)))
		})
	}
	wg.Wait(P(3))
	s := []int{1, 2, 3, 4, 5, 6, 7, 8}
	MathRandV2().Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	Println(P(4), MathRand().Perm(8), s, MathRand().Float64(), MathRandV2().Uint64())
}

// TestRandSeededPerRun: the top-level generators give the same numbers for
// the same seed, whatever ran before in the process, and other numbers for
// another seed.
func TestRandSeededPerRun(t *testing.T) {
	outs := map[uint64]string{}
	for _, seed := range []uint64{1, 2, 3, 1, 2, 3} {
		r := run(randProgram, Config{Seed: seed})
		require.Equal(t, OutcomeOK, r.Outcome.Kind, r.Stderr)
		require.Equal(t, 3, strings.Count(r.Stdout, "\n"), r.Stdout)
		if prev, ok := outs[seed]; ok {
			assert.Equal(t, prev, r.Stdout, "seed %d twice", seed)
		}
		outs[seed] = r.Stdout
	}
	assert.NotEqual(t, outs[1], outs[2])
	assert.NotEqual(t, outs[2], outs[3])
	assert.NotEqual(t, outs[1], outs[3])
}

// TestRandDoesNotSteerScheduler: drawing numbers leaves the schedule alone,
// so a program that adds a rand call keeps its interleaving.
func TestRandDoesNotSteerScheduler(t *testing.T) {
	prog := func(draw bool) func() {
		return func() {
			var wg WaitGroup
			for w := range 4 {
				wg.Add(1, P(1))
				Go("main.worker", P(2), func() {
					defer wg.Done(W(1))
					if draw {
						MathRand().Int()
					}
					Gosched(W(3))
					Println(W(2), w)
				})
			}
			wg.Wait(P(3))
		}
	}
	for seed := range uint64(5) {
		plain := run(prog(false), Config{Seed: seed})
		drawn := run(prog(true), Config{Seed: seed})
		assert.Equal(t, plain.Stdout, drawn.Stdout, "seed %d", seed)
	}
}

// TestRandSeedIsNoOp: since Go 1.24 the top-level rand.Seed does nothing,
// so seeding does not replay a sequence.
func TestRandSeedIsNoOp(t *testing.T) {
	var first, second []int64
	r := run(func() {
		MathRand().Seed(7)
		first = append(first, MathRand().Int63(), MathRand().Int63())
		MathRand().Seed(7)
		second = append(second, MathRand().Int63(), MathRand().Int63())
	}, Config{Seed: 5})
	require.Equal(t, OutcomeOK, r.Outcome.Kind, r.Stderr)
	assert.NotEqual(t, first, second)
	seeded := mathrand.New(mathrand.NewSource(7))
	assert.NotEqual(t, []int64{seeded.Int63(), seeded.Int63()}, first, "not Go's sequence for rand.Seed(7)")
}

// TestRandN: N panics as Go's does for n <= 0 and stays in range.
func TestRandN(t *testing.T) {
	r := run(func() {
		for range 1000 {
			if v := RandN(int8(3)); v < 0 || v >= 3 {
				Println(P(1), "out of range", v)
			}
		}
		RandN(0)
	}, Config{})
	assert.Equal(t, OutcomePanic, r.Outcome.Kind)
	assert.Empty(t, r.Stdout)
	assert.Contains(t, r.Stderr, "panic: invalid argument to N")
}
