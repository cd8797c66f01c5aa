package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/systeminfo"
	"github.com/chromedp/cdproto/tracing"
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
	if id == "bench-1000" {
		return loadtest.Big(), true
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

// TestBrowserBenchmarkThousandGoroutines measures the page on a run of
// 1,001 goroutines and about 124,000 events: load, play, drag, scrub,
// memory. It is a measurement, not a timed test: it reports figures and
// fails only if the page breaks. Run it with CONCVIZ_BENCH=1;
// CONCVIZ_TRACE=FILE also writes a Chrome performance trace of each play
// and of the drag (open them in the DevTools Performance panel or
// ui.perfetto.dev).
//
// Playing is measured for 3 s at 120 steps a second, from the start (the
// workers not started yet) and from the middle of the run (all of them
// blocked or ready); dragging, as the slider swept from the first step to
// the last in 3 s, an input event a frame. For each: the steps the page
// advanced and the frames in which it did; the frame time, as the interval
// between frames by requestAnimationFrame (a whole number of 16.7 ms vsyncs
// at 60 Hz: a p95 of 16.7 ms means fewer than one frame in twenty late);
// and, from a trace of the same seconds, each frame's own work on the main
// thread (the task that made it: animation frame callbacks, style, layout,
// paint, commit), all the main thread's work between two frames (with any
// other task, such as idle callbacks) and the CPU time the browser's raster
// and compositor threads took per frame. A
// scrub jump is the slider set to a step spread over the run (the same
// steps every run, far apart) and the frame that shows it, from the input
// event to its rendering done. Memory: the JS heap after a garbage
// collection, and the page's renderer process (proportional set size).
func TestBrowserBenchmarkThousandGoroutines(t *testing.T) {
	if os.Getenv("CONCVIZ_BENCH") == "" {
		t.Skip("a measurement, not a test: set CONCVIZ_BENCH=1 to run it")
	}
	ctx := tab(t, chromium(t))
	start := time.Now()
	open(t, ctx, liveServer(t)+"/s/bench-1000?step=0")
	ready(t, ctx)
	load := time.Since(start)
	total := eval[int](t, ctx, "concviz.total")
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue("#speed", "120")))
	type run struct {
		name string
		do   func() playFigures
	}
	runs := []run{
		{"play from the start", func() playFigures { return playFor(t, ctx, 0, 3000) }},
		{"play from the middle", func() playFigures { return playFor(t, ctx, total/2, 3000) }},
		{"drag the slider", func() playFigures { return dragFor(t, ctx, 3000) }},
	}
	var figures []playFigures
	for i, r := range runs {
		var p playFigures
		cats, path := frameCategories, ""
		if f := os.Getenv("CONCVIZ_TRACE"); f != "" {
			cats, path = fullCategories, strings.TrimSuffix(f, ".json")+fmt.Sprintf("-%d.json", i)
		}
		before := cpuTimes()
		events := traced(t, ctx, cats, path, func() { p = r.do() })
		p.Stolen = cpuTimes().stolenSince(before)
		p.Busy, p.Own, p.Phases = frameWork(t, events, 3)
		require.Greater(t, p.Steps, 0, "%s advances", r.name)
		figures = append(figures, p)
	}
	scrub := scrubJumps(t, ctx, 100)
	heap, pss := memory(t, ctx)
	t.Logf("events %d; load to ready %v", total, load.Round(time.Millisecond))
	for i, p := range figures {
		t.Logf("%s (step %d on; CPU stolen by the host %s): %d frames in %.1f s, %d steps (%.0f a second) drawn in %d frames; frame interval p50 %.1f ms p95 %.1f ms, %d over 20 ms; a frame's own work p50 %.1f ms p95 %.1f ms, %d of %d over 16 ms; main thread between frames p50 %.1f ms p95 %.1f ms (mean: scripts and other %.1f, style %.1f, layout %.1f, paint %.1f; other threads' raster and compositing %.1f ms CPU)",
			runs[i].name, p.From, percent(p.Stolen), len(p.Intervals), p.Seconds, p.Steps, float64(p.Steps)/p.Seconds, p.Drawn,
			pct(p.Intervals, 50), pct(p.Intervals, 95), over(p.Intervals, 20), pct(p.Own, 50), pct(p.Own, 95), over(p.Own, 16), len(p.Own),
			pct(p.Busy, 50), pct(p.Busy, 95), p.Phases["script and other"], p.Phases["style"], p.Phases["layout"], p.Phases["paint"], p.Phases["raster and compositing"])
	}
	t.Logf("scrub jump p50 %.1f ms p95 %.1f ms, %d of %d over 16.7 ms; JS heap %.0f MB; renderer PSS %.0f MB", pct(scrub, 50), pct(scrub, 95), over(scrub, 16.7), len(scrub), heap/1e6, pss/1e6)
	shot(t, ctx, "bench-1000")
	for _, size := range [][2]int64{{1280, 800}, {1600, 1000}} {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(size[0], size[1])))
		eval[bool](t, ctx, `new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))`, chromedp.EvalAwaitPromise)
		shot(t, ctx, fmt.Sprintf("bench-1000-%d", size[0]))
	}
}

// cpu is the machine's CPU time so far, in clock ticks: all of it, and
// what the hypervisor gave to others while this machine wanted to run
// ("steal" in /proc/stat). Where there is no /proc/stat both are zero.
type cpu struct{ total, steal float64 }

func cpuTimes() cpu {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpu{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return cpu{}
	}
	var c cpu
	for i, v := range f[1:] {
		var n float64
		if _, err := fmt.Sscan(v, &n); err == nil {
			c.total += n
			if i == 7 {
				c.steal = n
			}
		}
	}
	return c
}

// stolenSince is the share of CPU time stolen since before, or -1.
func (c cpu) stolenSince(before cpu) float64 {
	if c.total <= before.total {
		return -1
	}
	return (c.steal - before.steal) / (c.total - before.total)
}

func percent(x float64) string {
	if x < 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f%%", 100*x)
}

type playFigures struct {
	From      int
	Steps     int       // steps advanced
	Drawn     int       // frames in which the page stepped
	Seconds   float64   // time played
	Intervals []float64 // between frames, ms
	Stolen    float64   // the share of this machine's CPU time its host took meanwhile, or -1
	Own       []float64 // each frame's own work on the main thread, ms (from a trace)
	Busy      []float64 // all the main thread's work between two frames, ms (from a trace)
	Phases    map[string]float64
}

// playFor goes to step from and plays for ms milliseconds, timing
// animation frames.
func playFor(t *testing.T, ctx context.Context, from, ms int) playFigures {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf("(concviz.go(%d), true)", from))
	return framesFor(t, ctx, ms, `document.querySelector("#play").click()`, "", `document.querySelector("#play").click()`)
}

// dragFor drags the slider from the start of the run to its end over ms
// milliseconds, an input event a frame as a hand dragging it sends them,
// timing animation frames.
func dragFor(t *testing.T, ctx context.Context, ms int) playFigures {
	t.Helper()
	eval[bool](t, ctx, "(concviz.go(0), true)")
	const input = `const s = document.querySelector("#scrub"); s.value = String(Math.round(done * concviz.total)); s.dispatchEvent(new Event("input", { bubbles: true }))`
	return framesFor(t, ctx, ms, "", input, `document.querySelector("#scrub").dispatchEvent(new Event("change", { bubbles: true }))`)
}

// framesFor runs scripts for ms milliseconds of animation frames and times
// the frames: begin in the first frame, each in every frame after it (with
// done, the share of the time gone), end after the last. For each frame it
// takes the interval since the frame before and whether the page's step
// changed.
func framesFor(t *testing.T, ctx context.Context, ms int, begin, each, end string) playFigures {
	t.Helper()
	out := eval[string](t, ctx, fmt.Sprintf(`new Promise((resolve) => {
		const ms = %d;
		const first = concviz.step;
		const frames = [];
		let start = 0;
		const frame = (now) => {
			frames.push({ at: now, step: concviz.step });
			if (now - start < ms) {
				const done = (now - start) / ms;
				%s;
				return requestAnimationFrame(frame);
			}
			%s;
			setTimeout(() => {
				const out = { from: first, steps: concviz.step - first, seconds: (now - start) / 1000, intervals: [], drawn: 0 };
				for (let i = 1; i < frames.length; i++) {
					out.intervals.push(frames[i].at - frames[i - 1].at);
					if (frames[i].step !== frames[i - 1].step) out.drawn++;
				}
				resolve(JSON.stringify(out));
			}, 50);
		};
		requestAnimationFrame((now) => {
			start = now;
			%s;
			requestAnimationFrame(frame);
		});
	})`, ms, each, end, begin), chromedp.EvalAwaitPromise)
	var p playFigures
	require.NoError(t, json.Unmarshal([]byte(out), &p))
	return p
}

// scrubJumps drags the slider to n steps spread over the run (the same
// ones each time; an input event each, as a drag sends them) and times
// each jump and the rendering of the frame that shows it.
func scrubJumps(t *testing.T, ctx context.Context, n int) []float64 {
	t.Helper()
	return eval[[]float64](t, ctx, fmt.Sprintf(`(async () => {
		const frame = () => new Promise((r) => requestAnimationFrame((now) => {
			const ch = new MessageChannel();
			ch.port1.onmessage = () => r(performance.now() - now);
			ch.port2.postMessage(0);
		}));
		const task = () => new Promise((r) => setTimeout(r, 0));
		const slider = document.querySelector("#scrub");
		const d = [];
		let x = 12345;
		for (let i = 0; i < %d; i++) {
			x = (x * 1103515245 + 12345) %% 2147483648;
			const to = x %% (concviz.total + 1);
			await frame();
			await task();
			const a = performance.now();
			slider.value = String(to);
			slider.dispatchEvent(new Event("input", { bubbles: true }));
			const js = performance.now() - a;
			d.push(js + (await frame()));
		}
		slider.dispatchEvent(new Event("change", { bubbles: true }));
		return d;
	})()`, n), chromedp.EvalAwaitPromise)
}

// memory returns the JS heap in use after a garbage collection and the
// proportional set size of the biggest renderer process (the page's), in
// bytes; -1 for what cannot be read.
func memory(t *testing.T, ctx context.Context) (heap, pss float64) {
	t.Helper()
	c := chromedp.FromContext(ctx)
	_, err := cdp.Call(ctx, c.Target, heapprofiler.CollectGarbage, cdp.Empty{})
	require.NoError(t, err)
	heap = eval[float64](t, ctx, "performance.memory ? performance.memory.usedJSHeapSize : -1")
	pss = -1
	procs, err := cdp.Call(ctx, c.Browser, systeminfo.GetProcessInfo, cdp.Empty{})
	if err != nil {
		t.Logf("no process list: %v", err)
		return heap, pss
	}
	for _, p := range procs.ProcessInfo {
		if p.Type != "renderer" {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", p.ID))
		if err != nil {
			continue
		}
		for line := range strings.Lines(string(b)) {
			if kb, ok := strings.CutPrefix(line, "Pss:"); ok {
				var n float64
				if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(kb), " kB"), &n); err == nil {
					pss = max(pss, n*1024)
				}
			}
		}
	}
	return heap, pss
}

// over counts the values above limit.
func over(xs []float64, limit float64) int {
	n := 0
	for _, x := range xs {
		if x > limit {
			n++
		}
	}
	return n
}

// Trace categories: enough to time frames, and all that DevTools shows.
var (
	frameCategories = []string{"toplevel", "devtools.timeline", "disabled-by-default-devtools.timeline", "disabled-by-default-devtools.timeline.frame"}
	fullCategories  = append(slices.Clone(frameCategories), "v8.execute", "disabled-by-default-v8.cpu_profiler", "blink.user_timing")
)

// traced runs fn while chromium records a performance trace of the tab,
// and returns the trace's events; with a path it also writes them there
// (Chrome's JSON trace format).
func traced(t *testing.T, ctx context.Context, categories []string, path string, fn func()) []jsonv2.Value {
	t.Helper()
	tg := chromedp.FromContext(ctx).Target
	data, stopData := tg.Subscribe(tracing.DataCollected.Method)
	defer stopData()
	done, stopDone := tg.Subscribe(tracing.TracingComplete.Method)
	defer stopDone()
	_, err := cdp.Call(ctx, tg, tracing.Start, tracing.StartParams{
		TransferMode: tracing.StartTransferModeReportEvents,
		TraceConfig:  &tracing.TraceConfig{IncludedCategories: categories},
	})
	require.NoError(t, err, "start tracing")
	fn()
	_, err = cdp.Call(ctx, tg, tracing.End, cdp.Empty{})
	require.NoError(t, err, "end tracing")
	var events []jsonv2.Value
	collect := func(raw jsonv2.Value) {
		var d tracing.EventDataCollected
		require.NoError(t, json.Unmarshal(raw, &d))
		events = append(events, d.Value...)
	}
wait:
	for {
		select {
		case raw := <-data:
			collect(raw)
		case <-done:
			break wait
		case <-ctx.Done():
			t.Fatal("no end of the trace")
		}
	}
	for drained := false; !drained; {
		select {
		case raw := <-data:
			collect(raw)
		default:
			drained = true
		}
	}
	if path != "" {
		out, err := json.Marshal(map[string]any{"traceEvents": events})
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, out, 0o644))
		t.Logf("trace: %s (%d events)", path, len(events))
	}
	return events
}

// traceEvent is what frameWork reads of a trace event.
type traceEvent struct {
	Name string
	Ph   string
	Ts   float64 // µs
	Dur  float64 // µs
	Tdur float64 // µs of the thread's CPU time
	Pid  int64
	Tid  int64
	Args struct {
		Name string
	}
}

// frameWork reads a trace for the main thread's work in each frame of the
// page: from one BeginMainThreadFrame to the next, the time its tasks took
// (scripts, timers, messages, style, layout, paint), in ms; skip frames at
// the start and at the end are left out. Own is each frame's own work: the
// task that made it (animation frame callbacks, style, layout, paint,
// commit). Phases is the mean time per frame of the main steps of the work.
func frameWork(t *testing.T, events []jsonv2.Value, skip int) (work, own []float64, phases map[string]float64) {
	t.Helper()
	var evs []traceEvent
	for _, raw := range events {
		var e traceEvent
		require.NoError(t, json.Unmarshal(raw, &e))
		evs = append(evs, e)
	}
	// The renderer's main thread: the one with most frames.
	type thread struct{ pid, tid int64 }
	mains := map[thread]bool{}
	frames := map[thread][]float64{}
	workers := map[thread]bool{} // raster and compositing threads
	for _, e := range evs {
		if e.Ph == "M" && e.Name == "thread_name" && e.Args.Name == "CrRendererMain" {
			mains[thread{e.Pid, e.Tid}] = true
		}
		if e.Ph == "M" && e.Name == "thread_name" && (strings.HasPrefix(e.Args.Name, "ThreadPoolForegroundWorker") || strings.HasPrefix(e.Args.Name, "CompositorTileWorker") || e.Args.Name == "VizCompositorThread" || e.Args.Name == "Compositor") {
			workers[thread{e.Pid, e.Tid}] = true
		}
	}
	for _, e := range evs {
		if k := (thread{e.Pid, e.Tid}); mains[k] && e.Name == "BeginMainThreadFrame" {
			frames[k] = append(frames[k], e.Ts)
		}
	}
	var main thread
	for k, f := range frames {
		if len(f) > len(frames[main]) {
			main = k
		}
	}
	starts := frames[main]
	slices.Sort(starts)
	if len(starts) < 2*skip+2 {
		return nil, nil, nil
	}
	starts = starts[skip : len(starts)-skip]
	// A frame's own work: the task in which the main thread made it.
	for _, e := range evs {
		if (thread{e.Pid, e.Tid}) != main || e.Ph != "X" || e.Name != "ThreadControllerImpl::RunTask" {
			continue
		}
		i, _ := slices.BinarySearch(starts, e.Ts)
		if i < len(starts) && starts[i] <= e.Ts+e.Dur && i < len(starts)-1 {
			own = append(own, e.Dur/1000)
		}
	}
	work = make([]float64, len(starts)-1)
	phases = map[string]float64{}
	phaseOf := map[string]string{"UpdateLayoutTree": "style", "Layout": "layout", "PrePaint": "paint", "Paint": "paint", "Layerize": "paint", "Commit": "paint"}
	for _, e := range evs {
		if workers[thread{e.Pid, e.Tid}] && e.Ph == "X" && e.Ts >= starts[0] && e.Ts < starts[len(starts)-1] &&
			(e.Name == "ThreadControllerImpl::RunTask" || e.Name == "ThreadPool_RunTask") { // the outermost tasks
			phases["raster and compositing"] += e.Tdur / 1000
		}
		if (thread{e.Pid, e.Tid}) != main || e.Ph != "X" {
			continue
		}
		i, found := slices.BinarySearch(starts, e.Ts)
		if !found {
			i-- // the frame the event starts in
		}
		if i < 0 || i >= len(work) { // before the first frame or after the last
			continue
		}
		if e.Name == "ThreadControllerImpl::RunTask" {
			work[i] += e.Dur / 1000
			phases["all"] += e.Dur / 1000
		} else if p, ok := phaseOf[e.Name]; ok {
			phases[p] += e.Dur / 1000
		}
	}
	phases["script and other"] = phases["all"] - phases["style"] - phases["layout"] - phases["paint"]
	for k := range phases {
		phases[k] /= float64(len(work))
	}
	return work, own, phases
}

func pct(xs []float64, p int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}
