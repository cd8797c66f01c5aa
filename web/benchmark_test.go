package web

// The page's figures on a big run: frames while playing and dragging,
// scrub jumps, memory. Measurements, not timed tests.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/systeminfo"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

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
// event to its rendering done, three times over (scrubbed): all of them,
// and each step's median, the page's own tail; beside them, plain script
// as long as the median jump, timed at the same pace (hostTail): the tail
// the machine alone gives work of that length. Memory: the JS heap after a garbage
// collection, and the page's renderer process (proportional set size).
func TestBrowserBenchmarkThousandGoroutines(t *testing.T) {
	if os.Getenv("CONCVIZ_BENCH") == "" {
		t.Skip("a measurement, not a test: set CONCVIZ_BENCH=1 to run it")
	}
	ctx := userTab(t, chromium(t))
	srv := liveServer(t)
	// Loads, from the request to the page holding the whole run with a step
	// drawn: the first page a new browser shows; then, after another
	// scenario's page (as a user who has been using concviz comes to it),
	// the page of another seed, whose run is not cached; that page again,
	// its run now in the server's cache; and last, after five more pages,
	// the page of a seed not run yet. The first pages of a new browser are
	// slower than its later ones (it has not yet kept the page's compiled
	// script, among others): the second load is one of those, the last one
	// is not.
	load := func(name string, before []string, url string) string {
		for _, b := range before {
			open(t, ctx, srv+b)
			ready(t, ctx)
		}
		start := time.Now()
		open(t, ctx, srv+url)
		ready(t, ctx)
		return fmt.Sprintf("%s: %v as the test saw it (%s)", name, time.Since(start).Round(time.Millisecond), loadSteps(t, ctx))
	}
	seen := []string{
		load("first page of a new browser", nil, "/s/bench-1000?step=0"),
		load("after another page", []string{"/s/worker-pool-fixed"}, "/s/bench-1000?seed=2&step=0"),
		load("again, the run cached", nil, "/s/bench-1000?seed=2&step=0"),
	}
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
	scrub := scrubbed(t, ctx)
	heap, pss := memory(t, ctx)
	t.Logf("events %d; load to ready: %s", total, strings.Join(seen, "; "))
	for i, p := range figures {
		t.Logf("%s (step %d on; CPU stolen by the host %s): %d frames in %.1f s, %d steps (%.0f a second) drawn in %d frames; frame interval p50 %.1f ms p95 %.1f ms, %d over 20 ms; a frame's own work p50 %.1f ms p95 %.1f ms, %d of %d over 16 ms; main thread between frames p50 %.1f ms p95 %.1f ms (mean: scripts and other %.1f, style %.1f, layout %.1f, paint %.1f; other threads' raster and compositing %.1f ms CPU)",
			runs[i].name, p.From, percent(p.Stolen), len(p.Intervals), p.Seconds, p.Steps, float64(p.Steps)/p.Seconds, p.Drawn,
			pct(p.Intervals, 50), pct(p.Intervals, 95), over(p.Intervals, 20), pct(p.Own, 50), pct(p.Own, 95), over(p.Own, 16), len(p.Own),
			pct(p.Busy, 50), pct(p.Busy, 95), p.Phases["script and other"], p.Phases["style"], p.Phases["layout"], p.Phases["paint"], p.Phases["raster and compositing"])
	}
	t.Logf("%s; JS heap %.0f MB; renderer PSS %.0f MB", scrub, heap/1e6, pss/1e6)
	shot(t, ctx, "bench-1000")
	for _, size := range [][2]int64{{1280, 800}, {1600, 1000}} {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(size[0], size[1])))
		eval[bool](t, ctx, `new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))`, chromedp.EvalAwaitPromise)
		shot(t, ctx, fmt.Sprintf("bench-1000-%d", size[0]))
	}
	// Last, so that the pages it visits first weigh on nothing measured above.
	t.Logf("load to ready: %s", load("after five more pages", []string{"/s/worker-pool-deadlock", "/s/fan-out-fan-in", "/s/mutex-counter", "/s/bench-1000?seed=4&step=0", "/s/worker-pool-fixed"}, "/s/bench-1000?seed=3&step=0"))
}

// TestBrowserBenchmarkMillionEvents measures the page on a run of about
// 900,000 events (the load test with 150,000 numbers), opened after
// another scenario's page: the first frame, shown while the rest streams,
// and when the whole run has arrived; then
// playing from the middle, scrub jumps (as soon as the run is in, and once
// the page has prepared its snapshots) and memory. A measurement, not a
// timed test: run it with CONCVIZ_BENCH=1.
func TestBrowserBenchmarkMillionEvents(t *testing.T) {
	if os.Getenv("CONCVIZ_BENCH") == "" {
		t.Skip("a measurement, not a test: set CONCVIZ_BENCH=1 to run it")
	}
	ctx := userTab(t, chromium(t))
	srv := liveServer(t)
	open(t, ctx, srv+"/s/worker-pool-fixed")
	ready(t, ctx)
	start := time.Now()
	open(t, ctx, srv+"/s/bench-1m?step=0")
	_, err := chromedp.Run(ctx, chromedp.Poll[bool]("window.concviz && window.concviz.loaded.shown", chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err, "a step is shown")
	first := time.Since(start)
	ready(t, ctx)
	all := time.Since(start)
	total := eval[int](t, ctx, "concviz.total")
	t.Logf("events %d; first frame %v, whole run in %v (%s)", total, first.Round(time.Millisecond), all.Round(time.Millisecond), loadSteps(t, ctx))
	early := scrubJumps(t, ctx, 30)
	t.Logf("scrub jump as soon as the run is in: p50 %.1f ms p95 %.1f ms, %d of %d over 16.7 ms", pct(early, 50), pct(early, 95), over(early, 16.7), len(early))
	prepared := time.Now()
	_, err = chromedp.Run(ctx, chromedp.Poll[bool]("window.concviz && window.concviz.loaded.prepared && window.concviz.loaded.timeline", chromedp.WithPollingTimeout(120*time.Second)))
	require.NoError(t, err, "the page prepares its snapshots and draws the whole timeline")
	heap, pss := memory(t, ctx)
	t.Logf("snapshots and timeline done %v later; JS heap %.0f MB; renderer PSS %.0f MB", time.Since(prepared).Round(time.Millisecond), heap/1e6, pss/1e6)
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue("#speed", "120")))
	before := cpuTimes()
	var p playFigures
	events := traced(t, ctx, frameCategories, "", func() { p = playFor(t, ctx, total/2, 3000) })
	p.Stolen = cpuTimes().stolenSince(before)
	p.Busy, p.Own, p.Phases = frameWork(t, events, 3)
	t.Logf("play from the middle (CPU stolen by the host %s): %d frames in %.1f s, %d steps (%.0f a second) drawn in %d frames; frame interval p50 %.1f ms p95 %.1f ms, %d over 20 ms; a frame's own work p50 %.1f ms p95 %.1f ms",
		percent(p.Stolen), len(p.Intervals), p.Seconds, p.Steps, float64(p.Steps)/p.Seconds, p.Drawn, pct(p.Intervals, 50), pct(p.Intervals, 95), over(p.Intervals, 20), pct(p.Own, 50), pct(p.Own, 95))
	scrub := scrubbed(t, ctx)
	heap, pss = memory(t, ctx)
	t.Logf("%s; JS heap %.0f MB; renderer PSS %.0f MB; event store %.0f bytes an event", scrub, heap/1e6, pss/1e6,
		eval[float64](t, ctx, "concviz.loaded.bytes / concviz.total"))
	shot(t, ctx, "bench-1m")
}

// userTab is a tab as a user's browser has it: without the network events
// chromedp asks every tab for. With them, chromium sends the test each
// WebSocket message the page receives, a run's megabytes encoded again in
// the protocol's JSON: that cost a load of the 1,001-goroutine run about
// 150 ms of chromium's CPU and 60 ms of the test process's, which is also
// the server, on two cores (loads of 428-548 ms with them, 338-482 without,
// alternating). Nothing the benchmarks read needs them.
func userTab(t *testing.T, alloc context.Context) context.Context {
	t.Helper()
	ctx := tab(t, alloc)
	require.NoError(t, chromedp.Do(ctx), "open the tab")
	_, err := cdp.Call(ctx, chromedp.FromContext(ctx).Target, network.Disable, cdp.Empty{})
	require.NoError(t, err, "turn off the network events")
	return ctx
}

// loadSteps says when, after the page was asked for, its HTML had
// arrived, its modules had run (DOMContentLoaded), and the run's messages
// came: the run message, the first events, the first frame drawn, the
// outcome, and when the page held the whole run with a step drawn, ready
// (performance marks the page sets, "concviz:…").
func loadSteps(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `(() => {
		const n = performance.getEntriesByType("navigation")[0];
		const at = (name) => { const m = performance.getEntriesByName("concviz:" + name)[0]; return m ? Math.round(m.startTime) + " ms" : "-"; };
		return "HTML " + Math.round(n.responseEnd) + " ms, modules run " + Math.round(n.domContentLoadedEventEnd) + " ms, run message " + at("run") +
			", first events " + at("first-events") + ", first frame drawn " + at("first-frame") + ", outcome " + at("outcome") + ", ready " + at("ready");
	})()`)
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

// scrubbed measures scrub jumps as the benchmarks report them: three
// passes over the same 100 steps (scrubJumps), every jump's time; then each
// jump's median over the passes, which a burst of the machine's own
// slowness (one pass in three, or a few jumps of one) does not move, so
// that its tail is the page's slowest jumps; and plain script as long as
// the median jump (hostTail).
func scrubbed(t *testing.T, ctx context.Context) string {
	t.Helper()
	const passes, n = 3, 100
	var all []float64
	each := make([][]float64, n)
	for range passes {
		for i, d := range scrubJumps(t, ctx, n) {
			all = append(all, d)
			each[i] = append(each[i], d)
		}
	}
	typical := make([]float64, n)
	for i, ds := range each {
		typical[i] = pct(ds, 50)
	}
	host := hostTail(t, ctx, pct(all, 50), n)
	return fmt.Sprintf("scrub jump p50 %.1f ms p95 %.1f ms, %d of %d over 16.7 ms (%d passes over %d steps); each step's median jump over the passes: p50 %.1f ms p95 %.1f ms, max %.1f ms (%s)",
		pct(all, 50), pct(all, 95), over(all, 16.7), len(all), passes, n, pct(typical, 50), pct(typical, 95), pct(typical, 100), host)
}

// hostTail times a fixed piece of plain script, as long as ms on this
// machine, n times at the pace of scrubJumps (a frame and a task apart),
// and says how its times spread: the tail a jump of that length has from
// the machine alone. (On a shared virtual machine the same work is now
// and then two or three times as long, for nothing the page does.)
func hostTail(t *testing.T, ctx context.Context, ms float64, n int) string {
	t.Helper()
	d := eval[[]float64](t, ctx, fmt.Sprintf(`(async () => {
		const spin = (n) => { let x = 0; for (let i = 0; i < n; i++) x = (x * 31 + i) | 0; return x; };
		for (let k = 0; k < 5; k++) spin(1e6); // compiled before it is measured
		let best = Infinity;
		for (let k = 0; k < 5; k++) { const a = performance.now(); spin(1e6); best = Math.min(best, performance.now() - a); }
		const iterations = Math.round((%f / best) * 1e6);
		const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
		const task = () => new Promise((r) => setTimeout(r, 0));
		const d = [];
		for (let i = 0; i < %d; i++) {
			await frame();
			await task();
			const a = performance.now();
			spin(iterations);
			d.push(performance.now() - a);
		}
		return d;
	})()`, ms, n), chromedp.EvalAwaitPromise)
	return fmt.Sprintf("the same length of plain script, %d times: p50 %.1f ms p95 %.1f ms, max %.1f ms", len(d), pct(d, 50), pct(d, 95), pct(d, 100))
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
