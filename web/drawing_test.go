package web

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dotsShown compares the crowd's canvas with the graph exported as SVG,
// where every dot is a path again: for each dot with a fill, the colour of
// the canvas's pixel under the dot's centre against the path's fill. It
// also gives the centre on screen of the dot of goroutine pick, if any.
const dotsShown = `(async (pick) => {
	const svg = await concviz.exportText("svg");
	const host = document.createElement("div");
	host.style.cssText = "position:absolute;left:0;top:0;visibility:hidden";
	host.innerHTML = svg;
	document.body.append(host);
	const fo = document.querySelector("#graph foreignObject.crowd-dots");
	const cv = fo.querySelector("canvas");
	const [fx, fy, fw, fh] = ["x", "y", "width", "height"].map((a) => Number(fo.getAttribute(a)));
	const ctx = cv.getContext("2d");
	const r = cv.getBoundingClientRect();
	const out = { dots: 0, checked: 0, colours: [], wrong: [], at: null };
	for (const p of host.querySelectorAll("path.gdot")) {
		out.dots++;
		const b = p.getBBox();
		const cx = b.x + b.width / 2, cy = b.y + b.height / 2;
		if (Number(p.dataset.run) === pick) out.at = { x: r.left + ((cx - fx) / fw) * r.width, y: r.top + ((cy - fy) / fh) * r.height };
		const fill = getComputedStyle(p).fill;
		if (!fill.startsWith("rgb")) continue;
		const want = fill.match(/\d+/g).map(Number);
		const got = ctx.getImageData(Math.floor(((cx - fx) * cv.width) / fw), Math.floor(((cy - fy) * cv.height) / fh), 1, 1).data;
		out.checked++;
		if (!out.colours.includes(fill)) out.colours.push(fill);
		if (got[3] < 200 || want.some((v, i) => Math.abs(v - got[i]) > 12)) out.wrong.push(p.getAttribute("class") + " wants " + fill + ", canvas has " + [...got].join(","));
	}
	host.remove();
	return JSON.stringify(out);
})`

type dots struct {
	Dots, Checked int
	Colours       []string
	Wrong         []string
	At            *struct{ X, Y float64 }
}

func shownDots(t *testing.T, ctx context.Context, pick int) dots {
	t.Helper()
	var d dots
	require.NoError(t, json.Unmarshal([]byte(eval[string](t, ctx, fmt.Sprintf("%s(%d)", dotsShown, pick), chromedp.EvalAwaitPromise)), &d))
	return d
}

// TestBrowserCrowdDotsOnCanvas checks the canvas a crowd's dots are drawn
// on (a hundred goroutines in mutex-counter): at steps over the run each
// dot has the colour of its state, as the SVG export of the same view says;
// a ready dot is a button, with a tooltip, that runs that goroutine next.
func TestBrowserCrowdDotsOnCanvas(t *testing.T) {
	ctx := tab(t, chromium(t))
	open(t, ctx, liveServer(t)+"/s/mutex-counter")
	ready(t, ctx)
	require.Equal(t, 1, eval[int](t, ctx, `document.querySelectorAll("#graph canvas[data-crowd]").length`), "the workers are a crowd on a canvas")
	total := eval[int](t, ctx, "concviz.total")
	for _, step := range []int{total / 3, total / 2, total} {
		eval[bool](t, ctx, fmt.Sprintf("(concviz.go(%d), true)", step))
		d := shownDots(t, ctx, 0)
		assert.Equal(t, 100, d.Dots, "step %d: a dot per worker", step)
		t.Logf("step %d: %d dots, %d filled, in %v", step, d.Dots, d.Checked, d.Colours)
		assert.Greater(t, d.Checked, 20, "step %d: many dots are filled", step)
		assert.Empty(t, d.Wrong, "step %d: every dot on the canvas as in the SVG", step)
		if step == total/2 {
			assert.GreaterOrEqual(t, len(d.Colours), 2, "mid-run, dots in several states: %v", d.Colours)
		}
	}

	// A step where a worker may be chosen to run next.
	var at struct{ Step, ID int }
	require.NoError(t, json.Unmarshal([]byte(eval[string](t, ctx, `JSON.stringify((() => {
		for (let n = 1; n < concviz.total; n++) {
			concviz.go(n);
			const b = [...document.querySelectorAll("#choose:not([hidden]) button[data-run]")].find((b) => b.dataset.run !== "1");
			if (b) return { step: n, id: Number(b.dataset.run) };
		}
		return { step: -1, id: 0 };
	})())`)), &at))
	require.Positive(t, at.Step, "some step lets the user choose a worker")
	// The offer of who runs next takes room from the graph, which is fitted
	// again when the browser has laid the page out: where the dot is, is
	// known after that.
	eval[bool](t, ctx, `new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))`, chromedp.EvalAwaitPromise)
	d := shownDots(t, ctx, at.ID)
	require.NotNil(t, d.At, "worker %d's dot is a button in the SVG", at.ID)
	require.NoError(t, chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseMoved, d.At.X, d.At.Y)))
	assert.Contains(t, eval[string](t, ctx, `document.querySelector("#graph canvas[data-crowd]").title`), "Click to run it next", "the dot's tooltip")
	require.NoError(t, chromedp.Do(ctx, chromedp.MouseClickXY(d.At.X, d.At.Y)))
	poll(t, ctx, fmt.Sprintf(`concviz.ready && concviz.step === %d && concviz.settings.interventions.some((iv) => iv.step === %d && iv.run === %d)`, at.Step+1, at.Step, at.ID), "a click on the dot runs that worker next")
	assert.Equal(t, at.ID, eval[int](t, ctx, "concviz.state.last.g"), "the step taken is the chosen worker's")
}

// TestBrowserSliderDrag drags the slider as a hand does (input events,
// then change when let go): each input shows its step at once, and the
// link and the code's badges hold the step where the slider was let go.
// (While it moves, the page writes the link and the badges less often than
// it steps: that is not asserted, as it depends on timing.)
func TestBrowserSliderDrag(t *testing.T) {
	ctx := tab(t, chromium(t))
	open(t, ctx, liveServer(t)+"/s/worker-pool-deadlock?step=3")
	ready(t, ctx)
	drag := func(step int, event string) {
		eval[bool](t, ctx, fmt.Sprintf(`(() => { const s = document.querySelector("#scrub"); s.value = "%d"; s.dispatchEvent(new Event(%q, { bubbles: true })); return true; })()`, step, event))
	}
	for _, step := range []int{10, 20, 30} {
		drag(step, "input")
		assert.Equal(t, step, eval[int](t, ctx, "concviz.step"), "the page follows the slider")
	}
	drag(30, "change")
	poll(t, ctx, `location.search.includes("step=30")`, "the link holds the step where the slider was let go")
	badges := `[...document.querySelectorAll(".badges")].map((b) => b.textContent).join("|")`
	let := eval[string](t, ctx, badges)
	eval[bool](t, ctx, "(concviz.redraw(), true)")
	assert.Equal(t, eval[string](t, ctx, badges), let, "the code shows where the slider was let go")
}

// canonical is what the graph and the code's badges show: the SVG layers'
// pieces, as strings that do not depend on the order of attributes (a
// piece changed in place gets new attributes last, one drawn afresh in the
// markup's order), each crowd canvas's pixels, and the badges.
const canonical = `() => {
	const canon = ` + canonNode + `;
	return JSON.stringify({
		// Each layer's pieces as a set: their order matters only where they
		// overlap, which they do not.
		graph: ["edges", "waits", "crowds", "nodes"].map((l) => [...document.querySelector("#graph > g." + l).childNodes].map(canon).sort()),
		dots: [...document.querySelectorAll("#graph canvas")].map((c) => c.toDataURL()),
		badges: [...document.querySelectorAll(".badges")].map(canon),
	});
}`

// canonNode is a node as a string that does not depend on the order of
// its attributes (one set in place comes last, one parsed in the markup's
// order), in JavaScript.
const canonNode = `function canon(n) {
	if (n.nodeType === 3) return JSON.stringify(n.data);
	if (n.nodeType !== 1) return "";
	const attrs = [...n.attributes].map((a) => a.name + "=" + JSON.stringify(a.value)).sort().join(" ");
	return "<" + n.tagName + " " + attrs + ">" + [...n.childNodes].map(canon).join("") + "</>";
}`

// TestBrowserDrawnStepByStepEqualsDrawnAfresh walks runs one step at a
// time, as playing does, where each step changes the pieces on screen in
// place (morphed, patched, dots repainted), and compares what is on screen
// at points on the way with the same step drawn afresh on an empty page.
func TestBrowserDrawnStepByStepEqualsDrawnAfresh(t *testing.T) {
	alloc := chromium(t)
	base := liveServer(t)
	for _, id := range []string{"worker-pool-deadlock", "fan-out-fan-in", "mutex-counter", "dining-philosophers", "context-timeout"} {
		t.Run(id, func(t *testing.T) {
			ctx := tab(t, alloc)
			open(t, ctx, base+"/s/"+id+"?step=0")
			ready(t, ctx)
			total := eval[int](t, ctx, "concviz.total")
			for _, at := range []int{total / 5, total / 2, total - 1, total} {
				// In one go, so that nothing (the graph's box changing size as
				// the choice of who runs next comes and goes) redraws it all in
				// between.
				var shown struct{ Walked, Afresh string }
				require.NoError(t, json.Unmarshal([]byte(eval[string](t, ctx, fmt.Sprintf(`(() => {
					const canonical = %s;
					for (let n = concviz.step + 1; n <= %d; n++) concviz.go(n);
					const walked = canonical();
					concviz.redraw();
					return JSON.stringify({ walked, afresh: canonical() });
				})()`, canonical, at))), &shown))
				require.Equal(t, at, eval[int](t, ctx, "concviz.step"))
				assert.JSONEq(t, shown.Afresh, shown.Walked, "step %d of %d", at, total)
			}
		})
	}
}

// TestBrowserMorphMarkupMatchesParsing changes a piece on screen from one
// markup to another in place (static/morph.js morphMarkup) and compares it
// with the new markup parsed afresh; where the two differ in shape the
// piece must be left as it was, and morphMarkup must say so. (Attributes
// are compared in name order: one added in place comes last.) A text that
// stays keeps its node: only a text where there was none is a new one.
func TestBrowserMorphMarkupMatchesParsing(t *testing.T) {
	ctx := tab(t, chromium(t))
	open(t, ctx, liveServer(t)+"/s/worker-pool-fixed?step=0")
	ready(t, ctx)
	card := func(line2, line3 string) string {
		return `<g class="gnode" data-g="2"><title>w: ` + line2 + `</title>
    <rect class="card" width="90" height="62"/><text x="14" y="39" class="gstate">` + line2 + `</text>
    <text x="14" y="55" class="gline">` + line3 + `</text></g>`
	}
	tests := []struct {
		name     string
		was, now string
		morphs   bool
		newTexts int // text nodes made: one for each element that had no text
	}{
		{"a text changed", card("running", "line 3"), card("blocked", "line 4"), true, 0},
		{"an empty line filled", card("running", ""), card("blocked", "holds 7 · line 9"), true, 1},
		{"a line emptied", card("blocked", "holds 7 · line 9"), card("done", ""), true, 0},
		{"escaped text", card("a &lt; b", ""), card("x &amp; y", "&quot;q&quot; &gt;"), true, 1},
		{"an attribute's value", `<g class="chan" data-chan="3"><rect width="10"/><text>1</text></g>`, `<g class="chan closed" data-chan="3"><rect width="12"/><text>2</text></g>`, true, 0},
		{"attributes come and go", `<g class="gnode"><rect width="10"/></g>`, `<g class="gnode choosable" role="button" tabindex="0" data-run="2"><rect width="10" rx="2"/></g>`, true, 0},
		{"attributes go", `<g class="gnode choosable" role="button" tabindex="0" data-run="2"><rect width="10" rx="2"/></g>`, `<g class="gnode"><rect width="10"/></g>`, true, 0},
		{"another tag", `<g class="chan"><rect width="10"/></g>`, `<g class="chan"><circle r="10"/></g>`, false, 0},
		{"a child more", `<g class="chan"><text>1</text></g>`, `<g class="chan"><text>1</text><text>2</text></g>`, false, 0},
		{"text beside an element comes", `<g><text><tspan>a</tspan></text></g>`, `<g><text>b<tspan>a</tspan></text></g>`, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got struct {
				Morphed       bool
				Shown, Parsed string
				NewTexts      int
			}
			js := fmt.Sprintf(`(async (was, now) => {
				const { morphMarkup } = await import("/static/morph.js");
				const svg = (html) => {
					const g = document.createElementNS("http://www.w3.org/2000/svg", "g");
					g.innerHTML = html;
					return g;
				};
				const canonical = %s;
				const texts = (root) => { const w = document.createTreeWalker(root, 4), out = []; while (w.nextNode()) out.push(w.currentNode); return out; };
				const host = svg(was);
				const before = new Set(texts(host));
				const morphed = morphMarkup(host.firstElementChild, was, now);
				const newTexts = texts(host).filter((n) => !before.has(n)).length;
				return JSON.stringify({ morphed, shown: canonical(host), parsed: canonical(svg(morphed ? now : was)), newTexts });
			})(%q, %q)`, canonNode, tt.was, tt.now)
			require.NoError(t, json.Unmarshal([]byte(eval[string](t, ctx, js, chromedp.EvalAwaitPromise)), &got))
			assert.Equal(t, tt.morphs, got.Morphed)
			assert.Equal(t, got.Parsed, got.Shown, "on screen after morphMarkup")
			assert.Equal(t, tt.newTexts, got.NewTexts, "text nodes made rather than changed")
		})
	}
}
