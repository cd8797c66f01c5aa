package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNowCarriesAMonotonicReading: Now prints as time.Now does on Go's fake
// clock (the Go playground), and its reading behaves as Go's: Add keeps it,
// Round(0) strips it, Sub uses it.
func TestNowCarriesAMonotonicReading(t *testing.T) {
	require.True(t, monoOK, "time.Time's layout changed: Now can no longer carry a monotonic reading")
	var tick time.Time
	r := run(func() {
		start := Now()
		Println(P(1), start)
		Sleep(1500*time.Millisecond, P(2))
		Println(P(3), Now(), Since(start))
		Println(P(4), start.Add(time.Hour), start.Round(0), start.Round(0).Equal(start))
		Println(P(5), Now().Year(), Now().After(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)))
		tick = After(time.Second, P(6)).Recv1(P(7))
	}, Config{})
	require.Equal(t, OutcomeOK, r.Outcome.Kind)
	assert.Equal(t, "2009-11-10 23:00:00 +0000 UTC m=+0.000000001\n"+
		"2009-11-10 23:00:01.5 +0000 UTC m=+1.500000001 1.5s\n"+
		"2009-11-11 00:00:00 +0000 UTC m=+3600.000000001 2009-11-10 23:00:00 +0000 UTC true\n"+
		"2009 false\n", r.Stdout)
	assert.Equal(t, "2009-11-10 23:00:02.5 +0000 UTC m=+2.500000001", tick.String(), "a timer sends the time it fired, as Go's does")
}
