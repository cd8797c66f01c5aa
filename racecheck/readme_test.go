package racecheck

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/scenarios"
)

// readmeText is README.md with its whitespace collapsed, so that a quote
// matches however the paragraph is wrapped or indented.
func readmeText(t *testing.T) string {
	b, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	return strings.Join(strings.Fields(string(b)), " ")
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// README's "Data races" shows `concviz run --race counter-race` (seed 0,
// the default policy): its stdout and Go's report must be a fresh run's.
func TestREADMEQuotesACounterRaceRun(t *testing.T) {
	s, ok := scenarios.Lookup("counter-race")
	require.True(t, ok)
	cfg, err := s.RunConfig(engine.RunInput{Program: s.ID, Race: true})
	require.NoError(t, err)
	res := engine.Run(s.Program, cfg)
	require.Equal(t, 66, res.Outcome.ExitCode)
	require.Contains(t, res.Stdout, "Final count: ")
	assert.NotEqual(t, "Final count: 100\n", res.Stdout, "the run README shows loses an update")
	// The blocks come as each race is found, "Found N data race(s)" at exit.
	report := res.Outcome.RaceReport
	i := strings.LastIndex(report, "Found ")
	require.Positive(t, i, report)
	transcript := "$ concviz run --race counter-race " + report[:i] + res.Stdout + report[i:] + " $ echo $? 66"
	readme := readmeText(t)
	assert.True(t, strings.Contains(readme, collapse(transcript)), "README's Data races quotes a stale run; a fresh one:\n%s", transcript)
	assert.True(t, strings.Contains(readme, collapse("Without `--race` the same run prints `"+strings.TrimSpace(res.Stdout)+"`")), "README quotes a stale output: %q", res.Stdout)
}

// The scenario's explanation gives the final count under the random policy
// at seed 0: it must be a fresh run's.
func TestCounterRaceExplanationQuotesARun(t *testing.T) {
	s, ok := scenarios.Lookup("counter-race")
	require.True(t, ok)
	cfg, err := s.RunConfig(engine.RunInput{Program: s.ID, Policy: "random"})
	require.NoError(t, err)
	res := engine.Run(s.Program, cfg)
	var n int
	_, err = fmt.Sscanf(res.Stdout, "Final count: %d\n", &n)
	require.NoError(t, err, "stdout %q", res.Stdout)
	assert.Less(t, n, 100, "the explanation says the random policy loses updates")
	assert.Contains(t, s.Explanation, fmt.Sprintf("(%d at seed 0)", n), "the explanation quotes a stale count")
}

// readmeFigures is the sentence of README's "Data races" that gives
// TestGoRaceTests's figures.
func readmeFigures(total, skipped, found, races, misses, noRaces int) string {
	return fmt.Sprintf("of %d cases, %d need what the engine refuses (unsafe, runtime.GC, os) or are too slow; %d of the %d TestRace cases report their race and the other %d are the known misses above, listed in the test with their reason; none of the %d TestNoRace cases reports one.",
		total, skipped, found, races, misses, noRaces)
}

// README's "Data races" gives the seeds the tests run at: raceSeeds for Go's
// race tests, sweepSeeds for the no-false-alarm sweep.
func TestREADMEGivesTheSeeds(t *testing.T) {
	readme := readmeText(t)
	assert.Contains(t, readme, fmt.Sprintf("on the engine at %d seeds under each policy:", len(raceSeeds)))
	assert.Contains(t, readme, fmt.Sprintf("every catalog scenario and conformance program at %d seeds under each policy:", sweepSeeds))
}
