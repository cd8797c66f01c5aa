package racecheck

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/instrument"
	"github.com/concviz/concviz/scenarios"
)

// The no-false-alarm sweep: programs that have no data race under
// `go build -race` must report none on the engine, at any seed and policy.

// sweepSeeds is how many seeds every program of the sweep runs at, under
// every policy.
const sweepSeeds = 20

// racyScenarios are the catalog's scenarios written to race, each with how
// often it must report one over the sweep: "every" run, or "some".
var racyScenarios = map[string]string{
	"counter-race":   "every",
	"check-then-act": "every",
	"hidden-race":    "some", // a worker that prints both lines before main does is ordered by the stdout lock

	"map-race": "some", // the fatal error can end a run before two writes are both seen
}

// TestCatalogNoFalseAlarms runs every catalog scenario in this process
// with its defaults, and requires no race from the race-free ones and the
// races the racy ones are written to show.
func TestCatalogNoFalseAlarms(t *testing.T) {
	for _, s := range scenarios.All() {
		t.Run(s.ID, func(t *testing.T) {
			how, racy := racyScenarios[s.ID]
			raced, runs := 0, 0
			for _, p := range policies {
				for seed := range uint64(sweepSeeds) {
					cfg, err := s.RunConfig(engine.RunInput{Program: s.ID, Seed: seed, Policy: p})
					require.NoError(t, err)
					res := engine.Run(s.Program, cfg)
					runs++
					if len(res.Outcome.Races) == 0 {
						continue
					}
					raced++
					if !racy {
						assert.Fail(t, "a false alarm", "%s seed %d: %s", p, seed, res.Outcome.RaceReport)
					}
				}
			}
			switch how {
			case "every":
				assert.Equal(t, runs, raced, "a race at every seed and policy")
			case "some":
				assert.Positive(t, raced, "a race at some seed")
			}
			t.Logf("%s: a race in %d of %d runs", s.ID, raced, runs)
		})
	}
}

// goTestPrograms are the programs of $(go env GOROOT)/test that the
// instrument's conformance test runs, read from its list so that they stay
// the same.
func goTestPrograms(t *testing.T) []string {
	b, err := os.ReadFile("../instrument/conformance_test.go")
	require.NoError(t, err)
	_, list, ok := strings.Cut(string(b), "for _, rel := range []string{")
	require.True(t, ok, "instrument/conformance_test.go lists Go's test programs in a `for _, rel := range []string{` loop")
	list, _, _ = strings.Cut(list, "}")
	var out []string
	for _, m := range regexp.MustCompile(`"([^"]+\.go)"`).FindAllStringSubmatch(list, -1) {
		out = append(out, filepath.Join(goroot(t), "test", m[1]))
	}
	require.NotEmpty(t, out)
	return out
}

// sweepPrograms are the paths of every program of the sweep: those of
// instrument/testdata, a .go file or a directory at its top or in one of its
// folders, as the instrument's conformance, fidelity and tutorial tests run
// them, and Go's test programs.
func sweepPrograms(t *testing.T) []string {
	root, err := filepath.Abs(filepath.Join("..", "instrument", "testdata"))
	require.NoError(t, err)
	var paths []string
	top, err := os.ReadDir(root)
	require.NoError(t, err)
	for _, d := range top {
		if !d.IsDir() {
			if strings.HasSuffix(d.Name(), ".go") {
				paths = append(paths, filepath.Join(root, d.Name()))
			}
			continue
		}
		entries, err := os.ReadDir(filepath.Join(root, d.Name()))
		require.NoError(t, err)
		for _, e := range entries {
			if e.IsDir() || strings.HasSuffix(e.Name(), ".go") {
				paths = append(paths, filepath.Join(root, d.Name(), e.Name()))
			}
		}
	}
	return append(paths, goTestPrograms(t)...)
}

// sweepLine is one run of the sweep binary.
type sweepLine struct {
	P       int           `json:"p"`
	Policy  string        `json:"policy"`
	Seed    uint64        `json:"seed"`
	Outcome string        `json:"outcome"`
	Races   int           `json:"races"`
	Report  string        `json:"report,omitempty"`
	Wall    time.Duration `json:"wall"`
}

// sweepMain runs the program of the sweep numbered os.Args[1] at its
// seeds under every policy, in this process, and prints a sweepLine a run.
const sweepMain = `
func main() {
	engine.InstallLocal()
	i, _ := strconv.Atoi(os.Args[1])
	enc := json.NewEncoder(os.Stdout)
	for _, p := range engine.Vocab().Policies {
		for s := range uint64(seeds[i]) {
			cfg, err := engine.RunInput{Seed: s, Policy: p, MaxWall: 10 * time.Second}.Config()
			if err != nil {
				panic(err)
			}
			start := time.Now()
			res := engine.Run(progs[i], cfg)
			enc.Encode(map[string]any{"p": i, "policy": p, "seed": s, "outcome": res.Outcome.Kind,
				"races": len(res.Outcome.Races), "report": res.Outcome.RaceReport, "wall": time.Since(start)})
		}
	}
}
`

// buildSweep rewrites every program as a package of one module, with a
// main that runs them all, and builds it once: the binary is kept in the
// user's cache under the hash of everything compiled into it.
func buildSweep(t *testing.T, paths []string) (bin string, included []string, skipped map[string]string) {
	t.Helper()
	skipped = map[string]string{}
	type pkg struct {
		dir   string
		files []instrument.File
		seeds int
	}
	var pkgs []pkg
	h := sha256.New()
	for _, p := range paths {
		files, err := instrument.ReadProgram(p)
		if err == nil {
			var res *instrument.Result
			name := fmt.Sprintf("p%d", len(pkgs))
			if res, err = instrument.Rewrite(files, instrument.Options{Library: true, Package: name}); err == nil {
				pkgs = append(pkgs, pkg{name, res.Files, programSeeds(files)})
				included = append(included, p)
				for _, f := range res.Files {
					fmt.Fprintf(h, "%s/%s\x00%d\x00", name, f.Name, len(f.Src))
					h.Write(f.Src)
				}
				continue
			}
		}
		skipped[p] = err.Error()
	}
	edir, err := instrument.EngineDir()
	require.NoError(t, err)
	var main bytes.Buffer
	main.WriteString("package main\n\nimport (\n\t\"encoding/json\"\n\t\"os\"\n\t\"strconv\"\n\t\"time\"\n\n\t\"github.com/concviz/concviz/engine\"\n")
	for _, p := range pkgs {
		fmt.Fprintf(&main, "\t%s \"racesweep/%s\"\n", p.dir, p.dir)
	}
	main.WriteString(")\n\nvar progs = []engine.Program{")
	for _, p := range pkgs {
		fmt.Fprintf(&main, "%s.Program, ", p.dir)
	}
	main.WriteString("}\n\nvar seeds = []int{")
	for _, p := range pkgs {
		fmt.Fprintf(&main, "%d, ", p.seeds)
	}
	main.WriteString("}\n" + sweepMain)
	fmt.Fprintf(h, "main\x00%s\x00%s", main.Bytes(), edir)
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "concviz", "racesweep-"+hex.EncodeToString(h.Sum(nil))[:16])
	bin = filepath.Join(dir, "sweep")
	if _, err := os.Stat(bin); err == nil {
		return bin, included, skipped
	}
	tmp := filepath.Join(t.TempDir(), "racesweep")
	write := func(name string, b []byte) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(tmp, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(tmp, name), b, 0o644))
	}
	write("go.mod", fmt.Appendf(nil, "module racesweep\n\ngo 1.26\n\nrequire github.com/concviz/concviz v0.0.0\n\nreplace github.com/concviz/concviz => %s\n", edir))
	write("main.go", main.Bytes())
	for _, p := range pkgs {
		for _, f := range p.files {
			write(filepath.Join(p.dir, f.Name), f.Src)
		}
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	cmd := exec.Command(goCmd(t), "build", "-o", bin+".tmp", ".")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GOPROXY=off", "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "build the sweep: %s", out)
	require.NoError(t, os.Rename(bin+".tmp", bin))
	return bin, included, skipped
}

// onceMarker in a program's header says it is costly enough for the
// instrument's tests to run it once: the sweep runs it at seed 0 only.
var onceMarker = regexp.MustCompile(`(?m)^// runs: once$`)

func programSeeds(files []instrument.File) int {
	for _, f := range files {
		if onceMarker.Match(f.Src) {
			return 1
		}
	}
	return sweepSeeds
}

// maxRefused is how many of the sweep's files may be refused: those that
// are not programs go run runs (a name go build skips, a build constraint,
// the guide's §1 with its unused import) and the instrument's reproducers of
// what it refuses.
const maxRefused = 8

// TestProgramsNoFalseAlarms runs every conformance, fidelity and tutorial
// program of the earlier issues, and Go's channel tests, under the race
// detector at sweepSeeds seeds and every policy: none may report a race.
func TestProgramsNoFalseAlarms(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds every conformance program into one binary and runs each 60 times")
	}
	paths := sweepPrograms(t)
	bin, included, skipped := buildSweep(t, paths)
	for p, why := range skipped {
		t.Logf("refused, as the instrument's tests expect: %s: %s", filepath.Base(p), why)
	}
	assert.LessOrEqual(t, len(skipped), maxRefused, "programs the instrument refuses (a few are there to be refused)")
	// One child a program, as many at once as procs allows: the longest
	// program alone bounds the sweep's wall time.
	outs := make([]runOut, len(included))
	parallel(len(included), func(i int) {
		outs[i] = runBinary(bin, nil, fmt.Sprint(i))
	})
	var lines []sweepLine
	for i, o := range outs {
		require.Zero(t, o.code, "sweep of %s: %s", included[i], o.stderr)
		for _, l := range strings.Split(strings.TrimSpace(o.stdout), "\n") {
			var sl sweepLine
			require.NoError(t, json.Unmarshal([]byte(l), &sl), "sweep of %s", included[i])
			lines = append(lines, sl)
		}
	}
	wall := map[int]time.Duration{}
	for _, l := range lines {
		wall[l.P] += l.Wall
	}
	for p, w := range wall {
		if w > 5*time.Second {
			t.Logf("slow: %s took %v", included[p], w.Round(time.Millisecond))
		}
	}
	assert.Len(t, wall, len(included), "every program ran")
	alarms := map[string][]string{}
	byName := map[string]string{}
	for _, l := range lines {
		if l.Races > 0 {
			name := strings.TrimPrefix(included[l.P], filepath.Dir(filepath.Dir(included[l.P]))+"/")
			byName[name] = included[l.P]
			alarms[name] = append(alarms[name], fmt.Sprintf("%s seed %d: %s", l.Policy, l.Seed, firstLines(l.Report, 8)))
		}
	}
	// A program reporting a race is a false alarm unless go build -race
	// reports one too: the oracle decides, not a list.
	var racyInGo []string
	names := slices.Sorted(maps.Keys(alarms))
	verdicts := make([]string, len(names))
	parallel(len(names), func(i int) {
		verdicts[i] = goRaceVerdict(t, byName[names[i]])
	})
	for i, name := range names {
		if verdicts[i] == "" {
			racyInGo = append(racyInGo, name)
			continue
		}
		assert.Fail(t, "a false alarm", "%s: %d runs of %d report a race, %s; first: %s", name, len(alarms[name]), len(policies)*sweepSeeds, verdicts[i], alarms[name][0])
	}
	t.Logf("racy under go build -race too, and on the engine: %s", strings.Join(racyInGo, ", "))
	t.Logf("%d programs x %d seeds (1 for those marked %q) x %d policies = %d runs, %d programs with a race", len(included), sweepSeeds, "// runs: once", len(policies), len(lines), len(alarms))
}

// goRaceVerdict builds path with go build -race and runs it up to
// goRaceTries times: "" if Go reports a race, else what it did instead. It
// runs on goroutines of parallel, so it reports a failure in its result.
func goRaceVerdict(t *testing.T, path string) string {
	bin := filepath.Join(t.TempDir(), "race")
	if err := goRaceBuild(path, bin); err != nil {
		return "and " + err.Error()
	}
	if runRaced(bin).raced() {
		return ""
	}
	return fmt.Sprintf("but go build -race reports none in %d runs", goRaceTries)
}

func firstLines(s string, n int) string {
	ls := strings.SplitN(s, "\n", n+1)
	return strings.Join(ls[:min(n, len(ls))], "\n")
}
