package scenarios

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/scenarios/internal/claims"
)

// shortClaimEvents is the most events a scenario's run may have for -short
// (or -race) to check its claim: a claim explores up to claims.Budget runs,
// whose cost grows faster than their length. Without -race all fifteen take
// about 40 s, mutex-counter's runs of 600 events 25 s of it; with -race ten
// minutes. The scenarios of 50 events or fewer (the guide's pool and
// philosophers among them) take under a second, about 2 s with -race.
const shortClaimEvents = 50

// Every scenario's claim is what exploring it says now (TestClaims runs the
// same search go generate ran): a stale claim fails until `go generate
// ./scenarios` writes it again. With -short or -race only the scenarios
// with short runs are explored.
func TestClaims(t *testing.T) {
	got := map[string]string{}
	for _, s := range All() {
		in := claims.Input(s.ID)
		cfg, err := s.RunConfig(in)
		require.NoError(t, err)
		if testing.Short() || raceDetector {
			if n := engine.Run(s.Program, cfg).Log.Len(); n > shortClaimEvents {
				t.Logf("-short or -race: %s's claim not checked (a run of %d events)", s.ID, n)
				got[s.ID] = s.Claim
				continue
			}
		}
		res, err := claims.Explore(s.Program, cfg)
		require.NoError(t, err)
		got[s.ID] = claims.Text(res)
		assert.Equal(t, got[s.ID], s.Claim, "%s's claim is stale: run go generate ./scenarios", s.ID)
	}
	want, err := claims.Source(got)
	require.NoError(t, err)
	have, err := os.ReadFile(claims.File)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(have), "%s is stale: run go generate ./scenarios", claims.File)
}

// README's paragraph on the page quotes the dining philosophers' claim.
func TestREADMEQuotesAClaim(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	s, ok := Lookup("dining-philosophers")
	require.True(t, ok)
	assert.Contains(t, strings.Join(strings.Fields(string(b)), " "), s.Claim, "README quotes a stale claim")
}
