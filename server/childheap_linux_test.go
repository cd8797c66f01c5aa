package server

import (
	"context"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/scenarios"
)

// faulterBytes is what the faulter allocates: about what a run's log,
// clocks and stacks take of new memory.
const faulterBytes = 8 << 20

func init() {
	// faulter allocates faulterBytes in 64 KB pieces, as a run grows its
	// heap, and prints the page faults that took its process.
	testCatalog["faulter"] = &scenarios.Scenario{ID: "faulter", Program: engine.Program{Main: func() {
		before := minorFaults()
		keep := make([][]byte, 0, faulterBytes/warmChunk)
		for range cap(keep) {
			b := make([]byte, warmChunk)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			keep = append(keep, b)
		}
		engine.Println(0, minorFaults()-before, len(keep))
	}}}
}

func minorFaults() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return ru.Minflt
}

// faultsOf runs the faulter and returns the page faults it reported.
func faultsOf(t *testing.T, r *Runner, seed uint64) int64 {
	t.Helper()
	l, err := r.Run(context.Background(), engine.RunInput{Program: "faulter", Seed: seed}, func(*RunLog) {})
	require.NoError(t, err)
	n, err := strconv.ParseInt(strings.Fields(l.End.Stdout)[0], 10, 64)
	require.NoError(t, err, "faulter's output %q", l.End.Stdout)
	return n
}

// A spare left waiting warms its heap, and the run it is handed allocates
// from it without page faults; a child handed its run at once does not
// warm at all, and its run takes a fault every 4 KB.
func TestSpareRunFindsItsHeapResident(t *testing.T) {
	t.Parallel()
	s, _, _ := gatedServer(t, testLimits())
	cold := faultsOf(t, s.runner, 1) // no spare yet: its own child, handed the run at once
	sp := readySpare(t, s.runner)
	before := rss(sp.cmd.Process.Pid)
	require.Eventually(t, func() bool { return rss(sp.cmd.Process.Pid)-before >= warmBytes*7/8 },
		10*time.Second, 5*time.Millisecond, "the waiting spare touches its heap")
	warm := faultsOf(t, s.runner, 2)
	assert.Greater(t, cold, int64(faulterBytes/4096/2), "a cold child faults")
	assert.Less(t, warm, cold/4, "the spare's run found its heap resident (cold: %d faults)", cold)
}
