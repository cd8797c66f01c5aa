import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { newLog, addEvents, stateAt } from "./fold.js";
import { layout, render } from "./graph.js";
import { row, handLog, chan, gor } from "./testkit.js";

function poolLog() {
  const data = JSON.parse(readFileSync(new URL("./testdata/pool.json", import.meta.url)));
  const [runMsg, ...rest] = data.messages;
  const log = newLog(runMsg);
  for (const m of rest) if (m.type === "events") addEvents(log, m);
  return log;
}

test("worker pool: producer, jobs, workers, results, collector from left to right", () => {
  const lay = layout(poolLog(), "worker-pool");
  const x = (p) => p.x;
  const main = lay.pos.g.get(1);
  const jobs = lay.pos.c.get(1);
  const results = lay.pos.c.get(2);
  const workers = [2, 3, 4].map((id) => lay.pos.g.get(id));
  const collector = lay.pos.ghost.get(1);
  assert.ok(collector, "main, which also collects, gets a second card at the end");
  assert.ok(x(main) < x(jobs));
  for (const w of workers) assert.ok(x(jobs) < x(w) && x(w) < x(results));
  assert.ok(x(results) < x(collector));
  assert.equal(new Set(workers.map(x)).size, 1, "the workers are stacked in one column");
  assert.ok(lay.pos.o.has(3), "the WaitGroup sits on the shelf");
  for (const p of [main, jobs, results, collector, ...workers]) {
    assert.ok(p.x >= 0 && p.y >= 0 && p.x + p.w <= lay.width && p.y + p.h <= lay.height, "inside the picture");
  }
});

test("pipeline: stages in columns by data flow", () => {
  const rows = [
    row("make", 1, { obj: 1, value: 0 }), row("make", 1, { obj: 2, value: 0 }),
    row("go", 1, { peer: 2 }), row("go", 1, { peer: 3 }),
    row("send.block", 2, { obj: 1, value: 1 }),
    row("recv", 3, { obj: 1, peer: 2, value: 1, flag: 1 }),
    row("send.block", 3, { obj: 2, value: 2 }),
    row("recv", 1, { obj: 2, peer: 3, value: 2, flag: 1 }),
  ];
  const log = handLog(rows, { objects: [chan(1, "nums", 0), chan(2, "squares", 0)], goroutines: [gor(2, "main.gen"), gor(3, "main.sq")] });
  const lay = layout(log, "pipeline");
  const gen = lay.pos.g.get(2);
  const nums = lay.pos.c.get(1);
  const sq = lay.pos.g.get(3);
  const squares = lay.pos.c.get(2);
  assert.ok(gen.x < nums.x && nums.x < sq.x && sq.x < squares.x);
  assert.ok(lay.pos.ghost.get(1).x > squares.x, "main receives at the end of the pipeline");
});

test("free layout with locks and no channels: a round table", () => {
  const objects = [1, 2, 3].map((id) => ({ ID: id, Kind: 2, Name: `fork${id}` }));
  const goroutines = [2, 3, 4].map((id) => gor(id, "main.philosopher"));
  const rows = [row("go", 1, { peer: 2 }), row("go", 1, { peer: 3 }), row("go", 1, { peer: 4 }),
    row("lock", 2, { obj: 1 }), row("lock", 3, { obj: 2 }), row("lock", 4, { obj: 3 })];
  const lay = layout(handLog(rows, { objects, goroutines }), "free");
  assert.equal(lay.ring, true);
  const c = lay.pos.g.get(1);
  for (const id of [2, 3, 4]) assert.ok(Math.hypot(lay.pos.g.get(id).x - c.x, lay.pos.g.get(id).y - c.y) > 100, "philosophers sit round main");
});

test("wait-for edges and declarations read in either spelling", async () => {
  const { waitEdges } = await import("./fold.js");
  assert.deepEqual(waitEdges({ waitFor: [{ G: 1, Obj: 2, By: null }] }), [{ G: 1, Obj: 2, By: [] }]);
  assert.deepEqual(waitEdges({ waitFor: [{ g: 1, obj: 2, by: [3] }] }), [{ G: 1, Obj: 2, By: [3] }]);
  const log = newLog({ sites: [] });
  addEvents(log, { from: 0, events: [], objects: [{ id: 1, kind: 1, name: "c", cap: 2 }], goroutines: [{ id: 2, name: "main.w", parent: 1 }] });
  assert.equal(log.objects.get(1).Name, "c");
  assert.equal(log.objects.get(1).Cap, 2);
  assert.equal(log.goroutines.get(2).Name, "main.w");
});

test("a deadlock draws its wait-for graph", () => {
  const log = poolLog();
  const data = JSON.parse(readFileSync(new URL("./testdata/pool.json", import.meta.url)));
  log.outcome = data.messages.at(-1);
  const lay = layout(log, "worker-pool");
  const svg = { setAttribute() {}, innerHTML: "" };
  render(svg, lay, stateAt(log, log.events.length), log, { outcome: log.outcome, atEnd: true });
  assert.match(svg.innerHTML, /class="waitfor dead"/);
  assert.match(svg.innerHTML, /class="gnode blocked deadlocked/);
});
