package explore

import (
	"encoding/json"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
)

// TestLinkIsThePagesPermalink: the page (static/settings.js) reads a link
// Link writes as the same inputs, and writes them back the same way, so the
// interventions' text form is declared once (InterventionSpec.String) and a
// stale copy in the page fails here.
func TestLinkIsThePagesPermalink(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node on PATH: the page's settings.js cannot be run")
	}
	zero, one, three := 0, 1, 3
	ivs := []engine.InterventionSpec{{Step: 4, Run: 2}, {Step: 9, Chan: 2, Cap: &three}, {Step: 11, Case: &zero}, {Step: 30, Case: &one}}
	link := Link("worker-pool-deadlock", 7, ivs)
	assert.Equal(t, "/s/worker-pool-deadlock?seed=7&policy=go&iv=4%3Ar2%2C9%3Ac2%3D3%2C11%3As0%2C30%3As1&step=end", link)
	_, query, _ := strings.Cut(link, "?")

	settings, err := filepath.Abs("../static/settings.js")
	require.NoError(t, err)
	script := `import { readURL, urlQuery } from ` + strconvQuote("file://"+settings) + `;
const { settings, problems } = readURL(process.argv[1], []);
console.log(JSON.stringify({ problems, settings, back: urlQuery(settings, [], { step: 0 }) }));`
	out, err := exec.Command(node, "--input-type=module", "-e", script, "?"+query).CombinedOutput()
	require.NoError(t, err, "%s", out)
	var got struct {
		Problems []string
		Settings struct {
			Seed          uint64
			Policy        string
			Interventions []engine.InterventionSpec
			ToEnd         bool
		}
		Back string
	}
	require.NoError(t, json.Unmarshal(out, &got), "%s", out)
	assert.Empty(t, got.Problems)
	assert.Equal(t, uint64(7), got.Settings.Seed)
	assert.Equal(t, "go", got.Settings.Policy)
	assert.Equal(t, ivs, got.Settings.Interventions)
	assert.True(t, got.Settings.ToEnd)
	back, err := url.ParseQuery(got.Back)
	require.NoError(t, err)
	want, err := url.ParseQuery(query)
	require.NoError(t, err)
	assert.Equal(t, want.Get("iv"), back.Get("iv"), "the page writes the interventions as Go does")
	assert.Contains(t, got.Back, "iv="+url.QueryEscape(want.Get("iv")), "and escapes them alike")
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
