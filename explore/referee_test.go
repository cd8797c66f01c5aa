package explore

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
)

// refereeRuns is how many times each guide program runs natively per
// GOMAXPROCS setting.
const refereeRuns = 12

// TestRealGoOutputsAreExplored: real Go is the referee. Each guide program
// runs natively many times with GOMAXPROCS 1, 2 and all; every output it
// printed must be one the explorer found. The programs that sleep for
// seconds or fetch URLs are left out (the internet is simulated here).
func TestRealGoOutputsAreExplored(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds and runs the guide's programs natively")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go toolchain on PATH")
	}
	// The pool and the fan-out are not exhausted at bound 2: a budget of
	// schedules covers what real Go prints, and those two searches take
	// minutes under the race detector, so -race skips them (go test
	// ./explore runs them).
	for _, tc := range []struct {
		id     string
		budget int
		heavy  bool
	}{
		{"webhooks", 0, false},
		{"mutex-counter", 5, false},
		{"worker-pool-deadlock", 30000, true},
		{"worker-pool-fixed", 1000, false},
		{"fan-out-fan-in", 30000, true},
	} {
		t.Run(tc.id, func(t *testing.T) {
			if tc.heavy && raceBuild {
				t.Skip("-race: this search takes minutes under the race detector; go test ./explore runs it")
			}
			t.Parallel()
			bin := filepath.Join(t.TempDir(), "native")
			cmd := exec.Command("go", "build", "-o", bin, filepath.Join("..", "scenarios", "src", tc.id, "main.go"))
			cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=", "GOTOOLCHAIN=local")
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			// The runs go in parallel: some programs sleep for real.
			native := map[string]bool{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for _, procs := range []int{1, 2, runtime.NumCPU()} {
				for range refereeRuns {
					wg.Go(func() {
						run := exec.Command(bin)
						run.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", procs))
						stdout, _ := run.Output() // a deadlock exits 2: its output so far counts
						mu.Lock()
						native[string(stdout)] = true
						mu.Unlock()
					})
				}
			}
			wg.Wait()
			res, err := Explore(context.Background(), []Runner{scenarioRunner(t, tc.id, engine.RunInput{})}, Options{Preemptions: 2, MaxSchedules: tc.budget})
			require.NoError(t, err)
			explored := map[string]bool{}
			for _, o := range res.Outcomes {
				explored[o.Stdout] = true
			}
			for s := range native {
				assert.True(t, explored[s], "real Go printed an output the explorer did not find (%d outcomes, complete %v):\n%s", len(res.Outcomes), res.Complete, s)
			}
			t.Logf("%d native outputs, %d explored outcomes, complete %v", len(native), len(res.Outcomes), res.Complete)
		})
	}
}
