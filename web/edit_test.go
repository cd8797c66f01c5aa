package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/scenarios"
	"github.com/concviz/concviz/server"
)

// editServer serves the pages and runs, and builds programs from the page
// for browsers on this machine (-edit=local), as `concviz serve` does: its
// pages of built programs are drawn as a scenario's.
func editServer(t *testing.T) string {
	t.Helper()
	return editServerFor(t, server.EditLocal)
}

// editServerFor is editServer with the given -edit.
func editServerFor(t *testing.T, edit server.EditMode) string {
	t.Helper()
	b := server.NewBuilder(server.BuildLimits{}, nil, "")
	// The engine compiled once into Go's cache: the first build in a test
	// is then the program's own, as a server that warmed up at start.
	require.NoError(t, b.Warm(t.Context()), "warm the builder")
	lookup := func(id string) (*scenarios.Scenario, bool) {
		if sc, ok := b.Lookup(id); ok {
			return sc, true
		}
		return testLookup(id)
	}
	srv := server.New(server.Options{Page: New(Options{Lookup: lookup}), Scenarios: testLookup, Builder: b, Edit: edit})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	return ts.URL
}

// longPoll waits for expr across navigations, for as long as a build may take.
func longPoll(t *testing.T, ctx context.Context, expr, why string) {
	t.Helper()
	pollFor(t, ctx, 60*time.Second, expr, why, `JSON.stringify({path: location.pathname, status: document.querySelector(".ed-status")?.textContent, error: document.querySelector(".ed-error")?.textContent, notice: document.querySelector("#notice")?.textContent})`)
}

// caretAfter opens the editor (if closed) and puts the caret after the
// first occurrence of text in it.
func caretAfter(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	ok := eval[bool](t, ctx, fmt.Sprintf(`(() => { const ta = document.querySelector(".ed-text"); const i = ta.value.indexOf(%q); if (i < 0) return false; ta.focus(); ta.setSelectionRange(i + %d, i + %d); return true; })()`, text, len(text), len(text)))
	require.True(t, ok, "the editor holds %q", text)
}

// enter presses Enter as a keyboard does: one keydown that carries its
// text, so that a page that prevents the keydown gets no newline
// (chromedp.KeyEvent sends the text as a separate char event, which the
// browser inserts whatever the page did).
func enter(t *testing.T, ctx context.Context, mods kb.Modifier) {
	t.Helper()
	key := input.DispatchKeyEventParams{Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13, Modifiers: int64(mods)}
	down, up := key, key
	down.Type, down.Text, down.UnmodifiedText = input.DispatchKeyEventTypeKeyDown, "\r", "\r"
	up.Type = input.DispatchKeyEventTypeKeyUp
	require.NoError(t, chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, k := range []input.DispatchKeyEventParams{down, up} {
			if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, k); err != nil {
				return err
			}
		}
		return nil
	})))
}

// runKey presses Ctrl+Enter in the editor.
func runKey(t *testing.T, ctx context.Context) {
	t.Helper()
	enter(t, ctx, kb.ModifierCtrl)
}

// closerEdit edits the §6 pool on the page into the fixed one: after
// close(jobs), a goroutine closes results once the workers are done. The
// keys are typed: Enter keeps the line's indentation.
func closerEdit(t *testing.T, ctx context.Context, mark string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`.code-tools [data-edit="edit"]`)))
	poll(t, ctx, `!document.querySelector(".editor").hidden && document.querySelector("pre.source").hidden`, "Edit opens the editor")
	assert.Zero(t, eval[int](t, ctx, `document.querySelector(".ed-text").scrollTop`), "at the program's first line")
	caretAfter(t, ctx, "close(jobs)")
	enter(t, ctx, 0)
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent("go func() { wg.Wait(); close(results) }()"+mark)))
}

// runToFirstEvent is how long the page says it took from Run to the run's first event.
func runToFirstEvent(t *testing.T, ctx context.Context) (ms int, cached string) {
	t.Helper()
	poll(t, ctx, `document.body.dataset.runToFirstEvent !== undefined`, "the page measures the Run")
	return eval[int](t, ctx, `Number(document.body.dataset.runToFirstEvent)`), eval[string](t, ctx, `document.body.dataset.runCached`)
}

func TestBrowserEditThePoolRunItAndBreakIt(t *testing.T) {
	alloc := chromium(t)
	base := editServer(t)
	ctx := tab(t, alloc)
	open(t, ctx, base+"/s/worker-pool-deadlock?seed=3")
	ready(t, ctx)
	require.Equal(t, "deadlock", eval[string](t, ctx, "concviz.outcome"))

	// A comment no build has seen makes this Run a first build.
	closerEdit(t, ctx, fmt.Sprintf(" // %d", time.Now().UnixNano()))
	runKey(t, ctx)
	longPoll(t, ctx, `location.pathname.startsWith("/s/p-") && window.concviz && concviz.ready`, "Run builds the program and opens it")
	first, cached := runToFirstEvent(t, ctx)
	t.Logf("Run to first event, a new program: %d ms (cached %s)", first, cached)
	assert.Equal(t, "false", cached)
	assert.True(t, strings.HasPrefix(eval[string](t, ctx, "location.hash"), "#src="), "the link carries the program")
	assert.Contains(t, eval[string](t, ctx, "location.search"), "seed=3", "the seed comes along")
	assert.Contains(t, eval[string](t, ctx, `document.querySelector("#source").textContent`), "close(results)", "the code panel shows the edited program")
	assert.Positive(t, eval[int](t, ctx, `document.querySelectorAll("#source .line .k").length`), "highlighted, as the catalog's")
	assert.True(t, eval[bool](t, ctx, `document.querySelector('.cap[data-cap="results"]') !== null`), "its channels are resizable as the catalog's")
	key(t, ctx, kb.End)
	assert.Equal(t, "ok", eval[string](t, ctx, "concviz.outcome"))
	out := strings.Fields(eval[string](t, ctx, `document.querySelector("#console").textContent`))
	assert.ElementsMatch(t, []string{"1", "4", "9", "16", "25"}, out, "the five squares")
	assert.Contains(t, eval[string](t, ctx, `document.querySelector("#outcome-badge").textContent`), "finished")
	assert.True(t, strings.HasPrefix(eval[string](t, ctx, `document.querySelector("#L31 .lc").textContent`), "\tgo func() { wg.Wait(); close(results) }()"), "Enter kept the indentation")
	shot(t, ctx, "edit-pool-fixed")

	// Run it again unchanged: built before.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`.code-tools [data-edit="edit"]`)))
	runKey(t, ctx)
	longPoll(t, ctx, `document.body.dataset.runCached === "true" && concviz.ready`, "a second Run of the same program")
	again, _ := runToFirstEvent(t, ctx)
	t.Logf("Run to first event, built before: %d ms; %s", again, eval[string](t, ctx, `JSON.stringify(performance.getEntries().filter(e => e.entryType === "mark" || e.entryType === "navigation").map(e => [e.name, Math.round(e.startTime), Math.round(e.responseEnd ?? 0), Math.round(e.domContentLoadedEventEnd ?? 0)]))`))

	// A typo: Go's error, on its line, in the editor.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`.code-tools [data-edit="edit"]`)))
	caretAfter(t, ctx, "results <- j * j")
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent("j")))
	path := eval[string](t, ctx, "location.pathname")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`.code-tools [data-edit="run"]`)))
	longPoll(t, ctx, `!document.querySelector(".ed-error").hidden`, "the build's error shows")
	msg := eval[string](t, ctx, `document.querySelector(".ed-error").textContent`)
	assert.Regexp(t, `^main\.go:10:\d+: undefined: jj`, msg, "Go's words, at the line")
	assert.Equal(t, "10", eval[string](t, ctx, `document.querySelector(".ed-gutter .ed-err")?.textContent ?? ""`), "line 10 is marked")
	assert.False(t, eval[bool](t, ctx, `document.querySelector(".ed-band").hidden`), "and its band drawn")
	assert.Equal(t, path, eval[string](t, ctx, "location.pathname"), "the page stays")
	shot(t, ctx, "edit-pool-typo")

	// A refused import: the server's sentence, at its line.
	eval[bool](t, ctx, `(() => { const ta = document.querySelector(".ed-text"); ta.focus(); ta.select(); return document.execCommand("insertText", false, 'package main\n\nimport "os/exec"\n\nfunc main() { exec.Command("ls").Run() }\n'); })()`)
	runKey(t, ctx)
	longPoll(t, ctx, `document.querySelector(".ed-error").textContent.includes("os/exec")`, "the refusal shows")
	assert.Regexp(t, `^main\.go:3:8: import "os/exec" is not allowed: `, eval[string](t, ctx, `document.querySelector(".ed-error").textContent`))
	assert.Equal(t, "3", eval[string](t, ctx, `document.querySelector(".ed-gutter .ed-err")?.textContent ?? ""`))

	// Reset goes back to the scenario the editing started from.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`.code-tools [data-edit="reset"]`)))
	longPoll(t, ctx, `location.pathname === "/s/worker-pool-deadlock" && window.concviz && concviz.ready`, "Reset")
}

func TestBrowserNewProgramAndItsLinkOnAnotherServer(t *testing.T) {
	alloc := chromium(t)
	base, other := editServer(t), editServer(t)
	ctx := tab(t, alloc)
	open(t, ctx, base+"/s/worker-pool-deadlock?seed=4&policy=fifo")
	ready(t, ctx)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`.code-tools [data-edit="new"]`)))
	poll(t, ctx, `document.querySelector(".ed-text").value.includes("ch := make(chan string)")`, "New program starts from the template")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`.code-tools [data-edit="run"]`)))
	longPoll(t, ctx, `location.pathname.startsWith("/s/p-") && window.concviz && concviz.ready`, "the template runs")
	assert.Equal(t, "ok", eval[string](t, ctx, "concviz.outcome"))
	assert.Equal(t, "fifo", eval[string](t, ctx, "concviz.settings.policy"), "the settings come along")
	total := eval[int](t, ctx, "concviz.total")
	require.Greater(t, total, 4)
	step := total - 3
	eval[any](t, ctx, fmt.Sprintf("concviz.go(%d)", step))
	poll(t, ctx, fmt.Sprintf(`location.search.includes("step=%d")`, step), "the URL follows the step")
	want := look(t, ctx)
	link := eval[string](t, ctx, "location.href")

	// Its exports are a catalog scenario's, named by the program's id.
	id := strings.TrimPrefix(eval[string](t, ctx, "location.pathname"), "/s/")
	exported := eval[map[string]string](t, ctx, `Promise.all(["json", "trace", "html"].map(k => concviz.exportText(k))).then(([json, trace, html]) => ({json, trace, html}))`, chromedp.EvalAwaitPromise)
	var rec struct {
		Scenario struct{ ID, Title, Source string }
	}
	require.NoError(t, json.Unmarshal([]byte(exported["json"]), &rec))
	assert.Equal(t, id, rec.Scenario.ID)
	assert.Equal(t, "Your program", rec.Scenario.Title)
	assert.Equal(t, server.ProgramID([]byte(rec.Scenario.Source)), id, "the recording carries the program's source (EXPORT.md)")
	assert.Contains(t, exported["trace"], `"traceEvents"`)
	assert.Contains(t, exported["trace"], `"name":"thread_name","ph":"M"`, "a track per goroutine")
	assert.Contains(t, exported["html"], "ch := make(chan string)", "the standalone page shows the program")
	require.Contains(t, link, "#src=", "the link keeps its program")

	// A fresh browser, a server that never built it: the link builds it
	// there and shows the same program, settings, step and state.
	fresh := tab(t, alloc)
	open(t, fresh, other+strings.TrimPrefix(link, base))
	longPoll(t, fresh, `window.concviz && concviz.ready`, "the link builds its program on another server")
	got := look(t, fresh)
	assert.Equal(t, want, got)
	assert.Equal(t, "fifo", eval[string](t, fresh, "concviz.settings.policy"))
	assert.Equal(t, eval[string](t, ctx, `document.querySelector("#source").textContent`), eval[string](t, fresh, `document.querySelector("#source").textContent`))
	shot(t, fresh, "edit-link-elsewhere")
}

func TestBrowserClassSeesThePresentersEditedProgram(t *testing.T) {
	alloc := chromium(t)
	base := editServer(t)
	pres := presenting(t, alloc, base+"/s/worker-pool-deadlock?seed=6")
	code := eval[string](t, pres, "concviz.room.code")
	viewer := tab(t, alloc)
	open(t, viewer, base+"/r/"+code)
	poll(t, viewer, `concviz.room && concviz.room.following && concviz.ready`, "the viewer follows")
	sameAsPresenter(t, "joining", pres, viewer)

	closerEdit(t, pres, "")
	runKey(t, pres)
	longPoll(t, pres, `location.pathname.startsWith("/s/p-") && concviz.ready && concviz.room.role === "presenter"`, "the presenter runs the edited program, still presenting")
	id := eval[string](t, pres, "location.pathname")
	longPoll(t, viewer, fmt.Sprintf(`location.pathname === %q && window.concviz && concviz.ready`, id), "the class goes to the edited program")
	key(t, pres, kb.End)
	shown := sameAsPresenter(t, "the edited program", pres, viewer)
	assert.Contains(t, shown.Console, "25")
	assert.Contains(t, eval[string](t, viewer, `document.querySelector("#source").textContent`), "close(results)")
	poll(t, viewer, `location.hash.startsWith("#src=")`, "the viewer's link carries the program too")

	// A viewer who edits explores alone.
	require.NoError(t, chromedp.Do(viewer, chromedp.Click(`.code-tools [data-edit="edit"]`)))
	poll(t, viewer, `concviz.room.following === false`, "a viewer who edits detaches")
	shot(t, viewer, "edit-room-viewer")
}

// TestProgramIDsAreTheServers: the page tells a program's id from a
// catalog scenario's as the server names programs.
func TestProgramIDsAreTheServers(t *testing.T) {
	assert.True(t, isProgramID(server.ProgramID([]byte("package main\n"))))
	for _, s := range scenarios.All() {
		assert.False(t, isProgramID(s.ID), s.ID)
	}
}

// TestUnbuiltProgramPageBuildsFromItsLink: the page of a program this
// server has not built is a 404 that builds it from the link's fragment
// (static/rebuild.js), and says what to do without one.
func TestUnbuiltProgramPageBuildsFromItsLink(t *testing.T) {
	res, body := get(t, testHandler(), "/s/"+server.ProgramID([]byte("package main\n")))
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Contains(t, body, `<script type="module" src="/static/rebuild.js"></script>`)
	assert.Contains(t, body, "#src=")
	_, body = get(t, testHandler(), "/s/no-such-thing")
	assert.NotContains(t, body, "rebuild.js", "a catalog id that is not there builds nothing")
}

func TestBrowserEditingClosedSaysWhy(t *testing.T) {
	ctx := tab(t, chromium(t))
	open(t, ctx, editServerFor(t, server.EditOff)+"/s/worker-pool-deadlock")
	ready(t, ctx)
	poll(t, ctx, `document.querySelector(".code-tools").dataset.mayBuild === "false"`, "the page asks whether it may build")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`.code-tools [data-edit="edit"]`)))
	poll(t, ctx, `!document.querySelector("#notice").hidden`, "Edit explains")
	assert.Contains(t, eval[string](t, ctx, `document.querySelector("#notice").textContent`), "concviz serve -edit=off", "the server's sentence")
	assert.True(t, eval[bool](t, ctx, `document.querySelector(".editor").hidden`), "no editor opens")
}
