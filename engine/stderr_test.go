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
