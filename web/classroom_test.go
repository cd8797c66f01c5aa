package web

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// following is what a class must see the same as its presenter: the run's
// inputs, the step, and what the page shows there.
type following struct {
	Step     int
	Settings string
	Console  string
	Graph    string
}

func whatIsShown(t *testing.T, ctx context.Context) following {
	t.Helper()
	raw := eval[string](t, ctx, `JSON.stringify({Step: concviz.step,
		Settings: JSON.stringify((({seed, policy, knobs, caps, interventions}) => ({seed, policy, knobs, caps, interventions}))(concviz.settings)),
		Console: document.querySelector("#console").textContent,
		Graph: document.querySelector("#graph .nodes")?.outerHTML ?? ""})`)
	var f following
	require.NoError(t, json.Unmarshal([]byte(raw), &f))
	return f
}

// sameAsPresenter waits until every viewer shows what the presenter shows.
func sameAsPresenter(t *testing.T, what string, presenter context.Context, viewers ...context.Context) following {
	t.Helper()
	want := whatIsShown(t, presenter)
	for i, v := range viewers {
		deadline := time.Now().Add(20 * time.Second)
		var got following
		for {
			got = whatIsShown(t, v)
			if got == want || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		require.Equal(t, want, got, "viewer %d follows the presenter through %s", i+1, what)
	}
	return want
}

// poll waits until expr is true, across navigations (a page that is being
// replaced answers with an error, which only means "not yet").
func poll(t *testing.T, ctx context.Context, expr, why string) {
	t.Helper()
	pollFor(t, ctx, 20*time.Second, expr, why, `""`)
}

// pollFor is poll with its own deadline; on failure it also shows the
// value of the expression state (a page's status, say).
func pollFor(t *testing.T, ctx context.Context, d time.Duration, expr, why, state string) {
	t.Helper()
	deadline := time.Now().Add(d)
	var last error
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: %s is still not true (last error: %v); page: %s", why, expr, last, eval[string](t, ctx, state))
}

// click clicks an element with a script: SVG elements and buttons alike.
func click(t *testing.T, ctx context.Context, selector string) {
	t.Helper()
	ok := eval[bool](t, ctx, fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false; el.dispatchEvent(new MouseEvent("click", {bubbles: true})); return true; })()`, selector))
	require.True(t, ok, "no %s on the page", selector)
}

// presenting opens url in a new tab and presents it to a class: the tab
// holds a room, with its code.
func presenting(t *testing.T, alloc context.Context, url string) context.Context {
	t.Helper()
	pres := tab(t, alloc)
	open(t, pres, url)
	ready(t, pres)
	require.NoError(t, chromedp.Do(pres, chromedp.Click("#present-room")))
	poll(t, pres, `concviz.room && concviz.room.role === "presenter" && concviz.room.code.length === 8`, "Present to class opens a room")
	return pres
}

func TestBrowserClassFollowsThePresenter(t *testing.T) {
	alloc := chromium(t)
	base := liveServer(t)
	pres := presenting(t, alloc, base+"/s/worker-pool-deadlock?seed=3&step=0")
	code := eval[string](t, pres, "concviz.room.code")
	joinURL := eval[string](t, pres, "concviz.room.url")
	assert.True(t, strings.HasSuffix(joinURL, "/r/"+code), "join URL %s", joinURL)
	shown := eval[string](t, pres, `document.querySelector("#room-bar").textContent`)
	assert.Contains(t, shown, code[:4]+"-"+code[4:], "the code is shown for reading aloud")

	// One viewer opens the link; another types the code in the catalog.
	v1 := tab(t, alloc)
	open(t, v1, base+"/r/"+code)
	poll(t, v1, `location.pathname === "/s/worker-pool-deadlock" && concviz.room && concviz.room.following`, "the link opens the presenter's scenario, following")
	v2 := tab(t, alloc)
	open(t, v2, base+"/")
	typed := strings.ToLower(code[:4] + "-" + code[4:])
	require.NoError(t, chromedp.Do(v2, chromedp.SendKeys("#join-code", typed), chromedp.Submit("#join-code")))
	poll(t, v2, `location.pathname === "/s/worker-pool-deadlock" && concviz.room && concviz.room.following`, "typing the code joins the class")
	poll(t, pres, `concviz.room.viewers === 2`, "the presenter sees two viewers")
	sameAsPresenter(t, "joining", pres, v1, v2)

	// Step.
	for range 3 {
		key(t, pres, kb.ArrowRight)
	}
	assert.Equal(t, 3, sameAsPresenter(t, "steps", pres, v1, v2).Step)

	// Play, then pause.
	require.NoError(t, chromedp.Do(pres, chromedp.SetValue("#speed", "30"), chromedp.Click("#play")))
	time.Sleep(700 * time.Millisecond)
	require.NoError(t, chromedp.Do(pres, chromedp.Click("#play")))
	played := sameAsPresenter(t, "play and pause", pres, v1, v2)
	assert.Greater(t, played.Step, 3, "the presenter played on")

	// Scrub.
	eval[bool](t, pres, `(() => { const s = document.querySelector("#scrub"); s.value = "9"; s.dispatchEvent(new Event("input", {bubbles: true})); return true; })()`)
	assert.Equal(t, 9, sameAsPresenter(t, "scrubbing", pres, v1, v2).Step)

	// Resize a channel where the run is: an intervention.
	at := eval[int](t, pres, "concviz.step")
	click(t, pres, `#graph [data-resize]`)
	// The page shows the step after the intervention once the new run is in.
	poll(t, pres, fmt.Sprintf(`concviz.settings.interventions.length === 1 && concviz.step === %d && concviz.ready`, at+1), "the resize reruns")
	resized := sameAsPresenter(t, "a resize", pres, v1, v2)
	assert.Contains(t, resized.Settings, `"chan"`)

	// A manual choice of who runs next.
	step := eval[int](t, pres, `(() => { for (let n = concviz.step; n < concviz.total; n++) { concviz.go(n); if (document.querySelectorAll("#choose button[data-run]").length >= 2) return n; } return -1; })()`)
	require.GreaterOrEqual(t, step, 0, "somewhere several goroutines are ready")
	click(t, pres, `#choose button[data-run]:last-of-type`)
	poll(t, pres, fmt.Sprintf(`concviz.settings.interventions.some(iv => iv.run) && concviz.step === %d && concviz.ready`, step+1), "the choice reruns")
	chose := sameAsPresenter(t, "a manual choice", pres, v1, v2)
	assert.Contains(t, chose.Settings, `"run"`)
	shot(t, pres, "room-presenter")
	shot(t, v1, "room-viewer")

	// A viewer who steps on their own detaches; the class goes on without
	// them; one click follows again.
	key(t, v1, kb.ArrowLeft)
	poll(t, v1, `concviz.room.following === false`, "a viewer's own step detaches it")
	mine := eval[int](t, v1, "concviz.step")
	key(t, pres, kb.End)
	sameAsPresenter(t, "the end", pres, v2)
	assert.Equal(t, mine, eval[int](t, v1, "concviz.step"), "a detached viewer stays where it is")
	shot(t, v1, "room-viewer-detached")
	click(t, v1, `#room-bar [data-room="refollow"]`)
	sameAsPresenter(t, "following again", pres, v1, v2)

	// The presenter moves to another scenario; the class goes along.
	open(t, pres, base+"/s/fan-out-fan-in?seed=2&step=5")
	ready(t, pres)
	poll(t, pres, `concviz.room && concviz.room.role === "presenter" && concviz.room.code === "`+code+`"`, "the presenter's tab keeps its room across pages")
	poll(t, v2, `location.pathname === "/s/fan-out-fan-in" && concviz.ready`, "the viewer follows to the new scenario")
	sameAsPresenter(t, "a new scenario", pres, v2)

	// Stop presenting: the class is told.
	require.NoError(t, chromedp.Do(pres, chromedp.Click("#present-room")))
	poll(t, v2, `concviz.room.role === "" && !document.querySelector("#notice").hidden && document.querySelector("#notice").textContent.includes("closed")`, "viewers learn that the room closed")
}

func TestBrowserViewerCannotControlTheRoom(t *testing.T) {
	alloc := chromium(t)
	base := liveServer(t)
	pres := presenting(t, alloc, base+"/s/worker-pool-deadlock?seed=5&step=4")
	code := eval[string](t, pres, "concviz.room.code")
	mallory, bob := tab(t, alloc), tab(t, alloc)
	for _, v := range []context.Context{mallory, bob} {
		open(t, v, base+"/r/"+code)
		poll(t, v, `concviz.room && concviz.room.following && concviz.ready`, "viewer follows")
	}
	before := sameAsPresenter(t, "joining", pres, mallory, bob)

	// Mallory speaks the protocol herself: publish a view, close the room,
	// claim it, with secrets she guessed.
	answers := eval[[]string](t, mallory, fmt.Sprintf(`new Promise((done, fail) => {
		const ws = new WebSocket("ws://" + location.host + "/ws");
		const got = [];
		const view = {scenario: "worker-pool-deadlock", seed: 99, policy: "fifo", step: 0, playing: false, speed: 8};
		const sent = [
			{type: "view", code: %[1]q, secret: "0".repeat(32), view},
			{type: "view", code: %[1]q, view},
			{type: "close", code: %[1]q, secret: "f".repeat(32)},
			{type: "claim", code: %[1]q, secret: "a".repeat(32)},
		];
		ws.onopen = () => sent.forEach(m => ws.send(JSON.stringify(m)));
		ws.onmessage = (e) => { const m = JSON.parse(e.data); if (m.type === "error") got.push(m.request + ":" + m.code); if (got.length === sent.length) { ws.close(); done(got); } };
		setTimeout(() => fail(new Error("answers: " + got.join())), 10000);
	})`, code), chromedp.EvalAwaitPromise)
	assert.Equal(t, []string{"view:not_presenter", "view:not_presenter", "close:not_presenter", "claim:not_presenter"}, answers)

	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, "presenter", eval[string](t, pres, "concviz.room.role"), "the room is still the presenter's")
	assert.Equal(t, before, whatIsShown(t, bob), "the other viewer saw nothing of it")
	key(t, pres, kb.ArrowRight)
	after := sameAsPresenter(t, "a step after the attempts", pres, bob)
	assert.Equal(t, before.Step+1, after.Step)
	shot(t, mallory, "room-mallory")
}

func TestBrowserStandaloneExportReplaysOffline(t *testing.T) {
	alloc := chromium(t)
	ctx := tab(t, alloc)
	open(t, ctx, liveServer(t)+"/s/worker-pool-deadlock?seed=2&c.jobs=1&step=end")
	ready(t, ctx)
	online := whatIsShown(t, ctx)
	total := eval[int](t, ctx, "concviz.total")
	banner := eval[string](t, ctx, `document.querySelector("#banner").textContent`)

	// The event log and the trace are what EXPORT.md says.
	var rec struct {
		Format   string              `json:"format"`
		Version  int                 `json:"version"`
		Scenario struct{ ID string } `json:"scenario"`
		Events   [][]any             `json:"events"`
		Outcome  struct {
			Outcome string `json:"outcome"`
		} `json:"outcome"`
	}
	require.NoError(t, json.Unmarshal([]byte(eval[string](t, ctx, `concviz.exportText("json")`, chromedp.EvalAwaitPromise)), &rec))
	assert.Equal(t, "concviz-run", rec.Format)
	assert.Equal(t, 3, rec.Version, "EXPORT.md's version")
	assert.Equal(t, "worker-pool-deadlock", rec.Scenario.ID)
	assert.Len(t, rec.Events, total)
	assert.Equal(t, "deadlock", rec.Outcome.Outcome)
	checkTrace(t, eval[string](t, ctx, `concviz.exportText("trace")`, chromedp.EvalAwaitPromise))
	svg := eval[string](t, ctx, `concviz.exportText("svg")`, chromedp.EvalAwaitPromise)
	checkXML(t, svg)
	assert.Contains(t, svg, `<svg`)
	png := eval[string](t, ctx, `concviz.exportText("png").then(b => b.type + " " + b.size)`, chromedp.EvalAwaitPromise)
	var typ string
	var size int
	_, err := fmt.Sscanf(png, "%s %d", &typ, &size)
	require.NoError(t, err, png)
	assert.Equal(t, "image/png", typ)
	assert.Greater(t, size, 2000, "a PNG of the graph, not an empty image")

	// The standalone page, opened from disk with no server.
	html := eval[string](t, ctx, `concviz.exportText("html")`, chromedp.EvalAwaitPromise)
	file := filepath.Join(t.TempDir(), "worker-pool-deadlock.html")
	require.NoError(t, os.WriteFile(file, []byte(html), 0o644))
	off := tab(t, alloc)
	open(t, off, "file://"+file)
	ready(t, off)
	assert.Equal(t, "deadlock", eval[string](t, off, "concviz.outcome"))
	assert.Equal(t, total, eval[int](t, off, "concviz.total"))
	key(t, off, kb.Home)
	// chromedp's Click waits on file:// pages (the page's history.replaceState
	// looks like a navigation to it), so the buttons are clicked by script.
	eval[bool](t, off, `(() => { const s = document.querySelector("#speed"); s.value = "120"; s.dispatchEvent(new Event("change")); return true; })()`)
	click(t, off, "#play")
	poll(t, off, `concviz.step === concviz.total && !document.querySelector("#banner").hidden`, "the standalone page replays to the outcome")
	assert.Equal(t, banner, eval[string](t, off, `document.querySelector("#banner").textContent`))
	got := whatIsShown(t, off)
	assert.Equal(t, online.Step, got.Step)
	assert.Equal(t, online.Console, got.Console)
	assert.Equal(t, online.Settings, got.Settings)
	assert.Equal(t, online.Graph, got.Graph, "the same graph at the end")
	shot(t, off, "standalone")

	// Changing the run needs a server: the page says so instead of failing.
	chose := eval[bool](t, off, `(() => { for (let n = 0; n < concviz.total; n++) { concviz.go(n); const el = document.querySelector("#graph [data-run]"); if (el) { el.dispatchEvent(new MouseEvent("click", {bubbles: true})); return true; } } return false; })()`)
	require.True(t, chose, "some step offers a choice of who runs next")
	assert.Contains(t, eval[string](t, off, `document.querySelector("#notice").textContent`), "recorded run")
}

// checkTrace checks a trace the way chrome://tracing reads the JSON Object
// Format: events with a phase, numeric timestamps, named threads, complete
// events with durations, and every flow start finished.
func checkTrace(t *testing.T, text string) {
	t.Helper()
	var tr struct {
		TraceEvents []map[string]any `json:"traceEvents"`
	}
	require.NoError(t, json.Unmarshal([]byte(text), &tr))
	require.NotEmpty(t, tr.TraceEvents)
	threads := map[float64]string{}
	flows := map[string]int{}
	for i, e := range tr.TraceEvents {
		ph, _ := e["ph"].(string)
		require.NotEmpty(t, ph, "event %d has a phase", i)
		_, pidOK := e["pid"].(float64)
		_, tidOK := e["tid"].(float64)
		assert.True(t, pidOK && tidOK, "event %d: numeric pid and tid", i)
		if ph != "M" {
			_, ok := e["ts"].(float64)
			assert.True(t, ok, "event %d: numeric ts", i)
		}
		switch ph {
		case "M":
			if e["name"] == "thread_name" {
				threads[e["tid"].(float64)] = e["args"].(map[string]any)["name"].(string)
			}
		case "X":
			d, ok := e["dur"].(float64)
			assert.True(t, ok && d >= 0, "event %d: a complete event has a duration", i)
		case "s":
			flows[fmt.Sprint(e["id"])]++
		case "f":
			flows[fmt.Sprint(e["id"])]--
		}
	}
	assert.Equal(t, "main", threads[1], "goroutine 1's track is main")
	assert.Greater(t, len(threads), 3, "a track per goroutine")
	for id, n := range flows {
		assert.Zero(t, n, "flow %s starts and finishes", id)
	}
	assert.NotEmpty(t, flows, "hand-offs are flows")
}

func checkXML(t *testing.T, text string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(text))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		require.NoError(t, err, "the SVG is well-formed XML")
	}
}
