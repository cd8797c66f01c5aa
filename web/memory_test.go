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

	"github.com/concviz/concviz/engine"
)

// raceShown is what the page shows of data races at the step on screen.
type raceShown struct {
	Narration string
	Lines     []int    // code lines marked as racing
	Want      [][2]int // the state's race line pairs
	Boxes     []string // classes of the graph's shared variables
	Races     int
}

const raceShownJS = `JSON.stringify({
	narration: document.querySelector("#narration").textContent,
	lines: [...document.querySelectorAll("#source .line.race")].map((e) => Number(e.dataset.line)),
	want: concviz.state.raceLines,
	boxes: [...document.querySelectorAll("#graph .obj.var")].map((e) => e.getAttribute("class")),
	races: concviz.state.races,
})`

func shownRaces(t *testing.T, ctx context.Context, step int) raceShown {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf("(concviz.go(%d), true)", step))
	var r raceShown
	require.NoError(t, json.Unmarshal([]byte(eval[string](t, ctx, raceShownJS)), &r))
	return r
}

// TestBrowserDataRace opens the guide's §4 counter without its mutex,
// finds its first data race on the timeline, steps to it and sees it
// marked: the narration names it, both of its code lines are marked, the
// counter's box is; the step before shows none of it. At the end the
// banner says DATA RACE with Go's report.
func TestBrowserDataRace(t *testing.T) {
	ctx := tab(t, chromium(t))
	open(t, ctx, liveServer(t)+"/s/counter-race")
	ready(t, ctx)
	_, err := chromedp.Run(ctx, chromedp.Poll[bool]("concviz.loaded.timeline", chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err, "the whole run's timeline is drawn")

	// The first bracket on the timeline ends at the later access's step;
	// the race event follows it.
	access := eval[int](t, ctx, `Number(document.querySelector("#timeline .tl-race")?.dataset.step ?? -1)`)
	require.Positive(t, access, "the timeline marks a race between two accesses")
	before := shownRaces(t, ctx, access)
	assert.Zero(t, before.Races, "no race before the first one")
	assert.Empty(t, before.Lines, "no line marked before the first race")
	assert.Regexp(t, `(read|wrote)`, before.Narration, "the step is the access that races")

	at := shownRaces(t, ctx, access+1)
	t.Logf("step %d: %s; lines %v; boxes %v", access+1, at.Narration, at.Lines, at.Boxes)
	assert.Regexp(t, `data race on \S+: .+'s (read|write) and .+'s (read|write) at step \d+, neither happens before the other`, at.Narration)
	require.NotEmpty(t, at.Want, "the state holds the race's lines")
	want := map[int]bool{}
	for _, p := range at.Want {
		want[p[0]], want[p[1]] = true, true
	}
	got := map[int]bool{}
	for _, l := range at.Lines {
		got[l] = true
	}
	assert.Equal(t, want, got, "both lines of the race are marked in the code, and no other")
	require.NotEmpty(t, at.Boxes, "the counter is drawn")
	assert.Contains(t, at.Boxes[0], "raced", "the counter's box is marked")
	shot(t, ctx, "data-race")

	// The end: Go's report in the banner, whatever the run's flags.
	total := eval[int](t, ctx, "concviz.total")
	eval[bool](t, ctx, fmt.Sprintf("(concviz.go(%d), true)", total))
	banner := eval[string](t, ctx, `document.querySelector("#banner").hidden ? "" : document.querySelector("#banner").innerText`)
	assert.Contains(t, banner, "DATA RACE", "the banner flags the race")
	assert.Contains(t, banner, "WARNING: DATA RACE", "with the report go run -race prints")
	assert.Contains(t, banner, fmt.Sprintf("exit status %d", engine.ExitCodeRace), "and the exit status it ends with, though main returned")
	assert.Contains(t, eval[string](t, ctx, `document.querySelector("#outcome-badge").textContent`), "DATA RACE", "the badge too")
	shot(t, ctx, "data-race-end")
}
