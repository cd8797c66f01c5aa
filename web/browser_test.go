package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/concviz/concviz/scenarios"
	"github.com/concviz/concviz/server"
	"github.com/concviz/concviz/web/internal/loadtest"
)

// TestMain lets the test binary be a run's child process: the server runs
// each scenario by re-executing the running binary.
func TestMain(m *testing.M) {
	if os.Getenv(server.ChildEnv) != "" {
		os.Exit(server.ChildMain(os.Stdin, os.Stdout, server.ResolveWith(testLookup)))
	}
	// chroma's regexp engine keeps a clock goroutine for match timeouts
	// that stops by itself a while after the last match: not ours to wait for.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/dlclark/regexp2/v2.runClock"))
}

// testLookup is the catalog the browser tests run: the built-in one, and a
// load test that is not in the catalog.
func testLookup(id string) (*scenarios.Scenario, bool) {
	switch id {
	case "bench-1000":
		return loadtest.Big(), true
	case "bench-1m":
		return loadtest.Huge(), true
	}
	return scenarios.Lookup(id)
}

// shotsDir is where the browser tests save what they saw, to be looked at.
const shotsDir = "/tmp/concviz-shots"

// liveServer serves the pages and runs over a real server.
func liveServer(t *testing.T) string {
	t.Helper()
	srv := server.New(server.Options{Page: New(Options{Lookup: testLookup}), Scenarios: testLookup})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	return ts.URL
}

// chromium returns a browser allocator, or skips the test when Debian's
// chromium is not installed (under CI it must be).
func chromium(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required under CI: %v", err)
		}
		t.Skipf("no chromium on PATH (apt-get install chromium), skipping the browser tests: %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("window-size", "1600,1000"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("enable-precise-memory-info", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	// Start the browser once; each tab gets a fresh browser context in it.
	ctx, cancel2 := chromedp.NewContext(alloc)
	t.Cleanup(cancel2)
	require.NoError(t, chromedp.Do(ctx), "start chromium")
	return ctx
}

// tab opens a fresh browser context (no shared storage) with one tab.
func tab(t *testing.T, alloc context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancel2 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel2)
	return ctx
}

func open(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(url)), url)
}

// ready waits until the page holds the whole run and shows a step.
func ready(t *testing.T, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool]("window.concviz && window.concviz.ready", chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		why, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({step: window.concviz?.step, total: window.concviz?.total, status: document.body.dataset.status, notice: document.querySelector("#notice")?.textContent})`))
		t.Fatalf("the run does not reach its outcome on the page: %v; page: %s", err, why)
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	require.NoError(t, err, expr)
	return v
}

func key(t *testing.T, ctx context.Context, k string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(k)))
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(shotsDir, 0o755))
	p := filepath.Join(shotsDir, name+".png")
	require.NoError(t, os.WriteFile(p, png, 0o644))
	t.Logf("screenshot: %s", p)
}

// view is what the page shows at a step, for comparing two views.
type view struct {
	Step    int
	State   string
	Graph   string
	Console string
	Badges  string
	Narr    string
}

func look(t *testing.T, ctx context.Context) view {
	t.Helper()
	raw := eval[string](t, ctx, `JSON.stringify({Step: concviz.step, State: JSON.stringify(concviz.state),
		Graph: document.querySelector("#graph .nodes").outerHTML, Console: document.querySelector("#console").textContent,
		Badges: [...document.querySelectorAll(".badges")].map(b => b.textContent).join("|"),
		Narr: document.querySelector("#narration").textContent})`)
	var v view
	require.NoError(t, json.Unmarshal([]byte(raw), &v))
	return v
}

func TestBrowserEveryScenarioPlaysToItsOutcome(t *testing.T) {
	alloc := chromium(t)
	base := liveServer(t)
	for _, s := range scenarios.All() {
		t.Run(s.ID, func(t *testing.T) {
			ctx := tab(t, alloc)
			open(t, ctx, base+"/s/"+s.ID)
			if s.Program.Main == nil {
				// Not compiled into this build yet: the page says so.
				txt := eval[string](t, ctx, `document.querySelector("#notice").textContent`)
				assert.Contains(t, txt, "no compiled program")
				shot(t, ctx, "scenario-"+s.ID)
				t.Skipf("%s has no compiled program yet: end-to-end pending", s.ID)
			}
			require.NoError(t, chromedp.Do(ctx, chromedp.SetValue("#speed", "120"), chromedp.Click("#play")))
			ready(t, ctx)
			_, err := chromedp.Run(ctx, chromedp.Poll[bool]("concviz.step === concviz.total && !document.querySelector('#banner').hidden", chromedp.WithPollingTimeout(60*time.Second)))
			require.NoError(t, err, "plays to the end and shows the outcome")
			banner := eval[string](t, ctx, `document.querySelector("#banner").textContent`)
			badge := eval[string](t, ctx, `document.querySelector("#outcome-badge").textContent`)
			out := eval[string](t, ctx, "concviz.outcome")
			assert.NotEmpty(t, out)
			if out == "deadlock" {
				assert.Contains(t, banner, "fatal error: all goroutines are asleep - deadlock!")
				assert.Contains(t, badge, "deadlock")
			}
			shot(t, ctx, "scenario-"+s.ID)
		})
	}
}

// TestBrowserStatusEndsWithTheRunOnScreen changes the seed and watches the
// page's status (body[data-status], what tests and scripts wait on): it
// says "running…" while the new run streams, and is cleared only once that
// run is the one on screen, not while the old one still is.
func TestBrowserStatusEndsWithTheRunOnScreen(t *testing.T) {
	ctx := tab(t, chromium(t))
	open(t, ctx, liveServer(t)+"/s/worker-pool-deadlock?seed=1&step=end")
	ready(t, ctx)
	was := eval[string](t, ctx, "concviz.run")
	eval[bool](t, ctx, `(() => {
		window.statuses = [];
		new MutationObserver(() => statuses.push({ status: document.body.dataset.status, run: concviz.run })).observe(document.body, { attributes: true, attributeFilter: ["data-status"] });
		const seed = document.querySelector("#seed");
		seed.value = "2";
		seed.dispatchEvent(new Event("change", { bubbles: true }));
		return true;
	})()`)
	poll(t, ctx, fmt.Sprintf(`concviz.run !== %q && concviz.ready && document.body.dataset.status === ""`, was), "the new run is shown and finished")
	type change struct{ Status, Run string }
	var got []change
	require.NoError(t, json.Unmarshal([]byte(eval[string](t, ctx, "JSON.stringify(statuses)")), &got))
	now := eval[string](t, ctx, "concviz.run")
	require.NotEmpty(t, got)
	assert.Equal(t, change{"running…", was}, got[0], "running, the old run still on screen")
	assert.Equal(t, change{"", now}, got[len(got)-1], "finished when the new run is on screen")
}

func TestBrowserStepBackRestoresThePreviousState(t *testing.T) {
	ctx := tab(t, chromium(t))
	open(t, ctx, liveServer(t)+"/s/worker-pool-deadlock?seed=1&step=17")
	ready(t, ctx)
	before := look(t, ctx)
	require.Equal(t, 17, before.Step)
	key(t, ctx, kb.ArrowRight)
	after := look(t, ctx)
	require.Equal(t, 18, after.Step)
	assert.NotEqual(t, before.State, after.State)
	key(t, ctx, kb.ArrowLeft)
	back := look(t, ctx)
	assert.Equal(t, before, back, "step back shows exactly the previous state")
	for i := 0; i < 5; i++ {
		key(t, ctx, kb.ArrowRight)
	}
	for i := 0; i < 5; i++ {
		key(t, ctx, kb.ArrowLeft)
	}
	assert.Equal(t, before, look(t, ctx))
}

func TestBrowserBothBuffersZeroMovesMainToJobsSend(t *testing.T) {
	ctx := tab(t, chromium(t))
	open(t, ctx, liveServer(t)+"/s/worker-pool-deadlock?step=end")
	ready(t, ctx)
	line := func() int { return eval[int](t, ctx, "concviz.state.gs[1].line") }
	require.Equal(t, 32, line(), "with buffers 3 and 3 main deadlocks ranging over results")
	for range 3 {
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(`[data-cap="jobs"] .cap-minus`)))
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(`[data-cap="results"] .cap-minus`)))
	}
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`location.search.includes("c.jobs=0") && location.search.includes("c.results=0") && concviz.ready`, chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err)
	key(t, ctx, kb.End)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`concviz.state.gs[1].line === 28 && concviz.step === concviz.total`, chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err, "main is now blocked at jobs <- i")
	assert.Equal(t, "chan send", eval[string](t, ctx, "concviz.state.gs[1].reason"))
	assert.Contains(t, eval[string](t, ctx, `document.querySelector("#L28 .badges").textContent`), "main")
	assert.Contains(t, eval[string](t, ctx, `document.querySelector("#banner").textContent`), "main.go:28")
	shot(t, ctx, "pool-buffers-0-0")
}

func TestBrowserManualSchedulingChangesOutputAndPermalinkReproducesIt(t *testing.T) {
	alloc := chromium(t)
	base := liveServer(t)
	ctx := tab(t, alloc)
	open(t, ctx, base+"/s/worker-pool-deadlock?seed=1&step=end")
	ready(t, ctx)
	original := eval[string](t, ctx, `document.querySelector("#console").textContent`)
	total := eval[int](t, ctx, "concviz.total")
	// Find a step where choosing another goroutine changes the output, by
	// clicking the choice the page offers.
	found := false
	for step := 1; step < total && !found; step++ {
		open(t, ctx, fmt.Sprintf("%s/s/worker-pool-deadlock?seed=1&step=%d", base, step))
		ready(t, ctx)
		choices := eval[[]int](t, ctx, `[...document.querySelectorAll("#choose button")].map(b => Number(b.dataset.run))`)
		for _, g := range choices {
			open(t, ctx, fmt.Sprintf("%s/s/worker-pool-deadlock?seed=1&step=%d", base, step))
			ready(t, ctx)
			require.NoError(t, chromedp.Do(ctx, chromedp.Click(fmt.Sprintf(`#choose button[data-run="%d"]`, g))))
			_, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`location.search.includes("iv=%d%%3Ar%d") && concviz.ready && concviz.step === %d`, step, g, step+1), chromedp.WithPollingTimeout(20*time.Second)))
			require.NoError(t, err, "the choice reruns and shows its effect")
			assert.Equal(t, "schedule", eval[string](t, ctx, "concviz.state.last.kind"))
			assert.Equal(t, g, eval[int](t, ctx, "concviz.state.last.g"))
			shot(t, ctx, "pool-choose")
			key(t, ctx, kb.End)
			out := eval[string](t, ctx, `document.querySelector("#console").textContent`)
			if out != original {
				found = true
				t.Logf("running goroutine %d at step %d prints %q instead of %q", g, step, out, original)
				// The link reproduces the view in a fresh browser context.
				href := eval[string](t, ctx, "location.href")
				want := look(t, ctx)
				other := tab(t, alloc)
				open(t, other, href)
				ready(t, other)
				assert.Equal(t, want, look(t, other), "a permalink reproduces step and state")
				break
			}
		}
	}
	require.True(t, found, "some scheduling choice changes the order of the output")
}

func TestBrowserBadURLParametersShowAMessage(t *testing.T) {
	ctx := tab(t, chromium(t))
	open(t, ctx, liveServer(t)+"/s/worker-pool-deadlock?seed=banana&policy=chaos&c.nope=3&c.jobs=-4&iv=x&step=end")
	ready(t, ctx)
	msg := eval[string](t, ctx, `document.querySelector("#notice").hidden ? "" : document.querySelector("#notice").textContent`)
	for _, want := range []string{"cannot use", "seed", "banana", "policy", "chaos", "nope", "jobs", "intervention"} {
		assert.Contains(t, msg, want)
	}
	assert.Equal(t, "deadlock", eval[string](t, ctx, "concviz.outcome"), "the defaults still run")
	shot(t, ctx, "bad-url")
}

// A link's interventions must be within the server's limits, which come
// with its hello: the page, which asks for a plain link's run before the
// hello, waits for them here, drops what is over and runs the rest.
func TestBrowserInterventionsOverTheLimitsAreDropped(t *testing.T) {
	ctx := tab(t, chromium(t))
	open(t, ctx, liveServer(t)+"/s/worker-pool-deadlock?iv=3:c1=5000&step=end")
	ready(t, ctx)
	msg := eval[string](t, ctx, `document.querySelector("#notice").hidden ? "" : document.querySelector("#notice").textContent`)
	assert.Contains(t, msg, "cannot use")
	assert.Contains(t, msg, "resizes a channel to 5000, and a buffer holds at most 1000")
	assert.Equal(t, "deadlock", eval[string](t, ctx, "concviz.outcome"), "the run without the intervention")
	assert.NotContains(t, eval[string](t, ctx, "location.search"), "iv=", "the link now says what ran")
}

func TestBrowserUnknownScenarioLinksBack(t *testing.T) {
	ctx := tab(t, chromium(t))
	base := liveServer(t)
	open(t, ctx, base+"/s/no-such-program")
	assert.Contains(t, eval[string](t, ctx, "document.body.textContent"), "no-such-program")
	shot(t, ctx, "not-found")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("a.button.primary")), chromedp.WaitVisible(chromedp.CSS(".card"))), "the 404 page links back to the catalog")
	assert.Equal(t, "/", eval[string](t, ctx, "location.pathname"))
	shot(t, ctx, "catalog")
}

func TestBrowserProjectorMode(t *testing.T) {
	ctx := tab(t, chromium(t))
	open(t, ctx, liveServer(t)+"/s/worker-pool-deadlock?step=20")
	ready(t, ctx)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click("#projector")))
	assert.True(t, eval[bool](t, ctx, `document.body.classList.contains("present")`))
	assert.Contains(t, eval[string](t, ctx, "location.search"), "projector=1")
	shot(t, ctx, "present")
}
