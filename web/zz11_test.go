package web

import (
	"os"
	"testing"
)

func TestZZDraw(t *testing.T) {
	if os.Getenv("CONCVIZ_BENCH") == "" {
		t.Skip()
	}
	ctx := userTab(t, chromium(t))
	srv := liveServer(t)
	open(t, ctx, srv+"/s/bench-1000?step=0")
	ready(t, ctx)
	t.Logf("%s", eval[string](t, ctx, `(() => {
		const cv = document.createElement("canvas"); cv.width = 600; cv.height = 400; document.body.append(cv);
		const c = cv.getContext("2d");
		const mk = (col) => { const s = document.createElement("canvas"); s.width = 9; s.height = 9; const x = s.getContext("2d"); x.fillStyle = col; x.beginPath(); x.arc(4.5, 4.5, 4, 0, 7); x.fill(); return s; };
		const stamps = ["red", "blue", "green", "#888"].map(mk);
		const bms = stamps.map((s) => { const o = new OffscreenCanvas(9, 9); o.getContext("2d").drawImage(s, 0, 0); return o.transferToImageBitmap(); });
		const run = (src) => { const a = performance.now(); for (let r = 0; r < 20; r++) { c.clearRect(0, 0, 600, 400); for (let i = 0; i < 1000; i++) c.drawImage(src[(i * 7 + r) % 4], (i % 50) * 12, Math.floor(i / 50) * 12); } return (performance.now() - a) / 20; };
		const path = () => { const a = performance.now(); for (let r = 0; r < 20; r++) { c.clearRect(0, 0, 600, 400); for (let k = 0; k < 4; k++) { c.fillStyle = ["red", "blue", "green", "#888"][k]; c.beginPath(); for (let i = 0; i < 1000; i++) if ((i * 7 + r) % 4 === k) { const x = (i % 50) * 12, y = Math.floor(i / 50) * 12; c.moveTo(x + 8.5, y + 4.5); c.arc(x + 4.5, y + 4.5, 4, 0, 7); } c.fill(); } } return (performance.now() - a) / 20; };
		const img = () => { const a = performance.now(); for (let r = 0; r < 20; r++) { const d = c.createImageData(600, 400); const u = new Uint32Array(d.data.buffer); for (let i = 0; i < 1000; i++) { const x = (i % 50) * 12, y = Math.floor(i / 50) * 12; const col = [0xff0000ff, 0xffff0000, 0xff00ff00, 0xff888888][(i * 7 + r) % 4]; for (let dy = 0; dy < 9; dy++) { const o = (y + dy) * 600 + x; for (let dx = 0; dx < 9; dx++) u[o + dx] = col; } } c.putImageData(d, 0, 0); } return (performance.now() - a) / 20; };
		const out = [];
		for (let k = 0; k < 3; k++) out.push({ canvas: run(stamps).toFixed(2), bitmap: run(bms).toFixed(2), path: path().toFixed(2), imagedata: img().toFixed(2) });
		return JSON.stringify(out);
	})()`))
}
