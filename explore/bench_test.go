package explore

import (
	"context"
	"testing"
	"time"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/scenarios"
)

// benchBudget bounds one search of a benchmark: most catalog scenarios are
// not exhausted at bound 2 (see README), so a benchmark measures the rate
// over this many schedules.
const benchBudget = 1000

// BenchmarkExplore reports, per catalog scenario, the schedules the reduced
// search runs per second at bound 2 (in this process: one core), against
// plain engine runs of the same program (runs/s, the baseline with no
// tracing or search), and the reduction factor: reduced schedules over
// naive ones at the largest bound (2, 1 or 0) both finish within the budget.
func BenchmarkExplore(b *testing.B) {
	for _, sc := range scenarios.All() {
		cfg, err := sc.RunConfig(engine.RunInput{})
		if err != nil {
			b.Fatal(err)
		}
		r := []Runner{&InProcess{Program: sc.Program, Config: cfg}}
		b.Run(sc.ID, func(b *testing.B) {
			var runs int
			var elapsed time.Duration
			for b.Loop() {
				res, err := Explore(context.Background(), r, Options{Preemptions: 2, MaxSchedules: benchBudget})
				if err != nil {
					b.Fatal(err)
				}
				runs += res.Runs
				elapsed += res.Elapsed
			}
			b.ReportMetric(float64(runs)/elapsed.Seconds(), "schedules/s")
			start, plain := time.Now(), 0
			for time.Since(start) < 200*time.Millisecond {
				pc := cfg
				pc.Policy = engine.PolicyGo
				engine.Run(sc.Program, pc)
				plain++
			}
			b.ReportMetric(float64(plain)/time.Since(start).Seconds(), "plainruns/s")
			for k := 2; k >= 0; k-- {
				naive, err := Explore(context.Background(), r, Options{Preemptions: k, MaxSchedules: benchBudget, Naive: true})
				if err != nil {
					b.Fatal(err)
				}
				reduced, err := Explore(context.Background(), r, Options{Preemptions: k, MaxSchedules: benchBudget})
				if err != nil {
					b.Fatal(err)
				}
				if naive.Complete && reduced.Complete {
					b.ReportMetric(float64(reduced.Schedules)/float64(naive.Schedules), "reduction")
					b.ReportMetric(float64(k), "atbound")
					return
				}
			}
		})
	}
}

// BenchmarkExploreKnown is BenchmarkExplore's reduction factor for the
// hand-written programs whose naive search finishes at bound 2.
func BenchmarkExploreKnown(b *testing.B) {
	for _, tc := range known {
		r := []Runner{&InProcess{Program: engine.Program{Name: tc.name, Main: tc.main}}}
		b.Run(tc.name, func(b *testing.B) {
			var reduced, naive *Result
			for b.Loop() {
				var err error
				if reduced, err = Explore(context.Background(), r, Options{Preemptions: 2}); err != nil {
					b.Fatal(err)
				}
			}
			naive, err := Explore(context.Background(), r, Options{Preemptions: 2, Naive: true})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(reduced.Runs)/reduced.Elapsed.Seconds(), "schedules/s")
			b.ReportMetric(float64(reduced.Schedules)/float64(naive.Schedules), "reduction")
		})
	}
}
