package instrument

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
)

// TestStdlibValues: supported functions and methods used as values,
// deferred and started with go, and path/filepath, print what Go prints.
func TestStdlibValues(t *testing.T) {
	goCmd(t)
	t.Parallel()
	path, _ := filepath.Abs("testdata/stdlib/values.go")
	nbin, cbin := buildBoth(t, path)
	native := runBinary(t, nbin, nil, time.Minute)
	for seed := range uint64(3) {
		got := runBinary(t, cbin.Path, []string{specEnv(t, engine.Spec{RunInput: engine.RunInput{Seed: seed}})}, time.Minute)
		assert.Equal(t, native.code, got.code, got.stderr)
		assert.Equal(t, native.stdout, got.stdout, "seed %d", seed)
		assert.Equal(t, native.stderr, programStderr(got.stderr))
	}
}

// TestStdlibRandSeeded: a program's own generators (rand.New(rand.NewSource
// (42)), NewPCG, NewChaCha8) print Go's exact numbers; the top-level
// functions of math/rand and math/rand/v2 print the same for the same seed
// and other numbers for another seed.
func TestStdlibRandSeeded(t *testing.T) {
	goCmd(t)
	t.Parallel()
	path, _ := filepath.Abs("testdata/stdlib/rand.go")
	nbin, cbin := buildBoth(t, path)
	native := runBinary(t, nbin, nil, time.Minute)
	require.Equal(t, 0, native.code, native.stderr)
	nlines := strings.Split(native.stdout, "\n")
	seeded := map[uint64]string{}
	for _, seed := range []uint64{1, 2, 3, 1, 2} {
		got := runBinary(t, cbin.Path, []string{specEnv(t, engine.Spec{RunInput: engine.RunInput{Seed: seed}})}, time.Minute)
		require.Equal(t, 0, got.code, got.stderr)
		lines := strings.Split(got.stdout, "\n")
		require.Len(t, lines, len(nlines), got.stdout)
		assert.Equal(t, nlines[:2], lines[:2], "a program's own generators give Go's sequence")
		require.True(t, strings.HasPrefix(lines[2], "seeded "), lines[2])
		if prev, ok := seeded[seed]; ok {
			assert.Equal(t, prev, lines[2], "seed %d twice", seed)
		}
		seeded[seed] = lines[2]
	}
	assert.NotEqual(t, seeded[1], seeded[2])
	assert.NotEqual(t, seeded[2], seeded[3])
	assert.NotEqual(t, seeded[1], seeded[3])
}

// buildBoth builds a program with go build and with concviz, both of which
// must succeed.
func buildBoth(t *testing.T, path string) (native string, cviz *Binary) {
	t.Helper()
	release := acquire()
	defer release()
	nbin, nerr := nativeBuild(t, path)
	require.NoError(t, nerr, "go build")
	cbin, cerr := concvizBuild(t, path)
	require.NoError(t, cerr, "concviz build")
	return nbin, cbin
}
