package instrument

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
)

// The conformance test: the real Go runtime is the oracle. Each program is
// built with `go build` and run, then rewritten, built and run on the engine;
// both must give the same stdout (sorted where the order of lines depends on
// scheduling), the same exit status and the same first line of stderr. A
// program that deadlocks must deadlock with goroutine 1 at the same line.

// buildSem bounds concurrent builds and runs (the machine has two cores).
var buildSem = make(chan struct{}, 2)

func acquire() func() {
	buildSem <- struct{}{}
	return func() { <-buildSem }
}

// goCmd returns the go command, or skips the test with a message.
func goCmd(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain on PATH: the conformance test needs the go command to run programs under the real runtime")
	}
	return p
}

type runOut struct {
	stdout, stderr string
	code           int
	wall           time.Duration
}

func runBinary(t testing.TB, bin string, env []string, timeout time.Duration) runOut {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := runOut{stdout: out.String(), stderr: errb.String(), wall: time.Since(start)}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		require.True(t, ok, "running %s: %v", bin, err)
		require.NoError(t, ctx.Err(), "%s timed out", bin)
		r.code = ee.ExitCode()
	}
	return r
}

// nativeBuild builds a program with the real toolchain (go run reports a
// program's exit status 2 as 1, so build and run the binary): a file as go
// build FILE.go does, a directory as go build does in a module holding it.
func nativeBuild(t testing.TB, path string) (string, error) {
	t.Helper()
	st, err := os.Stat(path)
	require.NoError(t, err)
	dir := t.TempDir()
	bin := filepath.Join(dir, "native")
	cmd := exec.Command(goCmd(t), "build", "-o", bin, path)
	if st.IsDir() {
		require.NoError(t, os.CopyFS(dir, os.DirFS(path)))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module prog\n\ngo 1.26\n"), 0o644))
		cmd.Args[len(cmd.Args)-1] = "."
	}
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%v: %s", err, out)
	}
	return bin, nil
}

// concvizBuild rewrites and builds a program on the engine.
func concvizBuild(t testing.TB, path string) (*Binary, error) {
	t.Helper()
	files, err := ReadProgram(path)
	if err != nil {
		return nil, err
	}
	return Build(context.Background(), files, Options{})
}

func specEnv(t testing.TB, spec engine.Spec) string {
	b, err := json.Marshal(spec)
	require.NoError(t, err)
	return engine.SpecEnv + "=" + string(b)
}

var leakLine = regexp.MustCompile(`(?m)^concviz: \d+ goroutines? still blocked when main returned\n`)

// programStderr is concviz's stderr without the leak report Go does not print.
func programStderr(s string) string {
	if loc := leakLine.FindStringIndex(s); loc != nil {
		return s[:loc[0]]
	}
	return s
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func sortedLines(s string) []string {
	ls := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	sort.Strings(ls)
	return ls
}

var mainHeader = regexp.MustCompile(`(?m)^goroutine 1 \[([^\]]+)\]:\n`)
var frame = regexp.MustCompile(`(?m)^(main\.\S+)\(.*\)\n\t(\S+?\.go:\d+)`)

// mainBlockedAt is goroutine 1's wait reason and its innermost frame in
// package main (function and file:line) in a deadlock report; Go shows the
// runtime's and sync's frames above it.
func mainBlockedAt(stderr string) string {
	m := mainHeader.FindStringSubmatchIndex(stderr)
	if m == nil {
		return ""
	}
	rest := stderr[m[1]:]
	if i := strings.Index(rest, "\n\n"); i >= 0 {
		rest = rest[:i]
	}
	f := frame.FindStringSubmatch(rest)
	if f == nil {
		return stderr[m[2]:m[3]]
	}
	return stderr[m[2]:m[3]] + " " + f[1] + " " + f[2]
}

type confCase struct {
	name     string
	path     string
	sorted   bool // stdout lines in scheduling-dependent order
	seeds    int  // seeds to try on concviz (default 3)
	deadlock bool // expected to deadlock under Go
}

type confRow struct {
	name         string
	pass         string
	native, cviz time.Duration
}

var (
	tableMu sync.Mutex
	table   []confRow
)

func record(row confRow) {
	tableMu.Lock()
	defer tableMu.Unlock()
	table = append(table, row)
}

func goTestPath(t testing.TB, rel string) string {
	out, err := exec.Command(goCmd(t), "env", "GOROOT").Output()
	require.NoError(t, err)
	return filepath.Join(strings.TrimSpace(string(out)), "test", rel)
}

func conformanceCases(t testing.TB) []confCase {
	guide := func(n string) string { p, _ := filepath.Abs(filepath.Join("testdata", "guide", n)); return p }
	cases := []confCase{
		{name: "guide §2 webhooks", path: guide("s2.go"), sorted: true},
		{name: "guide §3 fan-out/fan-in", path: guide("s3.go"), sorted: true},
		{name: "guide §4 mutex counter", path: guide("s4.go")},
		{name: "guide §5 context timeout", path: guide("s5.go"), sorted: true},
		{name: "guide §6 worker pool (buggy)", path: guide("s6_buggy.go"), sorted: true, deadlock: true},
		{name: "guide §6 worker pool (fixed)", path: guide("s6_fixed.go"), sorted: true},
	}
	for _, f := range []string{"selects.go", "syncs.go", "panics.go", "generics.go", "leak.go", "deadlock_mutex.go", "misc.go", "repanic.go", "repanic_same.go"} {
		p, _ := filepath.Abs(filepath.Join("testdata", "features", f))
		cases = append(cases, confCase{name: "features/" + f, path: p})
	}
	for _, rel := range []string{
		"chan/fifo.go", "chan/select.go", "chan/select3.go", "chan/select4.go", "chan/select6.go",
		"chan/select7.go", "chan/select8.go", "chan/sendstmt.go", "chan/zerosize.go", "chan/sieve1.go",
		"chan/sieve2.go", "chan/powser1.go", "chan/powser2.go", "chan/nonblock.go", "chan/goroutines.go",
		"chan/doubleselect.go", "closedchan.go", "ken/chan.go", "ken/chan1.go", "fixedbugs/issue4313.go",
		"fixedbugs/issue8336.go", "fixedbugs/issue43111.go", "fixedbugs/bug320.go",
	} {
		cases = append(cases, confCase{name: rel, path: goTestPath(t, rel)})
	}
	return cases
}

func TestConformance(t *testing.T) {
	goCmd(t)
	if testing.Short() {
		t.Skip("-short: the conformance test builds ~30 programs twice")
	}
	t.Run("programs", func(t *testing.T) {
		for _, tc := range conformanceCases(t) {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				row := confRow{name: tc.name, pass: "FAIL"}
				defer func() { record(row) }()
				release := acquire()
				nbin, nerr := nativeBuild(t, tc.path)
				cbin, cerr := concvizBuild(t, tc.path)
				var native runOut
				if nerr == nil {
					native = runBinary(t, nbin, nil, 2*time.Minute)
				}
				release()
				require.NoError(t, nerr, "go build")
				require.NoError(t, cerr, "concviz build")
				row.native = native.wall
				seeds := tc.seeds
				if seeds == 0 {
					seeds = 3
				}
				ok := true
				type runSpec struct {
					seed   uint64
					policy string
				}
				var specs []runSpec
				for seed := 0; seed < seeds; seed++ {
					specs = append(specs, runSpec{uint64(seed), "random"})
				}
				specs = append(specs, runSpec{1, "go"}, runSpec{1, "fifo"})
				for i, rs := range specs {
					release := acquire()
					got := runBinary(t, cbin.Path, []string{specEnv(t, engine.Spec{RunInput: engine.RunInput{Seed: rs.seed, Policy: rs.policy}})}, time.Minute)
					release()
					if i == 0 {
						row.cviz = got.wall
					}
					seed := fmt.Sprintf("%s seed %d", rs.policy, rs.seed)
					ok = assert.Equal(t, native.code, got.code, "exit status (%s)\nstderr: %s", seed, got.stderr) && ok
					if tc.sorted {
						ok = assert.Equal(t, sortedLines(native.stdout), sortedLines(got.stdout), "stdout lines (%s)", seed) && ok
					} else {
						ok = assert.Equal(t, native.stdout, got.stdout, "stdout (%s)", seed) && ok
					}
					ok = assert.Equal(t, firstLine(native.stderr), firstLine(programStderr(got.stderr)), "first line of stderr (%s)", seed) && ok
					if tc.deadlock || strings.HasPrefix(native.stderr, "fatal error: all goroutines are asleep") {
						ok = assert.Equal(t, mainBlockedAt(native.stderr), mainBlockedAt(got.stderr), "where main is blocked (%s)", seed) && ok
						ok = assert.NotEmpty(t, mainBlockedAt(got.stderr)) && ok
					}
				}
				if ok {
					row.pass = "pass"
				}
			})
		}
	})
	tableMu.Lock()
	defer tableMu.Unlock()
	sort.Slice(table, func(i, j int) bool { return table[i].name < table[j].name })
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-32s %-14s %10s %10s\n", "program", "result", "go", "concviz")
	for _, r := range table {
		fmt.Fprintf(&b, "%-32s %-14s %10s %10s\n", r.name, r.pass, r.native.Round(time.Millisecond), r.cviz.Round(time.Millisecond))
	}
	t.Log(b.String())
	table = nil
}

// TestGuideFetchURLs checks §1 against the simulated internet. The guide's
// program imports "time" without using it, so neither go build nor concviz
// accepts it; a copy without that import runs on a table of replies.
func TestGuideFetchURLs(t *testing.T) {
	goCmd(t)
	orig, _ := filepath.Abs("testdata/guide/s1.go")
	_, nerr := nativeBuild(t, orig)
	require.Error(t, nerr)
	assert.Contains(t, nerr.Error(), `s1.go:6:2: "time" imported and not used`)
	_, cerr := concvizBuild(t, orig)
	require.Error(t, cerr)
	assert.Equal(t, orig+`:6:2: "time" imported and not used`, cerr.Error())

	fixed, _ := filepath.Abs("testdata/s1_fixed.go")
	bin, err := concvizBuild(t, fixed)
	require.NoError(t, err)
	internet := &engine.Internet{
		Routes: map[string]engine.Reply{
			"https://api.github.com":                     {Latency: 80 * time.Millisecond, Status: 200},
			"https://jsonplaceholder.typicode.com/posts": {Latency: 30 * time.Millisecond, Err: "dial tcp: lookup jsonplaceholder.typicode.com: no such host"},
		},
	}
	for seed := uint64(0); seed < 3; seed++ {
		got := runBinary(t, bin.Path, []string{specEnv(t, engine.Spec{RunInput: engine.RunInput{Seed: seed, Internet: internet}})}, time.Minute)
		assert.Equal(t, 0, got.code, got.stderr)
		// The failing URL answers first: its latency is shorter.
		assert.Equal(t, "Error fetching https://jsonplaceholder.typicode.com/posts: Get \"https://jsonplaceholder.typicode.com/posts\": dial tcp: lookup jsonplaceholder.typicode.com: no such host\n"+
			"Fetched https://api.github.com: Status 200\n", got.stdout)
		assert.Empty(t, got.stderr)
	}
}

// TestSelect3VirtualTime: chan/select3.go sleeps 10 s in goroutines to prove
// that operations block; on the engine those sleeps are virtual. The run must
// complete with a 10 s sleep recorded, and the virtual clock must pass 10 s
// in a variant whose main waits for the sleeper.
func TestSelect3VirtualTime(t *testing.T) {
	goCmd(t)
	bin, err := concvizBuild(t, goTestPath(t, "chan/select3.go"))
	require.NoError(t, err)
	dir := t.TempDir()
	events, outcome := filepath.Join(dir, "events.jsonl"), filepath.Join(dir, "outcome.json")
	got := runBinary(t, bin.Path, []string{specEnv(t, engine.Spec{Events: events, Outcome: outcome})}, time.Minute)
	assert.Equal(t, 0, got.code)
	t.Logf("chan/select3.go on concviz: %v wall", got.wall)
	b, err := os.ReadFile(events)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"kind":"sleep","val":"10000000000"`, "select3 sleeps 10 s of virtual time")

	waits, _ := filepath.Abs("testdata/sleep10.go")
	bin, err = concvizBuild(t, waits)
	require.NoError(t, err)
	got = runBinary(t, bin.Path, []string{specEnv(t, engine.Spec{Events: events})}, time.Minute)
	assert.Equal(t, 0, got.code, got.stderr)
	assert.Equal(t, "slept\n", got.stdout)
	b, err = os.ReadFile(events)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var last struct{ T int64 }
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &last))
	assert.GreaterOrEqual(t, last.T, int64(10*time.Second), "the virtual clock passed 10 s")
	t.Logf("sleep10.go on concviz: %v wall for %v virtual", got.wall, time.Duration(last.T))
}
