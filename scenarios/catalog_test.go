package scenarios

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/scenarios/internal/generate"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.json from the current runs")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCatalog(t *testing.T) {
	all := All()
	require.GreaterOrEqual(t, len(all), 14, "the guide's seven programs and at least seven more")
	guide := 0
	for i, s := range all {
		t.Run(s.ID, func(t *testing.T) {
			assert.NotEmpty(t, s.Title)
			assert.Contains(t, []Layout{LayoutWorkerPool, LayoutPipeline, LayoutFree}, s.Layout)
			sentences := len(regexp.MustCompile(`[.!?](\s|$)`).FindAllString(s.Explanation, -1))
			assert.True(t, sentences >= 3 && sentences <= 6, "explanation has %d sentences; want 3 to 6", sentences)
			require.NotNil(t, s.Program.Main, "the program is compiled in (go generate ./scenarios)")
			assert.NotEmpty(t, s.Program.Sites)
			for _, k := range s.Knobs {
				assert.True(t, k.Min <= k.Default && k.Default <= k.Max, "knob %s: default %d outside %d..%d", k.Name, k.Default, k.Min, k.Max)
			}
		})
		if s.Guide() {
			guide++
			assert.Equal(t, guide-1, i, "guide scenarios come first")
		}
	}
	assert.Equal(t, 9, guide, "the guide's seven programs and §4's counter without its mutex and with sync/atomic")
	for i := 1; i < guide; i++ {
		assert.LessOrEqual(t, all[i-1].Section, all[i].Section, "guide scenarios in section order")
	}
	_, ok := Lookup("no-such-scenario")
	assert.False(t, ok)
}

// The generated programs are committed; they must match what go generate
// makes from the sources now (as with templ), capacity defaults the source
// computes included: those the compiled programs make now.
func TestGeneratedFilesAreFresh(t *testing.T) {
	caps := generate.Caps{}
	for _, s := range All() {
		caps[s.ID] = generate.ComputedCaps(s.Program, s.Internet)
	}
	want, err := generate.Generate(os.DirFS("."), caps)
	require.NoError(t, err)
	for name, src := range want {
		got, err := os.ReadFile(name)
		require.NoError(t, err, "missing generated file: run go generate ./scenarios")
		assert.True(t, bytes.Equal(src, got), "%s is stale: run go generate ./scenarios", name)
	}
	err = filepath.WalkDir("gen", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			assert.Contains(t, want, filepath.ToSlash(p), "%s is not generated from any scenario: run go generate ./scenarios", p)
		}
		return err
	})
	require.NoError(t, err)
}

func TestKnobSettings(t *testing.T) {
	s, ok := Lookup("worker-pool-deadlock")
	require.True(t, ok)
	tests := []struct {
		name string
		set  Settings
		code string
	}{
		{"defaults", Settings{}, ""},
		{"both unbuffered", Settings{Caps: map[string]int{"jobs": 0, "results": 0}}, ""},
		{"unknown channel", Settings{Caps: map[string]int{"queue": 1}}, "unknown_knob"},
		{"negative", Settings{Caps: map[string]int{"jobs": -1}}, "cap_range"},
		{"too big", Settings{Caps: map[string]int{"jobs": MaxCap + 1}}, "cap_range"},
		{"unknown constant", Settings{Knobs: map[string]int64{"speed": 1}}, "unknown_knob"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Config(tc.set)
			if tc.code == "" {
				assert.NoError(t, err)
				return
			}
			var ke *KnobError
			require.ErrorAs(t, err, &ke)
			assert.Equal(t, tc.code, ke.Code())
			assert.Contains(t, err.Error(), ke.Knob)
		})
	}
	ct, _ := Lookup("context-timeout")
	_, err := ct.Config(Settings{Knobs: map[string]int64{"deadline": 10_000_000_000}})
	require.Error(t, err)
	assert.Equal(t, "knob deadline must be between 100ms and 3s, not 10s", err.Error())
}

// run runs a scenario with settings under one seed and policy.
func run(t *testing.T, s *Scenario, set Settings, seed uint64, pol engine.Policy) *engine.Result {
	t.Helper()
	cfg, err := s.Config(set)
	require.NoError(t, err)
	cfg.Seed, cfg.Policy = seed, pol
	return engine.Run(s.Program, cfg)
}

// golden is what a scenario does at its defaults with seed 1.
type golden struct {
	Outcome string `json:"outcome"`
	Stdout  string `json:"stdout"`
	Events  int    `json:"events"`
	LogHash string `json:"logHash"`
}

func logHash(l *engine.Log, sites []engine.Site) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for i := range l.Len() {
		enc.Encode(l.Record(i, sites))
	}
	enc.Encode(l.Objects)
	enc.Encode(l.Gs)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// TestGolden pins every scenario's run at default knobs and seed 1, so any
// change to determinism or to the programs shows. Refresh deliberately with
// go test ./scenarios -run TestGolden -update.
func TestGolden(t *testing.T) {
	got := map[string]golden{}
	for _, s := range All() {
		r := run(t, s, Settings{}, 1, engine.PolicyRandom)
		got[s.ID] = golden{string(r.Outcome.Kind), r.Stdout, r.Log.Len(), logHash(r.Log, s.Program.Sites)}
	}
	path := filepath.Join("testdata", "golden.json")
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, append(b, '\n'), 0o644))
	}
	b, err := os.ReadFile(path)
	require.NoError(t, err, "no golden file: run go test ./scenarios -run TestGolden -update")
	var want map[string]golden
	require.NoError(t, json.Unmarshal(b, &want))
	assert.Equal(t, want, got)
}

var policies = []engine.Policy{engine.PolicyRandom, engine.PolicyGo, engine.PolicyFIFO}

func lines(s string) []string {
	l := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	sort.Strings(l)
	return l
}

// lineOf returns the line of the scenario's source that contains text: the
// tests name places by their code, not by numbers copied from a run.
func lineOf(t *testing.T, s *Scenario, text string) int {
	t.Helper()
	for i, l := range strings.Split(s.Source, "\n") {
		if strings.Contains(l, text) {
			return i + 1
		}
	}
	t.Fatalf("%s has no line containing %q", s.ID, text)
	return 0
}

func blockedLine(s *Scenario, b engine.Blocked) int { return s.Program.Sites[b.Pos].Line }

// Invariants that hold for every seed and policy.
func TestInvariants(t *testing.T) {
	tests := map[string]func(t *testing.T, s *Scenario, r *engine.Result){
		"fan-out-fan-in": func(t *testing.T, s *Scenario, r *engine.Result) {
			require.Equal(t, engine.OutcomeOK, r.Outcome.Kind)
			sum := 0
			for _, l := range lines(r.Stdout) {
				n, err := strconv.Atoi(strings.TrimPrefix(l, "Result: "))
				require.NoError(t, err)
				sum += n
			}
			assert.Equal(t, 1+4+9+16+25, sum)
		},
		"mutex-counter": func(t *testing.T, s *Scenario, r *engine.Result) {
			require.Equal(t, engine.OutcomeOK, r.Outcome.Kind)
			assert.Equal(t, "Final count: 100\n", r.Stdout)
		},
		"worker-pool-fixed": func(t *testing.T, s *Scenario, r *engine.Result) {
			require.Equal(t, engine.OutcomeOK, r.Outcome.Kind)
			assert.Equal(t, []string{"1", "16", "25", "4", "9"}, lines(r.Stdout))
		},
		"worker-pool-deadlock": func(t *testing.T, s *Scenario, r *engine.Result) {
			require.Equal(t, engine.OutcomeDeadlock, r.Outcome.Kind)
			assert.Equal(t, []string{"1", "16", "25", "4", "9"}, lines(r.Stdout), "every job is squared before the deadlock")
		},
		"webhooks": func(t *testing.T, s *Scenario, r *engine.Result) {
			require.Equal(t, engine.OutcomeOK, r.Outcome.Kind)
			out := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
			require.Len(t, out, 5)
			assert.Equal(t, "All events processed", out[4], "Wait returns only after both events finished")
			assert.ElementsMatch(t, []string{"Processing event 1 from Stripe", "Processing event 2 from PayPal"}, out[:2], "both start before either finishes: each sleeps a second")
		},
		"context-timeout": func(t *testing.T, s *Scenario, r *engine.Result) {
			require.Equal(t, engine.OutcomeOK, r.Outcome.Kind)
			assert.Equal(t, []string{"Processed file1.txt", "Processed file2.txt", "Processed file3.txt"}, lines(r.Stdout),
				"1 s of work beats a 1.5 s deadline: nothing is cancelled")
		},
		"pipeline-cancel": func(t *testing.T, s *Scenario, r *engine.Result) {
			require.Equal(t, engine.OutcomeOK, r.Outcome.Kind, "every stage returns: nothing is left blocked")
			out := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
			assert.Equal(t, "took 3 squares, cancelling", out[0])
			assert.Equal(t, "pipeline stopped", out[len(out)-1])
			assert.ElementsMatch(t, []string{"generator stopped", "square 1 stopped", "square 2 stopped", "merge stopped"}, out[1:len(out)-1])
		},
		"dining-philosophers": func(t *testing.T, s *Scenario, r *engine.Result) {
			require.Equal(t, engine.OutcomeDeadlock, r.Outcome.Kind)
			require.Len(t, r.Outcome.Blocked, 6, "main in wg.Wait and the five philosophers")
			assert.Equal(t, engine.WaitWaitGroupWait, r.Outcome.Blocked[0].Reason)
			for _, b := range r.Outcome.Blocked[1:] {
				assert.Equal(t, engine.WaitMutexLock, b.Reason)
				assert.Equal(t, lineOf(t, s, "right.Lock()"), blockedLine(s, b))
			}
			// Each philosopher waits on a fork held by exactly one other:
			// following the edges from any of them walks the whole table.
			next := map[int32]int32{}
			for _, e := range r.Outcome.Edges {
				if e.G == 1 {
					continue
				}
				require.Len(t, e.By, 1)
				next[e.G] = e.By[0]
			}
			start := r.Outcome.Blocked[1].G
			g := start
			for range 5 {
				g = next[g]
			}
			assert.Equal(t, start, g, "the wait-for graph is one cycle of five")
		},
		"dining-philosophers-fixed": func(t *testing.T, s *Scenario, r *engine.Result) {
			require.Equal(t, engine.OutcomeOK, r.Outcome.Kind)
			assert.Equal(t, 15, strings.Count(r.Stdout, " eats meal "), "five philosophers, three meals each")
			assert.True(t, strings.HasSuffix(r.Stdout, "everyone has eaten\n"))
		},
		"goroutine-leak": func(t *testing.T, s *Scenario, r *engine.Result) {
			require.Equal(t, engine.OutcomeLeak, r.Outcome.Kind)
			assert.Equal(t, 0, r.Outcome.ExitCode, "Go exits 0 with goroutines still blocked")
			require.Len(t, r.Outcome.Blocked, 3, "one abandoned sender per search")
			for _, b := range r.Outcome.Blocked {
				assert.Equal(t, engine.WaitChanSend, b.Reason)
				assert.Equal(t, lineOf(t, s, `result <- "results for " + query`), blockedLine(s, b))
			}
			assert.Equal(t, "search \"gopher\": timed out\nsearch \"channel\": timed out\nsearch \"mutex\": timed out\nmain returns\n", r.Stdout)
		},
		"semaphore": func(t *testing.T, s *Scenario, r *engine.Result) {
			require.Equal(t, engine.OutcomeOK, r.Outcome.Kind)
			assert.Equal(t, 10, strings.Count(r.Stdout, " done\n"))
			assert.True(t, strings.HasSuffix(r.Stdout, "max concurrency: 3\n"), "never more tasks at once than the semaphore's capacity, and it fills")
		},
		"rate-limit": func(t *testing.T, s *Scenario, r *engine.Result) {
			require.Equal(t, engine.OutcomeOK, r.Outcome.Kind)
			assert.Equal(t, "request 1 at 100ms\nrequest 2 at 200ms\nrequest 3 at 300ms\nrequest 4 at 400ms\nrequest 5 at 500ms\nall requests served\n", r.Stdout,
				"one request per 100 ms tick of the virtual clock")
		},
		"first-error": func(t *testing.T, s *Scenario, r *engine.Result) {
			require.Equal(t, engine.OutcomeOK, r.Outcome.Kind)
			assert.Equal(t, []string{"first error: shard 2: connection reset", "shard 1: stopped early", "shard 2: failed", "shard 3: stopped early", "shard 4: stopped early"}, lines(r.Stdout))
		},
		"rwmutex-cache": func(t *testing.T, s *Scenario, r *engine.Result) {
			require.Equal(t, engine.OutcomeOK, r.Outcome.Kind)
			assert.Equal(t, []string{"final: config=v3 at version 3", "reader 1: 4 of 4 reads consistent", "reader 2: 4 of 4 reads consistent", "reader 3: 4 of 4 reads consistent", "writer: 3 writes"}, lines(r.Stdout))
		},
		"fetch-urls": func(t *testing.T, s *Scenario, r *engine.Result) {
			require.Equal(t, engine.OutcomeOK, r.Outcome.Kind)
			assert.Equal(t, []string{"Fetched https://api.github.com: Status 200", "Fetched https://jsonplaceholder.typicode.com/posts: Status 200"}, lines(r.Stdout))
		},
	}
	for id, check := range tests {
		s, ok := Lookup(id)
		require.True(t, ok, id)
		t.Run(id, func(t *testing.T) {
			for _, pol := range policies {
				for seed := range uint64(50) {
					r := run(t, s, Settings{}, seed, pol)
					check(t, s, r)
					if t.Failed() {
						t.Fatalf("policy %s seed %d: %s\n%s", pol, seed, r.Outcome.Message, r.Stdout)
					}
				}
			}
		})
	}
}

// The guide's §5: below the work's duration the deadline cancels every file.
func TestContextTimeoutCancels(t *testing.T) {
	s, _ := Lookup("context-timeout")
	for seed := range uint64(50) {
		r := run(t, s, Settings{Knobs: map[string]int64{"deadline": 500_000_000}}, seed, engine.PolicyRandom)
		require.Equal(t, engine.OutcomeOK, r.Outcome.Kind)
		assert.Equal(t, []string{"Cancelled processing file1.txt", "Cancelled processing file2.txt", "Cancelled processing file3.txt"}, lines(r.Stdout))
	}
}

// The guide's §1 against the simulated internet: a failing URL prints an error line.
func TestFetchURLsFailure(t *testing.T) {
	s, _ := Lookup("fetch-urls")
	r := run(t, s, Settings{Knobs: map[string]int64{"posts_fails": 1, "github_latency": 2_000_000_000}}, 1, engine.PolicyRandom)
	require.Equal(t, engine.OutcomeOK, r.Outcome.Kind)
	assert.Equal(t, "Error fetching https://jsonplaceholder.typicode.com/posts: Get \"https://jsonplaceholder.typicode.com/posts\": dial tcp: lookup jsonplaceholder.typicode.com: no such host\nFetched https://api.github.com: Status 200\n", r.Stdout,
		"the failure comes first: the slow URL takes 2 s")
}

// The guide's §6 says workers block on a full results buffer. Where main
// really blocks depends on how many jobs the pool can absorb before anyone
// receives a result:
//
//   - jobs can queue J values, results can queue R values, and each of the
//     3 workers can hold one squared value while it waits to send it. Nothing
//     receives from results until main has sent all 5 jobs and closed jobs.
//   - If J + R + 3 < 5, main's send of job J+R+4 finds every slot taken and
//     no worker ready to receive: main blocks at `jobs <- i`, every worker
//     blocks sending its result, and nothing can move: deadlock there.
//   - Otherwise main sends all 5 jobs, closes jobs and receives the 5
//     results; the workers finish; main then waits in `range results` for a
//     close that never comes: deadlock with main alone, at the range line.
func TestWorkerPoolDeadlockLocation(t *testing.T) {
	s, _ := Lookup("worker-pool-deadlock")
	sendLine := lineOf(t, s, "jobs <- i")
	rangeLine := lineOf(t, s, "for r := range results")
	resultLine := lineOf(t, s, "results <- j * j")
	for j := 0; j <= 5; j++ {
		for r := 0; r <= 5; r++ {
			for _, pol := range policies {
				for seed := range uint64(10) {
					res := run(t, s, Settings{Caps: map[string]int{"jobs": j, "results": r}}, seed, pol)
					require.Equal(t, engine.OutcomeDeadlock, res.Outcome.Kind)
					var main engine.Blocked
					var workers []engine.Blocked
					for _, b := range res.Outcome.Blocked {
						if b.G == 1 {
							main = b
						} else {
							workers = append(workers, b)
						}
					}
					if j+r+3 < 5 {
						assert.Equal(t, engine.WaitChanSend, main.Reason, "jobs=%d results=%d", j, r)
						assert.Equal(t, sendLine, blockedLine(s, main), "jobs=%d results=%d", j, r)
						require.Len(t, workers, 3, "jobs=%d results=%d", j, r)
						for _, w := range workers {
							assert.Equal(t, engine.WaitChanSend, w.Reason)
							assert.Equal(t, resultLine, blockedLine(s, w))
						}
					} else {
						assert.Equal(t, engine.WaitChanReceive, main.Reason, "jobs=%d results=%d", j, r)
						assert.Equal(t, rangeLine, blockedLine(s, main), "jobs=%d results=%d", j, r)
						assert.Empty(t, workers, "jobs=%d results=%d: the workers have finished", j, r)
					}
					if t.Failed() {
						t.Fatalf("jobs=%d results=%d policy %s seed %d", j, r, pol, seed)
					}
				}
			}
		}
	}
}

// The fixed pool never deadlocks, whatever the buffers.
func TestWorkerPoolFixedNeverDeadlocks(t *testing.T) {
	s, _ := Lookup("worker-pool-fixed")
	for j := 0; j <= 3; j++ {
		for r := 0; r <= 3; r++ {
			for seed := range uint64(20) {
				res := run(t, s, Settings{Caps: map[string]int{"jobs": j, "results": r}}, seed, engine.PolicyRandom)
				require.Equal(t, engine.OutcomeOK, res.Outcome.Kind, "jobs=%d results=%d seed %d", j, r, seed)
				require.True(t, slices.Equal([]string{"1", "16", "25", "4", "9"}, lines(res.Stdout)))
			}
		}
	}
}
