package web

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runEvents is the run on screen's events, as its JSON export holds them.
func runEvents(t *testing.T, ctx context.Context) [][]any {
	t.Helper()
	var run struct {
		Events [][]any `json:"events"`
	}
	require.NoError(t, json.Unmarshal([]byte(eval[string](t, ctx, `concviz.exportText("json")`, chromedp.EvalAwaitPromise)), &run))
	return run.Events
}

// departs is the first step at which two runs' events differ in what a
// person sees (who, what, which object, the peer, the value), as
// static/explore.js's departure compares them.
func departs(a, b [][]any) int {
	for i := range min(len(a), len(b)) {
		for _, f := range []int{1, 2, 3, 4, 5} {
			if fmt.Sprint(a[i][f]) != fmt.Sprint(b[i][f]) {
				return i
			}
		}
	}
	return min(len(a), len(b))
}

// The §6 pool (both buffers 0, so that every schedule is explored in a
// second or two): "What can happen?" explores it on the server, every bar
// is a deadlock, and a bar's Replay runs its schedule under the go policy,
// shown from the step where it leaves the run that was on screen.
func TestBrowserWhatCanHappen(t *testing.T) {
	alloc := chromium(t)
	base := liveServer(t)
	ctx := tab(t, alloc)
	open(t, ctx, base+"/s/worker-pool-deadlock?seed=3&c.jobs=0&c.results=0&step=end")
	ready(t, ctx)
	before := runEvents(t, ctx)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click("#whatcan summary")))
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`#whatcan button[data-explore="all"]`)))
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#explore-bars li").length > 0 && !document.querySelector("#whatcan").classList.contains("exploring")`,
		chromedp.WithPollingTimeout(60*time.Second)))
	require.NoError(t, err, "the exploration's bars are drawn")
	eval[bool](t, ctx, `document.querySelector("#whatcan").scrollIntoView(), true`)
	shot(t, ctx, "whatcan-pool")
	outcomes := eval[[]string](t, ctx, `[...document.querySelectorAll("#explore-bars li")].map(li => li.dataset.outcome)`)
	require.NotEmpty(t, outcomes)
	for _, o := range outcomes {
		assert.Equal(t, "deadlock", o, "the buggy pool deadlocks in every schedule")
	}
	status := eval[string](t, ctx, `document.querySelector("#explore-status").textContent`)
	assert.Contains(t, status, "Every schedule with at most 2 forced switches", "the search covered the bound")
	assert.True(t, eval[bool](t, ctx, `document.querySelector("#explore-cancel").hidden`), "no Cancel once done")

	// The old run is ready too until the replay's replaces it (a frame
	// after its outcome arrives): wait for the run on screen to change.
	was := eval[string](t, ctx, "concviz.run")
	require.NotEmpty(t, was)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`#explore-bars li:first-child button[data-replay]`)))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`concviz.run !== %q && concviz.settings.policy === "go" && concviz.ready && document.body.dataset.status !== "running…"`, was),
		chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err, "the replay runs")
	assert.Equal(t, "deadlock", eval[string](t, ctx, "concviz.outcome"))
	assert.Contains(t, eval[string](t, ctx, "location.search"), "policy=go", "the URL is the replay's permalink")
	after := runEvents(t, ctx)
	assert.Equal(t, departs(before, after), eval[int](t, ctx, "concviz.step"), "the page shows where the replay leaves the run before it")
	assert.True(t, eval[bool](t, ctx, `document.querySelector("#explore-bars li.current") !== null`), "the replayed bar is the run on screen")
}

// The Find buttons stop at what they look for; a long search (the pool with
// its default buffers takes tens of seconds) shows its progress and a
// Cancel button, which stops it.
func TestBrowserWhatCanHappenProgressAndCancel(t *testing.T) {
	alloc := chromium(t)
	base := liveServer(t)
	ctx := tab(t, alloc)
	open(t, ctx, base+"/s/worker-pool-deadlock?seed=5&step=end")
	ready(t, ctx)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click("#whatcan summary")))
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`#whatcan button[data-explore="deadlock"]`)))
	// "Find a deadlock" stops at the first: the buggy pool's first run.
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#explore-status").textContent.startsWith("Found a deadlock")`, chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err, "Find a deadlock finds one")
	assert.Equal(t, "deadlock", eval[string](t, ctx, `document.querySelector("#explore-bars li.found").dataset.outcome`))

	// "Find a different output" finds an end or output other than the run on screen's.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`#whatcan button[data-explore="different"]`)))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#explore-status").textContent.startsWith("Found an outcome other than the run on screen")`, chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err, "Find a different output finds one")
	found := eval[string](t, ctx, `document.querySelector("#explore-bars li.found .whatcan-label").textContent`)
	assert.NotContains(t, found, "(the run on screen)")

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`#whatcan button[data-explore="all"]`)))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#explore-status").textContent.startsWith("Exploring… ") && /\d+ schedules/.test(document.querySelector("#explore-status").textContent)`,
		chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err, "the search's progress shows")
	assert.False(t, eval[bool](t, ctx, `document.querySelector("#explore-cancel").hidden`), "Cancel shows while it runs")
	assert.True(t, eval[bool](t, ctx, `document.querySelector('#whatcan button[data-explore="panic"]').disabled`), "no second search meanwhile")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click("#explore-cancel")))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#explore-status").textContent === "Exploration cancelled." && document.querySelector("#explore-cancel").hidden`,
		chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "Cancel stops the search")
}
