package server

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/internal/golden"
	"github.com/concviz/concviz/scenarios"
)

var updateFixtures = flag.Bool("update", false, "rewrite the page's test fixtures (static/testdata) from the server's encoder")

// pageFixture is a run as the page's JavaScript tests read it: the event
// kind names (to catch a fixture older than vocab.js) and the messages the
// server sends for the run.
type pageFixture struct {
	Kinds    []string          `json:"kinds"`
	Messages []json.RawMessage `json:"messages"`
}

// TestPageFixtures keeps the runs the page's tests fold (static/testdata:
// the guide's worker pool with both buffers at 3, a racy counter on the
// engine's API with a lost update, and every catalog scenario) what this
// server sends for them, encoded by the session's own
// code, so the tests fold what a browser gets. It fails when a fixture is
// stale; `go test ./server/ -run TestPageFixtures -update` rewrites them.
func TestPageFixtures(t *testing.T) {
	want := map[string]engine.RunInput{
		"pool.json":   {Program: "worker-pool-deadlock", Seed: 1, Policy: "random", Caps: map[string]int{"jobs": 3, "results": 3}},
		"memory.json": {Program: "mem-counter-racy", Seed: 1, Policy: "random"},
	}
	for _, sc := range scenarios.All() {
		want[filepath.Join("scenarios", sc.ID+".json")] = engine.RunInput{Program: sc.ID, Seed: 1, Policy: "random"}
	}
	for name, in := range want {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(fixtureOf(t, in))
			require.NoError(t, err)
			golden.JSON(t, filepath.Join("..", "static", "testdata", name), b, *updateFixtures, "go test ./server/ -run TestPageFixtures -update")
		})
	}
}

// fixtureOf runs in as the server would and returns its messages: the run
// message and the event batches as a session encodes them, then the outcome.
func fixtureOf(t *testing.T, in engine.RunInput) pageFixture {
	sc, ok := fixtureScenario(in.Program)
	require.True(t, ok, in.Program)
	cfg, err := sc.RunConfig(in)
	require.NoError(t, err)
	res := engine.Run(sc.Program, cfg)
	msgs := digestRunOf(t, sc, in).Messages
	out, err := json.Marshal(outcomeMessage{Type: "outcome", ID: "1", OutcomeRecord: res.Record(sc.Program.Sites),
		Report: res.Outcome.Report, Stdout: res.Stdout, Stderr: res.Stderr})
	require.NoError(t, err)
	return pageFixture{Kinds: engine.Vocab().EventKinds, Messages: append(msgs, out)}
}

// fixtureScenario finds a fixture's program: a shared-memory program of
// digest_test.go, or a catalog scenario.
func fixtureScenario(id string) (*scenarios.Scenario, bool) {
	for _, sc := range memoryScenarios() {
		if sc.ID == id {
			return sc, true
		}
	}
	return scenarios.Lookup(id)
}

// TestPageRaceExit keeps the exit status in the page's banner the one go
// run -race ends with: panels.js's RACE_EXIT is the engine's, and a run's
// race report ends with "Found N data race(s)", which is all the page
// reads, exactly when the same run as a -race binary exits with it where
// the run without -race did not.
func TestPageRaceExit(t *testing.T) {
	js, err := os.ReadFile(filepath.Join("..", "static", "panels.js"))
	require.NoError(t, err)
	assert.Contains(t, string(js), fmt.Sprintf("export const RACE_EXIT = %d;", engine.ExitCodeRace), "panels.js states go run -race's exit status")
	found := regexp.MustCompile(`Found \d+ data race\(s\)\n$`)
	raced := 0
	for _, sc := range append(scenarios.All(), memoryScenarios()...) {
		cfg, err := sc.RunConfig(engine.RunInput{Program: sc.ID, Seed: 1, Policy: "random"})
		require.NoError(t, err)
		page := engine.Run(sc.Program, cfg).Outcome
		cfg.Race = true
		race := engine.Run(sc.Program, cfg).Outcome
		turned := race.ExitCode == engine.ExitCodeRace && page.ExitCode != engine.ExitCodeRace
		assert.Equal(t, turned, found.MatchString(page.RaceReport), "%s: the report ends with Found exactly when -race exits %d", sc.ID, engine.ExitCodeRace)
		if turned {
			raced++
		}
	}
	assert.Positive(t, raced, "some run exits as a racy -race binary does")
}
