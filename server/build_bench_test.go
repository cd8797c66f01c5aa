//go:build unix

package server

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBuildLatency measures what a user waits for between pressing Run on
// an edited program and seeing its first event: POST /build, then a run
// message, until the first events message. First builds use 50 programs
// nobody built before; cached ones send a source built before (a new seed
// each time, so the run itself is not cached). It takes about a minute, so
// it runs only with CONCVIZ_BENCH=1:
//
//	CONCVIZ_BENCH=1 go test -run BuildLatency -v -count=1 ./server/
func TestBuildLatency(t *testing.T) {
	if os.Getenv("CONCVIZ_BENCH") == "" {
		t.Skip("set CONCVIZ_BENCH=1 to measure the edit-to-first-event latency")
	}
	_, ts := newTestServer(t, testLimits(), buildOptions, func(o *Options) { o.RunRate = 1000 })
	c := dial(t, ts)
	// The engine compiles once per machine: not what a user waits for.
	build(t, ts, poolSource)
	var cpu []time.Duration // the children's CPU time of each first build and run
	firstEvent := func(src string, seed int) time.Duration {
		before := childrenCPU()
		defer func() { cpu = append(cpu, childrenCPU()-before) }()
		start := time.Now()
		id := build(t, ts, src).Program
		c.send(map[string]any{"type": "run", "id": fmt.Sprint(seed), "scenario": id, "seed": seed})
		var took time.Duration
		for {
			m := c.read()
			if m["type"] == "events" && took == 0 {
				took = time.Since(start)
			}
			if m["type"] == "outcome" || m["type"] == "error" {
				require.Equal(t, "outcome", m["type"], "%v", m)
				return took
			}
		}
	}
	nonce := time.Now().UnixNano()
	var first, cached []time.Duration
	for i := range 50 {
		src := strings.Replace(poolSource, "results <- j * j", fmt.Sprintf("results <- j * j * %d", nonce+int64(i)), 1)
		first = append(first, firstEvent(src, 1))
	}
	buildCPU := cpu
	for i := range 50 {
		cached = append(cached, firstEvent(poolSource, 100+i))
	}
	slices.Sort(buildCPU)
	t.Logf("first build: CPU of the build's and run's processes p50 %v (what the load of the machine does not change)", buildCPU[len(buildCPU)/2].Round(time.Millisecond))
	for _, r := range []struct {
		name string
		d    []time.Duration
	}{{"first build", first}, {"cached build", cached}} {
		slices.Sort(r.d)
		t.Logf("%s: edit to first event p50 %v, p95 %v, max %v (%d programs)", r.name,
			r.d[len(r.d)/2].Round(time.Millisecond/10), r.d[len(r.d)*95/100].Round(time.Millisecond/10), r.d[len(r.d)-1].Round(time.Millisecond/10), len(r.d))
	}
}

// childrenCPU is the user and system time of this process's waited-for
// children (and theirs), where the system says it.
func childrenCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
