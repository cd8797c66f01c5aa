package web

// Chromium performance traces of the page, and the work per frame read
// from them, for the benchmark.

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/tracing"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

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
