package web

import (
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestZZBetween(t *testing.T) {
	if os.Getenv("CONCVIZ_BENCH") == "" {
		t.Skip()
	}
	ctx := userTab(t, chromium(t))
	srv := liveServer(t)
	open(t, ctx, srv+"/s/bench-1000?step=0")
	ready(t, ctx)
	scrubJumps(t, ctx, 20)
	t.Logf("%s", eval[string](t, ctx, `(async () => {
		const frame = () => new Promise((r) => requestAnimationFrame(() => { const ch = new MessageChannel(); ch.port1.onmessage = () => r(); ch.port2.postMessage(0); }));
		const task = () => new Promise((r) => setTimeout(r, 0));
		let phase = "x"; const zz = {};
		new MutationObserver((ms) => { for (const m of ms) { let n = m.target; while (n && !(n.id)) n = n.parentNode; const k = phase + " " + (n ? n.id : "?") + ":" + m.type + (m.attributeName ? "." + m.attributeName : ""); zz[k] = (zz[k] || 0) + 1; } }).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
		const slider = document.querySelector("#scrub");
		let x = 12345;
		for (let i = 0; i < 50; i++) {
			x = (x * 1103515245 + 12345) % 2147483648;
			phase = "before"; await frame(); await task(); await new Promise((r) => setTimeout(r, 0));
			phase = "jump"; slider.value = String(x % (concviz.total + 1)); slider.dispatchEvent(new Event("input", { bubbles: true }));
			await new Promise((r) => setTimeout(r, 0));
			phase = "after"; await frame();
		}
		slider.dispatchEvent(new Event("change", { bubbles: true }));
		await new Promise((r) => setTimeout(r, 0));
		return JSON.stringify(zz);
	})()`, chromedp.EvalAwaitPromise))
}
