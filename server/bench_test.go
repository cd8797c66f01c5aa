package server

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkRunLatency measures, over loopback and with the child process
// included, the time from sending a run request to the first events
// message and to the outcome, for the guide's deadlocking worker pool. Each
// iteration uses a new seed, so every run misses the cache. It reports the
// p50 and p99 of both (targets: p50 <= 30 ms, p99 <= 100 ms to the outcome).
func BenchmarkRunLatency(b *testing.B) {
	_, ts := newTestServer(b, testLimits(), func(o *Options) { o.RunRate = 1e6 })
	c := dial(b, ts)
	var first, done []time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		c.send(map[string]any{"type": "run", "scenario": "pool", "seed": 1_000_000 + i})
		var sawEvents bool
		for {
			m := c.read()
			if m["type"] == "events" && !sawEvents {
				sawEvents = true
				first = append(first, time.Since(start))
			}
			if m["type"] == "outcome" {
				done = append(done, time.Since(start))
				break
			}
			if m["type"] == "error" {
				b.Fatalf("run failed: %v", m)
			}
		}
	}
	b.StopTimer()
	pct := func(d []time.Duration, p float64) float64 {
		slices.Sort(d)
		return float64(d[min(len(d)-1, int(float64(len(d))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(first, 0.5), "first-p50-ms")
	b.ReportMetric(pct(first, 0.99), "first-p99-ms")
	b.ReportMetric(pct(done, 0.5), "outcome-p50-ms")
	b.ReportMetric(pct(done, 0.99), "outcome-p99-ms")
}
