package loadtest

import (
	"testing"

	"github.com/concviz/concviz/engine"
)

func TestBigIsAThousandGoroutinesAndAboutAHundredThousandEvents(t *testing.T) {
	r := engine.Run(Big().Program, engine.Config{Seed: 1})
	if r.Outcome.Kind != engine.OutcomeOK {
		t.Fatalf("outcome %v: %s", r.Outcome.Kind, r.Stderr)
	}
	if n := len(r.Log.Gs); n != 1001 {
		t.Errorf("%d goroutines, want 1001", n)
	}
	if n := r.Log.Len(); n < 90_000 || n > 200_000 {
		t.Errorf("%d events, want about 100,000", n)
	}
	t.Logf("%d goroutines, %d events", len(r.Log.Gs), r.Log.Len())
}
