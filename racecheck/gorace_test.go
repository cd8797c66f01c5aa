package racecheck

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/instrument"
)

// raceTestFiles are the files of $(go env GOROOT)/src/runtime/race/testdata
// whose tests run on the engine (the others test cgo, reflection, finalizers
// and the runtime's own internals).
var raceTestFiles = []string{"chan_test.go", "mop_test.go", "mutex_test.go", "sync_test.go", "waitgroup_test.go", "atomic_test.go"}

// raceSeeds are the seeds each case runs at, under every policy. Go's own
// tests run once, in parallel on real threads, and its detector reports a
// race whenever the two accesses are unordered by happens-before in that
// one execution. The engine's detector is the same happens-before check, so
// most races show at every schedule; but where the order of two goroutines
// decides whether a synchronisation edge lies between the accesses (a
// mutex taken first by one or the other, a channel's buffered send that
// happens to come after the receive), only some schedules expose it, as
// only some executions of Go's do. So the rule is Go's with more runs: a
// TestRace case must report a race in at least one of the nine runs
// (3 seeds x 3 policies), a TestNoRace case in none of them.
var raceSeeds = []uint64{1, 2, 3}

// tooSlow are cases left out because they take too long on the engine,
// where every shared access is a step.
var tooSlow = map[string]string{
	"TestNoRaceTinyAlloc": "too slow: 4 goroutines x 10^6 writes of a shared byte, over 20 s a run",
}

// knownMisses are the cases the engine gets wrong, with the reason: a
// TestRace case that reports no race, or a TestNoRace case that reports
// one. The test checks each is still a miss, so a fix shows as a failure
// asking to remove it.
var knownMisses = map[string]string{
	"TestRaceChanItselfCap":     missChanVar,
	"TestRaceChanItselfClose":   missChanVar,
	"TestRaceChanItselfLen":     missChanVar,
	"TestRaceChanItselfNil":     missChanVar,
	"TestRaceChanItselfRecv":    missChanVar,
	"TestRaceChanItselfSend":    missChanVar,
	"TestRaceFuncItself":        missFuncVar,
	"TestRaceFuncVariableRW":    missFuncVar,
	"TestRaceFuncVariableWW":    missFuncVar,
	"TestRaceArrayCopy":         missWhole,
	"TestRaceNestedArrayCopy":   missWhole,
	"TestRaceStructInd":         missWhole,
	"TestRaceNestedStruct":      missWhole,
	"TestRaceMethodThunk":       missWhole + " (d = Derived{} against the embedded field a method call reads)",
	"TestRaceMethodValue3":      missWhole + " (*i = InterImpl{} against the method value's copy of *i)",
	"TestRaceAppendRW":          "append's copy of the old elements into a new array is not a read of them",
	"TestRaceSliceStruct":       "copy(dst, src) does not read src's elements as accesses",
	"TestRaceAppendSliceStruct": "append(y, x...) does not read x's elements as accesses",
	"TestRaceHeapParam":         "a named result read by a bare return is read plain",
	"TestRaceIssue5654":         "the writes a standard-library call makes (bytes.Buffer.Read into a shared slice) are not instrumented",
	"TestRaceMethodThunk3":      "a method promoted through an embedded pointer reads the embedded field plain (d.Bar() against d.Base = ...)",
	"TestRaceMethodThunk4":      "a write through a converted pointer (*(*int)(d.Base) = 42) is not an access",
	"TestRaceMutexOverwrite":    "assigning a whole sync.Mutex (mu = sync.Mutex{}) is not a write the detector sees",
}

// Reasons shared by several known misses.
const (
	missChanVar = "a channel operation (send, receive, len, cap, close) reads the variable holding the channel plain: only the operation on the channel is a step"
	missFuncVar = "a variable of function type is left plain by the instrument: its calls and assignments are not accesses"
	missWhole   = "a whole value (an array or struct copy, *p = v) and one of its elements or fields are two engine variables at two addresses, where Go's detector compares byte ranges"
)

// buildRaceCases extracts Go's race tests into one program and builds it on
// the engine, leaving out each declaration the instrument refuses, with its
// message as the reason.
func buildRaceCases(t *testing.T) (*instrument.Binary, []Case) {
	t.Helper()
	dir := filepath.Join(goroot(t), "src", "runtime", "race", "testdata")
	files := map[string][]byte{}
	for _, f := range raceTestFiles {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		files[f] = b
	}
	const name = "racetests.go"
	errAt := regexp.MustCompile(regexp.QuoteMeta(name) + `:(\d+):\d+: (.*)`)
	exclude := maps.Clone(tooSlow)
	for attempt := 0; ; attempt++ {
		src, cases, err := Extract(files, exclude)
		require.NoError(t, err)
		procs <- struct{}{}
		bin, err := instrument.Build(context.Background(), []instrument.File{{Name: name, Src: src}}, instrument.Options{Name: "racetests"})
		<-procs
		if err == nil {
			return bin, cases
		}
		require.Less(t, attempt, 40, "still refused after leaving out %d declarations: %v", len(exclude), err)
		progress := false
		for _, m := range errAt.FindAllStringSubmatch(err.Error(), -1) {
			var line int
			fmt.Sscan(m[1], &line)
			d := DeclAt(src, line)
			if _, done := exclude[d]; d != "" && !done {
				exclude[d] = "refused: " + m[2]
				progress = true
			}
		}
		require.True(t, progress, "a build error no declaration can be left out for: %v", err)
	}
}

// raceRow is one case's line in the table.
type raceRow struct {
	Case
	found  int    // runs that reported a race
	runs   int    // runs made
	first  string // the first run that reported one
	other  string // how a run ended otherwise, if it did not end normally or with a race
	result string
}

func TestGoRaceTests(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds Go's race tests and runs each nine times")
	}
	bin, cases := buildRaceCases(t)
	sortCases(cases)
	rows := make([]raceRow, len(cases))
	var runnable []int
	for i, c := range cases {
		rows[i].Case = c
		if c.Skip == "" {
			runnable = append(runnable, i)
		}
	}
	type run struct {
		policy string
		seed   uint64
	}
	var order []run
	for _, sd := range raceSeeds {
		for _, p := range policies {
			order = append(order, run{p, sd})
		}
	}
	parallel(len(runnable), func(k int) {
		r := &rows[runnable[k]]
		for _, o := range order {
			in := engine.RunInput{Seed: o.seed, Policy: o.policy, Knobs: map[string]int64{CaseKnob: int64(r.Index)}}
			out := runBinary(bin.Path, []string{raceSpec(t, in)})
			r.runs++
			if out.raced() {
				r.found++
				if r.first == "" {
					r.first = fmt.Sprintf("%s seed %d", o.policy, o.seed)
				}
			} else if out.code != 0 && r.other == "" {
				r.other = fmt.Sprintf("%s seed %d: exit %d: %s", o.policy, o.seed, out.code, firstLine(out.stderr))
			}
			if r.Race && r.found > 0 {
				if _, known := knownMisses[r.Name]; !known {
					break // one report is the verdict; a known miss runs every time to show a fix
				}
			}
		}
	})
	var skipped, misses int
	var wrong, fixed []string
	for i := range rows {
		r := &rows[i]
		if r.Skip != "" {
			r.result = "skip"
			skipped++
			continue
		}
		ok := r.found == 0
		if r.Race {
			ok = r.found > 0
		}
		why, known := knownMisses[r.Name]
		switch {
		case ok && known:
			r.result = "FIXED"
			fixed = append(fixed, fmt.Sprintf("%s (%s)", r.Name, why))
		case ok:
			r.result = "ok"
		case known:
			r.result = "known miss"
			misses++
		default:
			r.result = "MISS"
			wrong = append(wrong, fmt.Sprintf("%s: want race %v, %d of %d runs reported one %s", r.Name, r.Race, r.found, r.runs, r.other))
		}
	}
	for name := range knownMisses {
		assert.True(t, hasRunnable(rows, name), "knownMisses names %s, which is not a case that runs", name)
	}
	for name, why := range tooSlow {
		assert.True(t, slices.ContainsFunc(rows, func(r raceRow) bool { return r.Name == name && r.Skip == why }), "tooSlow names %s, which is not a case it leaves out", name)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-18s %-46s %-5s %-7s %-15s %-10s %s\n", "file", "case", "want", "races", "first", "result", "note")
	for _, r := range rows {
		want := "none"
		if r.Race {
			want = "race"
		}
		found := fmt.Sprintf("%d/%d", r.found, r.runs)
		note := r.Skip
		if note == "" {
			note = knownMisses[r.Name]
		}
		if note == "" && r.other != "" {
			note = r.other
		}
		fmt.Fprintf(&b, "%-18s %-46s %-5s %-7s %-15s %-10s %s\n", r.File, r.Name, want, found, r.first, r.result, note)
	}
	fmt.Fprintf(&b, "%d cases, %d run (up to %d runs each: seeds %v under %v; a TestRace case stops at its first report), %d skipped, %d known misses\n",
		len(rows), len(runnable), len(order), raceSeeds, policies, skipped, misses)
	t.Log(b.String())
	assert.Empty(t, wrong, "the engine disagrees with Go's race tests (add a case to knownMisses only with its reason)")
	assert.Empty(t, fixed, "known misses that are fixed: remove them from knownMisses")
	assert.GreaterOrEqual(t, len(runnable), len(rows)/2, "most of Go's race tests run on the engine")
	var races, found, noRaces int
	for _, r := range rows {
		switch {
		case r.Skip != "":
		case r.Race:
			races++
			if r.found > 0 {
				found++
			}
		default:
			noRaces++
		}
	}
	if len(wrong) == 0 && len(fixed) == 0 {
		want := readmeFigures(len(rows), skipped, found, races, misses, noRaces)
		assert.True(t, strings.Contains(readmeText(t), want), "README's Data races gives stale figures; now: %s", want)
	}
}

func hasRunnable(rows []raceRow, name string) bool {
	for _, r := range rows {
		if r.Name == name {
			return r.Skip == ""
		}
	}
	return false
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}
