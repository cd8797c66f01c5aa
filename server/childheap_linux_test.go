package server

import (
	"context"
	"runtime"
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
		faults := minorFaults() - before
		runtime.KeepAlive(keep)
		engine.Println(0, faults)
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
	require.Greater(t, cold, int64(faulterBytes/4096/2), "a cold child faults")
	// The spare warms in its first milliseconds of waiting; a machine
	// busy with other tests may give it the processor later, so the test
	// waits longer before each new try.
	var warm int64
	for try, wait := range []time.Duration{300 * time.Millisecond, time.Second, 3 * time.Second} {
		readySpare(t, s.runner)
		time.Sleep(wait)
		if warm = faultsOf(t, s.runner, uint64(2+try)); warm < cold/8 {
			break
		}
	}
	assert.Less(t, warm, cold/8, "the spare's run found its heap resident (cold: %d faults)", cold)
}
