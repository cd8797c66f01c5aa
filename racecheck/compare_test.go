package racecheck

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
)

// Racy programs compared with the same program built with go build -race:
// the exit status 66, the first two lines of stderr, the access kinds and
// the source lines of each report, and a stdout the -race binary can print.

// accessLine is a report's line naming an access: its kind and, two lines
// on, the file and line of the access.
var accessLine = regexp.MustCompile(`(?m)^(Read|Write|Previous read|Previous write) at \S+ by [^\n]*:\n[^\n]*\n\s+\S*?([^/\s]+\.go:\d+)`)

// raceKinds is each report's pair of accesses as "Read main.go:13 / Previous
// write main.go:13", in the order printed.
func raceKinds(stderr string) []string {
	var out []string
	ms := accessLine.FindAllStringSubmatch(stderr, -1)
	for i := 0; i+1 < len(ms); i += 2 {
		out = append(out, fmt.Sprintf("%s %s / %s %s", ms[i][1], ms[i][2], ms[i+1][1], ms[i+1][2]))
	}
	return out
}

// raceLines is the set of source lines the reports name.
func raceLines(stderr string) map[string]bool {
	set := map[string]bool{}
	for _, m := range accessLine.FindAllStringSubmatch(stderr, -1) {
		set[m[2]] = true
	}
	return set
}

func stderrHead(s string, n int) []string {
	ls := strings.SplitN(s, "\n", n+1)
	return ls[:min(n, len(ls))]
}

// racyCase is a program that races, and what of its output Go fixes.
type racyCase struct {
	name  string
	path  string
	exact bool // the interleaving is fixed by sleeps: stdout and access kinds are Go's exactly
	// stdout, if set, says whether an output is one the -race binary can
	// print, where it depends on the interleaving.
	stdout func(t *testing.T, out string)
}

func racyCases(t *testing.T) []racyCase {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		require.NoError(t, err)
		return a
	}
	return []racyCase{
		{name: "write then read", path: abs("testdata/racy/write_read.go"), exact: true},
		{name: "read then write", path: abs("testdata/racy/read_write.go"), exact: true},
		{name: "write then write", path: abs("testdata/racy/write_write.go"), exact: true},
		{name: "counter-race", path: abs("../scenarios/src/counter-race/main.go"), stdout: func(t *testing.T, out string) {
			var n int
			_, err := fmt.Sscanf(out, "Final count: %d\n", &n)
			assert.NoError(t, err, "stdout %q", out)
			assert.True(t, n >= 1 && n <= 100, "lost updates leave between 1 and 100, not %d", n)
		}},
		{name: "check-then-act", path: abs("../scenarios/src/check-then-act/main.go"), stdout: func(t *testing.T, out string) {
			withdrew := strings.Count(out, " withdrew 80\n")
			assert.Equal(t, 2, withdrew+strings.Count(out, " was refused\n"), "alice and bob each withdraw or are refused: %q", out)
			// Both withdrawing leaves -60, or 20 when one's write of the
			// balance lands over the other's.
			want := []string{"Balance: 20\n"}
			if withdrew == 2 {
				want = append(want, "Balance: -60\n")
			}
			_, last, _ := strings.Cut(strings.TrimSuffix(out, "\n"), "Balance:")
			assert.Contains(t, want, "Balance:"+last+"\n", "the final balance: %q", out)
		}},
		{name: "hidden-race", path: abs("../scenarios/src/hidden-race/main.go"), stdout: func(t *testing.T, out string) {
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			slices.Sort(lines)
			assert.Contains(t, [][]string{
				{"main: getting ready", "worker: checking the status", "worker: status is ready"},
				{"main: getting ready", "worker: checking the status", "worker: status is starting"},
			}, lines)
		}},
	}
}

func TestRacyProgramsAsGoRace(t *testing.T) {
	goCmd(t)
	if testing.Short() {
		t.Skip("-short: builds each racy program with go build -race")
	}
	for _, tc := range racyCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			native := runRaced(nativeBuild(t, tc.path))
			require.Equal(t, 66, native.code, "go build -race's binary exits 66 in one of %d runs: %s", goRaceTries, native.stderr)
			bin := concvizBuild(t, tc.path)
			for _, p := range policies {
				for _, seed := range raceSeeds {
					got := runBinary(bin.Path, []string{raceSpec(t, engine.RunInput{Seed: seed, Policy: p})})
					at := fmt.Sprintf("%s seed %d", p, seed)
					assert.Equal(t, native.code, got.code, "exit status (%s)\nstderr: %s", at, got.stderr)
					assert.Equal(t, stderrHead(native.stderr, 2), stderrHead(got.stderr, 2), "the first two lines of stderr (%s)", at)
					assert.Contains(t, got.stderr, "Found 1 data race(s)", at)
					if tc.exact {
						assert.Equal(t, native.stdout, got.stdout, "stdout (%s)", at)
						assert.Equal(t, raceKinds(native.stderr), raceKinds(got.stderr), "the accesses' kinds and lines (%s)", at)
						continue
					}
					tc.stdout(t, got.stdout)
					// Which pair of accesses is found first depends on the
					// interleaving, in Go as on the engine; the lines are Go's.
					goLines := raceLines(native.stderr)
					for l := range raceLines(got.stderr) {
						assert.True(t, goLines[l], "%s races at %s, a line go build -race does not name (%s)", tc.name, l, at)
					}
					for _, k := range raceKinds(got.stderr) {
						assert.NotRegexp(t, `^Read \S+ / Previous read`, k, "two reads do not race (%s)", at)
					}
				}
			}
		})
	}
}
