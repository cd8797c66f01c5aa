package engine

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStderrIsGos: a run's standard error is what go run's binary prints, so
// a leak, about which Go says nothing, leaves it empty while the outcome keeps
// the note; Go's own reports and concviz's limits are printed.
func TestStderrIsGos(t *testing.T) {
	tests := []struct {
		name       string
		main       func()
		kind       OutcomeKind
		wantStderr string
	}{
		{"leak", func() {
			c := MakeChan[int]("c", 0, P(1))
			Go("main.worker", P(2), func() { c.Send(1, W(1)) })
			Sleep(time.Millisecond, P(3))
		}, OutcomeLeak, ""},
		{"deadlock", func() { MakeChan[int]("c", 0, P(1)).Recv1(P(2)) }, OutcomeDeadlock,
			"fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:\nmain.main()\n\tprog.go:2\n"},
		{"limit", func() { Sleep(48*time.Hour, P(1)) }, OutcomeLimit, "concviz: limit: virtual time cap reached: 24h0m0s\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var live bytes.Buffer
			r := run(tt.main, Config{Stderr: &live})
			require.Equal(t, tt.kind, r.Outcome.Kind)
			assert.Equal(t, tt.wantStderr, r.Stderr)
			assert.Equal(t, tt.wantStderr, live.String())
			assert.NotEmpty(t, r.Outcome.Report, "the outcome keeps the report for the page and --leaks")
		})
	}
}

// TestLimitKeepsOutputSoFar: whichever limit stops a run, what the program
// printed before is in the result and was streamed as printed, and the
// limit's name follows on standard error.
func TestLimitKeepsOutputSoFar(t *testing.T) {
	tests := []struct {
		name, limit string
		main        func()
	}{
		{"events", "event cap reached: 100 events", func() {
			for i := 0; ; i++ {
				Println(P(1), "line", i)
			}
		}},
		{"goroutines", "goroutine cap reached: 10 live goroutines", func() {
			Println(P(1), "starting")
			for {
				Go("main.worker", P(2), func() { Select(W(1), false) })
			}
		}},
		{"virtual time", "virtual time cap reached: 24h0m0s", func() {
			Println(P(1), "sleeping")
			Sleep(48*time.Hour, P(2))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			r := run(tt.main, Config{Stdout: &out, Stderr: &errOut, Limits: Limits{MaxEvents: 100, MaxGoroutines: 10}})
			require.Equal(t, OutcomeLimit, r.Outcome.Kind)
			assert.NotEmpty(t, r.Stdout)
			assert.Equal(t, r.Stdout, out.String())
			assert.Equal(t, "concviz: limit: "+tt.limit+"\n", errOut.String())
		})
	}
}
