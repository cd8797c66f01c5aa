package explore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/instrument"
	"github.com/concviz/concviz/internal/progen"
)

// Generated programs for the equivalence test: how many, how big, and the
// bound and budget each is explored with. Naive enumeration must finish
// within the budget for a program to count.
const (
	genPrograms   = 210
	genMinCompare = 200
	genBound      = 2
	genBudget     = 4000
	genMaxEvents  = 4000 // a generated loop that never blocks hits this, as a limit outcome
)

// genProgramEnv selects the generated program a child serves.
const genProgramEnv = "EXPLOREGEN_PROGRAM"

// genSources returns the generated programs: bytes from a fixed seed, so the
// set is the same on every run.
// EXPLOREGEN_SEED and EXPLOREGEN_COUNT pick another set for a longer check
// than make test's.
func genSources() []string {
	seed, count := uint64(15), genPrograms
	if v, err := strconv.ParseUint(os.Getenv("EXPLOREGEN_SEED"), 10, 64); err == nil {
		seed = v
	}
	if v, err := strconv.Atoi(os.Getenv("EXPLOREGEN_COUNT")); err == nil && v > 0 {
		count = v
	}
	rng := rand.New(rand.NewPCG(seed, 15))
	srcs := make([]string, count)
	for i := range srcs {
		data := make([]byte, 6+rng.IntN(14))
		for k := range data {
			data[k] = byte(rng.IntN(256))
		}
		srcs[i] = progen.Program(data)
	}
	return srcs
}

var (
	genOnce sync.Once
	genBin  string
	genErr  error
)

// genBinary builds one binary holding every generated program, rewritten as
// a library package each, that serves schedules of the program genProgramEnv
// names. It is built once per content in the user cache, like a program the
// CLI compiles, so a second test run does not build it again.
func genBinary(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go toolchain on PATH: the generated programs are compiled with it")
	}
	genOnce.Do(func() { genBin, genErr = buildGen(genSources()) })
	require.NoError(t, genErr)
	return genBin
}

func buildGen(srcs []string) (string, error) {
	edir, err := instrument.EngineDir()
	if err != nil {
		return "", err
	}
	// The key is the sources', not the rewritten files': rewriting 260
	// programs type-checks each, which costs more than the search.
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%s\x00", edir, genMaxEvents, genMain)
	for _, src := range srcs {
		fmt.Fprintf(h, "%d\x00%s", len(src), src)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	parent := filepath.Join(cache, "concviz", "exploregen")
	dir := filepath.Join(parent, hex.EncodeToString(h.Sum(nil))[:16])
	bin := filepath.Join(dir, "gen")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	os.RemoveAll(parent) // an older set's binary
	files := map[string][]byte{}
	var imports, list strings.Builder
	for i, src := range srcs {
		pkg := fmt.Sprintf("p%03d", i)
		res, err := instrument.Rewrite([]instrument.File{{Name: "gen.go", Src: []byte(src)}}, instrument.Options{Name: pkg, Library: true, Package: pkg})
		if err != nil {
			return "", fmt.Errorf("rewrite generated program %d: %w\n%s", i, err, src)
		}
		for _, f := range res.Files {
			files[filepath.Join(pkg, f.Name)] = f.Src
		}
		fmt.Fprintf(&imports, "\t%q\n", "exploregen/"+pkg)
		fmt.Fprintf(&list, "\t%s.Program,\n", pkg)
	}
	files["main.go"] = fmt.Appendf(nil, genMain, imports.String(), list.String(), genProgramEnv, genMaxEvents)
	files["go.mod"] = fmt.Appendf(nil, "module exploregen\n\ngo 1.26\n\nrequire github.com/concviz/concviz v0.0.0\n\nreplace github.com/concviz/concviz => %s\n", edir)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".tmp-exploregen-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	for name, b := range files {
		if err := os.MkdirAll(filepath.Join(tmp, filepath.Dir(name)), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(tmp, name), b, 0o644); err != nil {
			return "", err
		}
	}
	// Without optimisation the 200-odd packages compile in half the time;
	// the runs are not what costs.
	cmd := exec.Command("go", "build", "-gcflags=exploregen/...=-N -l", "-o", "gen", ".")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GOPROXY=off", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the generated programs: %w\n%s", err, out)
	}
	if err := os.Rename(tmp, dir); err != nil && !os.IsExist(err) {
		if _, serr := os.Stat(bin); serr != nil {
			return "", err
		}
	}
	return bin, nil
}

// genMain is the main package of the generated programs' binary.
const genMain = `package main

import (
	"os"
	"strconv"

	"github.com/concviz/concviz/engine"
%s)

var programs = []engine.Program{
%s}

func main() {
	i, _ := strconv.Atoi(os.Getenv(%q))
	engine.InstallLocal()
	cfg := engine.Config{Limits: engine.Limits{MaxEvents: %d}}
	if err := engine.ServeSchedules(programs[i], cfg, os.Stdin, os.Stdout); err != nil {
		os.Exit(2)
	}
}
`

// outcomeSet is a result's outcomes as comparable keys.
func outcomeSet(r *Result) map[string]bool {
	set := map[string]bool{}
	for _, o := range r.Outcomes {
		set[fmt.Sprintf("%s|%q|%q", o.Outcome, o.Message, o.Stdout)] = true
	}
	return set
}

// TestReducedEqualsNaiveOnGeneratedPrograms is the proof the reduction is
// sound within a bound: over generated programs, the reduced search finds
// exactly the outcomes that enumerating every choice finds.
func TestReducedEqualsNaiveOnGeneratedPrograms(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds and explores hundreds of programs")
	}
	bin := genBinary(t)
	srcs := genSources()
	var (
		mu       sync.Mutex
		compared int
		naiveRun int
		dporRun  int
		next     int
	)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(srcs) {
					return
				}
				runners, closeAll, err := Children(1, func() *exec.Cmd {
					cmd := exec.Command(bin)
					cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", genProgramEnv, i))
					return cmd
				})
				if !assert.NoError(t, err) {
					return
				}
				naive, err := Explore(context.Background(), runners, Options{Preemptions: genBound, MaxSchedules: genBudget, Naive: true})
				assert.NoError(t, err)
				if err == nil && naive.Complete {
					reduced, err := Explore(context.Background(), runners, Options{Preemptions: genBound, MaxSchedules: genBudget})
					if assert.NoError(t, err) {
						assert.True(t, reduced.Complete, "program %d: the reduced search ran out of budget where the naive one did not", i)
						assert.Equal(t, outcomeSet(naive), outcomeSet(reduced), "program %d:\n%s", i, srcs[i])
						assert.LessOrEqual(t, reduced.Schedules, naive.Schedules, "program %d", i)
						mu.Lock()
						compared++
						naiveRun += naive.Schedules
						dporRun += reduced.Schedules
						mu.Unlock()
					}
				}
				assert.NoError(t, closeAll())
			}
		}()
	}
	wg.Wait()
	t.Logf("%d programs compared: %d naive schedules, %d reduced (factor %.2f)", compared, naiveRun, dporRun, float64(dporRun)/float64(max(1, naiveRun)))
	assert.GreaterOrEqual(t, compared, min(genMinCompare, len(srcs)*9/10), "too few generated programs could be enumerated naively within the budget")
}
