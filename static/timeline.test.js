import { test } from "node:test";
import assert from "node:assert/strict";
import { geometry, timeTicks, spread, drawTimeline } from "./timeline.js";
import { lanes } from "./fold.js";
import { row, handLog, chan, gor } from "./testkit.js";

test("geometry: each step owns a cell, and a click lands on the step under it", () => {
  for (const [steps, width] of [[50, 700], [3, 400], [124164, 640], [0, 320]]) {
    const g = geometry(steps, width);
    for (const n of [0, 1, Math.floor(steps / 2), steps]) {
      if (n > steps) continue;
      const left = g.X(n);
      assert.equal(g.stepAt(left + g.cell * 0.01), n, `${steps} steps: just inside the left edge of ${n}`);
      assert.equal(g.stepAt(left + g.cell * 0.5), n, `${steps} steps: the middle of ${n}`);
      assert.equal(g.stepAt(left + g.cell * 0.99), n, `${steps} steps: just inside the right edge of ${n}`);
    }
    assert.equal(g.stepAt(0), 0, "left of the lanes: the first step");
    assert.equal(g.stepAt(width + 50), steps, "right of them: the last");
    assert.ok(g.X(steps) + g.cell <= Math.max(320, width), "the last step's cell fits");
  }
});

test("timeTicks: round times where the clock first reaches them", () => {
  const ms = 1e6;
  const ev = (t) => [t];
  // The clock jumps: 0, 0, 40ms, 90ms, 150ms, 260ms, 500ms.
  const events = [0, 0, 40, 90, 150, 260, 500].map((t) => ev(t * ms));
  const ticks = timeTicks(events, 5);
  assert.deepEqual(ticks[0], { step: 0, time: 0 });
  assert.deepEqual(ticks.map((t) => t.step), [0, 5, 6, 7], "every 100ms: first reached at steps 5 (150ms), 6 (260ms) and 7 (500ms)");
  assert.deepEqual(ticks.map((t) => t.time / ms), [0, 150, 260, 500], "labelled with the clock at those steps");
  assert.deepEqual(timeTicks([ev(0), ev(0)]), [], "no ticks when the clock never moves");
  assert.deepEqual(timeTicks([]), []);
  const many = Array.from({ length: 1000 }, (_, i) => ev(i * 1e6));
  assert.ok(timeTicks(many, 6).length <= 8, "about as many as asked for");
});

test("spread drops labels that would crowd the one before", () => {
  const ticks = [0, 1, 2, 10, 11, 30].map((step) => ({ step, time: step }));
  assert.deepEqual(spread(ticks, (s) => s * 10, 46).map((t) => t.step), [0, 10, 30]);
});

test("drawTimeline: lanes, hand-offs on the edge of their step, a time axis", () => {
  const rows = [
    row("make", 1, { obj: 1, value: 0 }),
    row("go", 1, { peer: 2 }),
    row("recv.block", 2, { obj: 1, reason: "chan receive" }),
    row("sleep", 1, { value: 100e6, time: 0, reason: "sleep" }),
    row("wake", 1, { time: 100e6 }),
    row("send", 1, { obj: 1, peer: 2, value: 7, time: 100e6 }),
    row("recv.done", 2, { obj: 1, peer: 1, value: 7, flag: 1, time: 100e6 }),
  ];
  const log = handLog(rows, { objects: [chan(1, "c", 0)], goroutines: [gor(2, "main.worker")] });
  const svg = { attrs: {}, setAttribute(k, v) { this.attrs[k] = v; }, innerHTML: "", dataset: {}, parentNode: null };
  const geo = drawTimeline(svg, lanes(log), new Map([[1, "main"], [2, "worker 2"]]), { width: 500, ticks: timeTicks(log.events) });
  assert.match(svg.innerHTML, /class="tl-handoff" x1="([\d.]+)"/);
  const x = Number(/class="tl-handoff" x1="([\d.]+)"/.exec(svg.innerHTML)[1]);
  assert.ok(Math.abs(x - geo.X(6)) < 0.1, "the hand-off (event 6) sits where step 6 begins");
  assert.match(svg.innerHTML, />100ms</, "the clock's 100ms on the axis");
  assert.match(svg.innerHTML, />7 steps</);
  assert.match(svg.innerHTML, />worker 2</);
  assert.equal(svg.attrs.viewBox, `0 0 500 ${geo.H}`);
});
