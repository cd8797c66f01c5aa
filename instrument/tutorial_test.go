package instrument

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
)

// TestTutorials is issue 16's conformance suite on code nobody here wrote in
// this repository's style: tutorial-style programs (testdata/tutorials) and
// the reproducers (testdata/repro), each built with `go build` and
// run, then run on the engine as `concviz run FILE` runs it, under several
// seeds and policies. Each file says how to compare in its header:
//
//	// compare: exact              stdout byte for byte
//	// compare: lines-any-order    the same lines, in any order
//	// compare: check=NAME         tutorialCheckers[NAME] accepts both Go's output and concviz's
//	// compare: refused            concviz refuses it, before running, with a FILE:LINE:COL sentence
//	// refusal: TEXT               ... that contains TEXT (a Go feature the engine cannot model)
//	// seed-stable: yes            the same seed twice gives the same stdout on concviz
//	// runs: once                  one seed and policy only (a program too big to run five times)
//	// category: WORDS             the row's category in the report table
//
// The exit status and the first line of stderr must always be Go's.

// knownGaps lists the programs that fail for a cause issue 16 names, with
// that cause; they are reported, not failed, while the fix lands. A listed
// program that passes fails the test, so the list cannot go stale: delete
// its line.
var knownGaps = map[string]string{
	// Not in issue 16: found by this suite, minimal reproducers in testdata/repro.
	"repro/new_print_sync_values":  "new: %v of sync values prints the engine's fields",
	"repro/new_panic_during_panic": "new: a panic in a deferred call while panicking reports only the last panic",
}

// tutorialDirs are the testdata directories of the suite.
var tutorialDirs = []string{"tutorials", "repro"}

type tutorial struct {
	key        string // "tutorials/NAME" or "repro/NAME"
	path       string
	category   string
	mode       string // "exact", "lines-any-order" or "check"
	check      string // checker name when mode is "check"
	refusal    string // what the refusal must say when mode is "refused"
	seedStable bool
	once       bool
}

var (
	compareHeader  = regexp.MustCompile(`(?m)^// compare: (exact|lines-any-order|refused|check=([\w-]+))$`)
	refusalHeader  = regexp.MustCompile(`(?m)^// refusal: (.+)$`)
	categoryHeader = regexp.MustCompile(`(?m)^// category: (.+)$`)
	stableHeader   = regexp.MustCompile(`(?m)^// seed-stable: yes$`)
	onceHeader     = regexp.MustCompile(`(?m)^// runs: once$`)
)

// loadTutorials reads the suite's programs and their headers.
func loadTutorials(t *testing.T) []tutorial {
	t.Helper()
	var out []tutorial
	for _, dir := range tutorialDirs {
		paths, err := filepath.Glob(filepath.Join("testdata", dir, "*.go"))
		require.NoError(t, err)
		require.NotEmpty(t, paths, "no programs in testdata/%s", dir)
		for _, p := range paths {
			src, err := os.ReadFile(p)
			require.NoError(t, err)
			abs, err := filepath.Abs(p)
			require.NoError(t, err)
			tu := tutorial{key: dir + "/" + strings.TrimSuffix(filepath.Base(p), ".go"), path: abs}
			m := compareHeader.FindSubmatch(src)
			require.NotNil(t, m, "%s: no `// compare: exact|lines-any-order|check=NAME` header", p)
			tu.mode = string(m[1])
			if len(m[2]) > 0 {
				tu.mode, tu.check = "check", string(m[2])
				require.Contains(t, tutorialCheckers, tu.check, "%s: unknown checker", p)
			}
			if tu.mode == "refused" {
				r := refusalHeader.FindSubmatch(src)
				require.NotNil(t, r, "%s: `// compare: refused` needs a `// refusal: TEXT` header", p)
				tu.refusal = string(r[1])
			}
			c := categoryHeader.FindSubmatch(src)
			require.NotNil(t, c, "%s: no `// category:` header", p)
			tu.category = string(c[1])
			tu.seedStable = stableHeader.Match(src)
			tu.once = onceHeader.Match(src)
			out = append(out, tu)
		}
	}
	return out
}

// tutorialRow is one line of the report table.
type tutorialRow struct {
	key, category, mode, result string
	native, cviz                time.Duration
}

func TestTutorials(t *testing.T) {
	goCmd(t)
	if testing.Short() {
		t.Skip("-short: the tutorial suite builds ~80 programs twice")
	}
	progs := loadTutorials(t)
	keys := map[string]bool{}
	for _, p := range progs {
		keys[p.key] = true
	}
	for k := range knownGaps {
		assert.True(t, keys[k], "knownGaps lists %s, which is not a program of the suite", k)
	}
	var mu sync.Mutex
	var rows []tutorialRow
	t.Run("programs", func(t *testing.T) {
		for _, tu := range progs {
			t.Run(tu.key, func(t *testing.T) {
				t.Parallel()
				row := tutorialRow{key: tu.key, category: tu.category, mode: tu.mode, result: "FAIL"}
				if tu.check != "" {
					row.mode = "check=" + tu.check
				}
				defer func() {
					mu.Lock()
					rows = append(rows, row)
					mu.Unlock()
				}()
				native, runs, problems := runTutorial(t, tu)
				row.native = native.wall
				if len(runs) > 0 {
					row.cviz = runs[0].wall
				}
				gap, listed := knownGaps[tu.key]
				switch {
				case listed && len(problems) == 0:
					t.Errorf("%s behaves as Go now: delete its knownGaps entry (%s)", tu.key, gap)
					row.result = "FAIL: passes, still in knownGaps"
				case listed:
					t.Logf("known gap (%s): %s", gap, problems[0])
					row.result = "known gap: " + gap
				case len(problems) == 0:
					row.result = "pass"
				default:
					for _, p := range problems {
						t.Error(p)
					}
					row.result = "FAIL: " + firstLine(problems[0])
				}
			})
		}
	})
	sort.Slice(rows, func(i, j int) bool { return rows[i].key < rows[j].key })
	var b strings.Builder
	counts := map[string]int{}
	fmt.Fprintf(&b, "\n%-40s %-22s %-22s %8s %8s  %s\n", "program", "category", "mode", "go", "concviz", "result")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-40s %-22s %-22s %8s %8s  %s\n", r.key, r.category, r.mode,
			r.native.Round(time.Millisecond), r.cviz.Round(time.Millisecond), r.result)
		res, _, _ := strings.Cut(r.result, ":")
		counts[res]++
	}
	fmt.Fprintf(&b, "%d programs: %d pass, %d known gaps, %d FAIL\n", len(rows), counts["pass"], counts["known gap"], counts["FAIL"])
	t.Log(b.String())
}

// judgeRefusal checks that concviz refused a program it cannot model with a
// sentence at the program's line, as a user would see it.
func judgeRefusal(tu tutorial, cerr error) []string {
	var ierr *Error
	switch {
	case cerr == nil:
		return []string{"concviz runs a program it should refuse (" + tu.refusal + ")"}
	case !errors.As(cerr, &ierr) || ierr.Line == 0:
		return []string{"concviz refuses without a line: " + oneLineErr(cerr)}
	case !strings.Contains(cerr.Error(), tu.refusal):
		return []string{fmt.Sprintf("concviz refuses, but not with %q: %s", tu.refusal, oneLineErr(cerr))}
	}
	return nil
}

// tutorialSpecs are the seeds and policies every program runs under.
var tutorialSpecs = []engine.Spec{
	{RunInput: engine.RunInput{Seed: 0, Policy: "random"}}, {RunInput: engine.RunInput{Seed: 1, Policy: "random"}},
	{RunInput: engine.RunInput{Seed: 2, Policy: "random"}}, {RunInput: engine.RunInput{Seed: 1, Policy: "go"}},
	{RunInput: engine.RunInput{Seed: 1, Policy: "fifo"}},
}

// nativeRetries is how many more times Go runs a program whose output
// concviz's does not match: a loaded machine can delay a timer past another
// and make Go print something else, and concviz's output only has to be
// one Go can print.
const nativeRetries = 2

// runTutorial runs one program under Go and under concviz and returns Go's
// first run, concviz's runs and every way they differ. Go's output must
// satisfy the program's own checker, or the checker is wrong.
func runTutorial(t *testing.T, tu tutorial) (runOut, []runOut, []string) {
	release := acquire()
	nbin, nerr := nativeBuild(t, tu.path)
	var natives []runOut
	if nerr == nil {
		natives = append(natives, runBinary(t, nbin, nil, time.Minute))
	}
	cbin, cerr := concvizBuild(t, tu.path)
	release()
	require.NoError(t, nerr, "go build")
	if tu.check != "" {
		n := natives[0]
		require.NoError(t, tutorialCheckers[tu.check](n, n), "checker %s rejects Go's own output:\n%s%s", tu.check, n.stdout, n.stderr)
	}
	if tu.mode == "refused" {
		return natives[0], nil, judgeRefusal(tu, cerr)
	}
	if cerr != nil {
		return natives[0], nil, []string{"concviz refuses the program: " + oneLineErr(cerr)}
	}
	specs := tutorialSpecs
	if tu.once {
		specs = specs[:1]
	}
	var runs []runOut
	var problems []string
	for _, spec := range specs {
		release := acquire()
		got := runBinary(t, cbin.Path, []string{specEnv(t, spec)}, time.Minute)
		var again runOut
		if tu.seedStable {
			again = runBinary(t, cbin.Path, []string{specEnv(t, spec)}, time.Minute)
		}
		release()
		runs = append(runs, got)
		where := fmt.Sprintf("(%s seed %d)", spec.Policy, spec.Seed)
		if tu.seedStable && again.stdout != got.stdout {
			problems = append(problems, fmt.Sprintf("the same seed gave different stdout %s:\n%s---\n%s", where, got.stdout, again.stdout))
		}
		diff := judge(tu, natives[0], got)
		for i := 0; len(diff) > 0 && i < 1+nativeRetries; i++ {
			if i == len(natives) {
				release := acquire()
				natives = append(natives, runBinary(t, nbin, nil, time.Minute))
				release()
			}
			if judge(tu, natives[i], got) == nil {
				diff = nil
			}
		}
		for _, d := range diff {
			problems = append(problems, where+" "+d)
		}
	}
	return natives[0], runs, problems
}

// judge lists the ways a concviz run differs from a Go run: exit status,
// first line of stderr, where main is blocked in a deadlock, and stdout as
// the program's header says.
func judge(tu tutorial, native, got runOut) []string {
	var diff []string
	if got.code != native.code {
		diff = append(diff, fmt.Sprintf("exit status %d, Go %d; stderr: %s", got.code, native.code, firstLine(got.stderr)))
	}
	if g, n := addrFree(firstLine(got.stderr)), addrFree(firstLine(native.stderr)); g != n {
		diff = append(diff, fmt.Sprintf("first line of stderr %q, Go %q", g, n))
	}
	if strings.HasPrefix(native.stderr, "fatal error: all goroutines are asleep") {
		if g, n := mainBlockedAt(got.stderr), mainBlockedAt(native.stderr); g != n {
			diff = append(diff, fmt.Sprintf("main blocked at %q, Go %q", g, n))
		}
	}
	if err := compareStdout(tu, native, got); err != nil {
		diff = append(diff, "stdout: "+err.Error())
	}
	return diff
}

// compareStdout compares concviz's stdout with Go's as the program's header
// says.
func compareStdout(tu tutorial, native, got runOut) error {
	switch tu.mode {
	case "exact":
		if got.stdout != native.stdout {
			return fmt.Errorf("got\n%s\nGo printed\n%s", got.stdout, native.stdout)
		}
	case "lines-any-order":
		if !slices.Equal(sortedLines(got.stdout), sortedLines(native.stdout)) {
			return fmt.Errorf("lines differ: got\n%s\nGo printed\n%s", got.stdout, native.stdout)
		}
	default:
		if err := tutorialCheckers[tu.check](native, got); err != nil {
			return fmt.Errorf("%s: %w; got\n%s", tu.check, err, got.stdout)
		}
	}
	return nil
}

func oneLineErr(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}

// A checker accepts an output Go can print for a program whose output
// depends on scheduling or on the machine; it sees Go's run and the run to
// judge (the two are the same when the checker is checked against Go).
type checker func(native, got runOut) error

// tutorialCheckers are the checkers programs name in `// compare: check=NAME`.
var tutorialCheckers = map[string]checker{
	// All of Go's lines in any order, "done" last.
	"ends-with-done": func(native, got runOut) error {
		if !slices.Equal(sortedLines(got.stdout), sortedLines(native.stdout)) {
			return fmt.Errorf("not Go's lines")
		}
		return wantLast(got.stdout, "done")
	},
	// "x y x+y" with the two partial sums in either order.
	"sum-halves": func(native, got runOut) error {
		n, g := strings.Fields(native.stdout), strings.Fields(got.stdout)
		if len(g) != 3 || g[2] != n[2] || !slices.Equal(sortedCopy(g[:2]), sortedCopy(n[:2])) {
			return fmt.Errorf("want the sums %v in either order and %s", n[:2], n[2])
		}
		return nil
	},
	// Players alternate and count hits from 1; the last line gives the count.
	"ping-pong": func(_, got runOut) error {
		lines := outLines(got.stdout)
		var prev string
		for i, l := range lines[:len(lines)-1] {
			var name string
			var hits int
			if _, err := fmt.Sscanf(l, "%s %d", &name, &hits); err != nil || hits != i+1 || name == prev || (name != "ping" && name != "pong") {
				return fmt.Errorf("line %d: %q", i+1, l)
			}
			prev = name
		}
		return wantLast(got.stdout, fmt.Sprintf("final hits: %d", len(lines)-1))
	},
	// Each source's messages in order, ten in all, then the goodbye.
	"fanin": func(_, got runOut) error {
		lines := outLines(got.stdout)
		next := map[string]int{}
		for _, l := range lines[:len(lines)-1] {
			var name string
			var i int
			if _, err := fmt.Sscanf(l, "%s %d", &name, &i); err != nil || (name != "Joe" && name != "Ann") || i != next[name] {
				return fmt.Errorf("out of order: %q", l)
			}
			next[name]++
		}
		if len(lines) != 11 {
			return fmt.Errorf("want 10 messages, got %d", len(lines)-1)
		}
		return wantLast(got.stdout, "You're both boring; I'm leaving.")
	},
	"deadline-count": countedLines("result %d", "deadline passed after %d results"),
	"ticks":          countedLines("tick %d", "ticker stopped after %d ticks"),
	// Each job started and finished once by one worker that does one job at
	// a time; the results add up.
	"workerpool": func(_, got runOut) error {
		lines := outLines(got.stdout)
		busy := map[int]int{}    // worker -> job
		doneBy := map[int]bool{} // job -> finished
		for _, l := range lines[:len(lines)-1] {
			var w, j int
			if _, err := fmt.Sscanf(l, "worker %d started  job %d", &w, &j); err == nil {
				if busy[w] != 0 || doneBy[j] {
					return fmt.Errorf("%q while worker %d has job %d", l, w, busy[w])
				}
				busy[w] = j
				continue
			}
			if _, err := fmt.Sscanf(l, "worker %d finished job %d", &w, &j); err != nil || busy[w] != j {
				return fmt.Errorf("unexpected %q", l)
			}
			busy[w], doneBy[j] = 0, true
		}
		if len(doneBy) != 5 {
			return fmt.Errorf("want jobs 1..5 finished, got %v", doneBy)
		}
		return wantLast(got.stdout, "sum of results: 30")
	},
	// Each number 0..9 handled once by one of four workers; total 45.
	"sum45": func(_, got runOut) error {
		lines := outLines(got.stdout)
		seen := map[int]bool{}
		for _, l := range lines[:len(lines)-1] {
			var w, n int
			if _, err := fmt.Sscanf(l, "worker %d handled %d", &w, &n); err != nil || w < 1 || w > 4 || seen[n] {
				return fmt.Errorf("unexpected %q", l)
			}
			seen[n] = true
		}
		if len(seen) != 10 {
			return fmt.Errorf("want 0..9 handled once each, got %d", len(seen))
		}
		return wantLast(got.stdout, "total 45")
	},
	// Each client once, exactly three served.
	"token-bucket": func(_, got runOut) error {
		lines := outLines(got.stdout)
		seen, served := map[int]bool{}, 0
		for _, l := range lines[:len(lines)-1] {
			var c int
			var what string
			if _, err := fmt.Sscanf(l, "client %d %s", &c, &what); err != nil || seen[c] || (what != "served" && what != "rejected") {
				return fmt.Errorf("unexpected %q", l)
			}
			seen[c] = true
			if what == "served" {
				served++
			}
		}
		if len(seen) != 6 || served != 3 {
			return fmt.Errorf("want 6 clients, 3 served; got %d, %d", len(seen), served)
		}
		return wantLast(got.stdout, "served 3 of 6")
	},
	// time.Now with " m=+S.NNNNNNNNN", Round(0) without it.
	"monotonic": func(_, got runOut) error {
		lines := outLines(got.stdout)
		if len(lines) != 3 {
			return fmt.Errorf("want 3 lines")
		}
		m := monotonicTime.FindStringSubmatch(lines[0])
		if m == nil {
			return fmt.Errorf("%q is not a time with its monotonic reading (want like 2009-11-10 23:00:00 +0000 UTC m=+0.000000001)", lines[0])
		}
		if lines[1] != m[1] || lines[2] != "true" {
			return fmt.Errorf("want %q then true", m[1])
		}
		return nil
	},
	// Top-level generators in range; an explicit source exactly Go's.
	"rand-range": func(native, got runOut) error {
		n, g := outLines(native.stdout), outLines(got.stdout)
		var a, b, c, d int
		var lt bool
		if len(g) != 5 {
			return fmt.Errorf("want 5 lines")
		}
		if k, _ := fmt.Sscanf(g[0], "%d %d %t", &a, &b, &lt); k != 3 || a < 0 || a >= 100 || b < 0 || b >= 100 || !lt {
			return fmt.Errorf("line 1 out of range: %q", g[0])
		}
		if k, _ := fmt.Sscanf(g[1], "%d %d", &c, &d); k != 2 || c < 0 || c >= 1000 || d < 0 || d >= 50 {
			return fmt.Errorf("line 2 out of range: %q", g[1])
		}
		if !slices.Equal(g[2:], n[2:]) {
			return fmt.Errorf("seeded sources: want %q", n[2:])
		}
		return nil
	},
	// Channel types by name; %v and %p the same hex address.
	"chan-format": func(native, got runOut) error {
		n, g := outLines(native.stdout), outLines(got.stdout)
		if len(g) != len(n) {
			return fmt.Errorf("want %d lines", len(n))
		}
		if g[0] != n[0] || g[1] != n[1] || g[4] != n[4] || g[5] != n[5] {
			return fmt.Errorf("want types %q, %q and %q, %q", n[0], n[1], n[4], n[5])
		}
		if !hexAddr.MatchString(g[2]) || g[2] != g[3] {
			return fmt.Errorf("want %%v and %%p as the same address like %s", n[2])
		}
		return nil
	},
	// Every goroutine of the deadlock report names the function it runs.
	"deadlock-frames": func(native, got runOut) error {
		n, g := reportFuncs(native.stderr), reportFuncs(got.stderr)
		if !slices.Equal(n, g) {
			return fmt.Errorf("goroutines run %q, Go %q", g, n)
		}
		return nil
	},
}

var (
	monotonicTime = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? [+-]\d{4} \S+) m=[+-]\d+\.\d{9}$`)
	hexAddr       = regexp.MustCompile(`^0x[0-9a-f]+$`)
	anyAddr       = regexp.MustCompile(`0x[0-9a-f]{6,}`)
	reportFunc    = regexp.MustCompile(`(?m)^goroutine \d+ \[[^\]]*\]:\n(\S+)\(`)
)

// addrFree replaces addresses, which differ between any two builds, with
// one placeholder.
func addrFree(s string) string { return anyAddr.ReplaceAllString(s, "0xADDR") }

// reportFuncs is the sorted innermost function of each goroutine in a
// deadlock report.
func reportFuncs(stderr string) []string {
	var fs []string
	for _, m := range reportFunc.FindAllStringSubmatch(stderr, -1) {
		fs = append(fs, m[1])
	}
	sort.Strings(fs)
	return fs
}

// countedLines checks lines "item 1", "item 2", ... and a last line with
// their count.
func countedLines(item, last string) checker {
	return func(_, got runOut) error {
		lines := outLines(got.stdout)
		for i, l := range lines[:len(lines)-1] {
			if l != fmt.Sprintf(item, i+1) {
				return fmt.Errorf("line %d: %q, want %q", i+1, l, fmt.Sprintf(item, i+1))
			}
		}
		return wantLast(got.stdout, fmt.Sprintf(last, len(lines)-1))
	}
}

func outLines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func wantLast(s, want string) error {
	lines := outLines(s)
	if lines[len(lines)-1] != want {
		return fmt.Errorf("last line %q, want %q", lines[len(lines)-1], want)
	}
	return nil
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	sort.Strings(c)
	return c
}
