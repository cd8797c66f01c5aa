import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { stateAt } from "./fold.js";
import { newLog, addEvents, names } from "./runlog.js";
import { render, scene, diff, markup } from "./graph.js";
import { layout, fit } from "./layout.js";
import { blockedLine } from "./pieces.js";
import { row, handLog, chan, gor, obj, crowdLog } from "./testkit.js";

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
    row("send.block", 2, { obj: 1, value: 1, reason: "chan send" }),
    row("recv", 3, { obj: 1, peer: 2, value: 1, flag: 1 }),
    row("send.block", 3, { obj: 2, value: 2, reason: "chan send" }),
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
  const objects = [1, 2, 3].map((id) => obj(id, "mutex", `fork${id}`));
  const goroutines = [2, 3, 4].map((id) => gor(id, "main.philosopher"));
  const rows = [row("go", 1, { peer: 2 }), row("go", 1, { peer: 3 }), row("go", 1, { peer: 4 }),
    row("lock", 2, { obj: 1 }), row("lock", 3, { obj: 2 }), row("lock", 4, { obj: 3 })];
  const lay = layout(handLog(rows, { objects, goroutines }), "free");
  assert.equal(lay.ring, true);
  const c = lay.pos.g.get(1);
  for (const id of [2, 3, 4]) assert.ok(Math.hypot(lay.pos.g.get(id).x - c.x, lay.pos.g.get(id).y - c.y) > 100, "philosophers sit round main");
});

test("wait-for edges and declarations read as the protocol spells them, in camelCase", async () => {
  const { waitEdges, objectKind } = await import("./runlog.js");
  assert.deepEqual(waitEdges({ waitFor: [{ g: 1, obj: 2, by: null }] }), [{ g: 1, obj: 2, by: [] }], "no one could release it: a dead end");
  assert.deepEqual(waitEdges({ waitFor: [{ g: 1, obj: 2, by: [3] }] }), [{ g: 1, obj: 2, by: [3] }]);
  const log = newLog({ sites: [] });
  addEvents(log, { from: 0, events: [], objects: [{ id: 1, kind: 1, name: "c", cap: 2 }], goroutines: [{ id: 2, name: "main.w", parent: 1 }] });
  assert.equal(log.objects.get(1).name, "c");
  assert.equal(log.objects.get(1).cap, 2);
  assert.equal(objectKind(log.objects.get(1)), "chan");
  assert.equal(objectKind({ id: 3, kind: 99 }), "object", "a kind this page does not know");
  assert.equal(log.goroutines.get(2).name, "main.w");
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

test("diff: the pieces to add, change and remove", () => {
  const prev = new Map([["a", "<g>1</g>"], ["b", "<g>2</g>"], ["c", "<g>3</g>"]]);
  const next = new Map([["a", "<g>1</g>"], ["c", "<g>3!</g>"], ["d", "<g>4</g>"]]);
  assert.deepEqual(diff(prev, next), { add: ["d"], change: ["c"], remove: ["b"] });
  assert.deepEqual(diff(next, next), { add: [], change: [], remove: [] });
});

test("a step changes only the pieces of the picture it touched", () => {
  const log = poolLog();
  const lay = layout(log, "worker-pool");
  let prev = scene(lay, stateAt(log, 0), log);
  for (let k = 1; k <= log.events.length; k++) {
    const s = stateAt(log, k);
    const sc = scene(lay, s, log);
    const e = s.last;
    const touched = new Set([e.g, e.peer].filter(Boolean));
    const changed = diff(prev.layers.nodes, sc.layers.nodes);
    for (const key of [...changed.change, ...changed.add]) {
      const [kind, id] = key.split(":");
      if (kind === "g" || kind === "ghost") {
        // A goroutine's card changes when the event is its own or a peer's,
        // or when it stops or starts running (another one took over).
        const x = s.gs[id];
        const was = stateAt(log, k - 1).gs[id];
        assert.ok(touched.has(Number(id)) || x?.state !== was?.state || x?.line !== was?.line || (s.running === Number(id)) !== (stateAt(log, k - 1).running === Number(id)), `step ${k} (${e.kind}) redrew ${key}`);
      }
      if (kind === "c" || kind === "o") assert.ok(Number(id) === e.obj || e.kind === "close" || changed.change.length < 6, `step ${k} (${e.kind}) redrew ${key}`);
    }
    assert.equal(markup(sc), markup(scene(lay, s, log)), "a scene is a function of the state");
    prev = sc;
  }
});

test("fit: the graph is placed to be as large as the view allows", () => {
  const log = poolLog();
  const lay = layout(log, "worker-pool");
  const scale = (l, w, h) => Math.min(w / l.width, h / l.height);
  for (const [w, h] of [[640, 400], [820, 520], [1100, 700], [480, 600]]) {
    const f = fit(lay, w, h);
    assert.ok(scale(f, w, h) >= scale(lay, w, h) - 1e-9, `${w}×${h}: no smaller than the roomy layout`);
    for (const m of [f.pos.g, f.pos.ghost, f.pos.c, f.pos.o]) {
      for (const p of m.values()) assert.ok(p.x >= 0 && p.y >= 0 && p.x + p.w <= f.width + 1e-6 && p.y + p.h <= f.height + 1e-6, "inside the picture");
    }
  }
  const small = fit(lay, 640, 400);
  assert.ok(scale(small, 640, 400) > scale(lay, 640, 400) * 1.1, "a small view gets a tighter layout, larger on screen");
  assert.equal(fit(lay, 640, 400), small, "fits are kept");
  assert.equal(fit(lay, 640, 360).placed, small.placed, "a view a little smaller keeps the picture (the choice panel came)");
  const big = fit(lay, 3000, 2000);
  assert.match(big.vb, /^-?[\d.]+ -?[\d.]+ [\d.]+ [\d.]+$/);
  const [, , vw] = big.vb.split(" ").map(Number);
  assert.ok(3000 / vw <= 1.6 + 1e-9, "a small graph grows, but not without bound");
});

test("a crowd: its dots in rows, ready ones clickable when they may run next", () => {
  const log = crowdLog();
  const lay = fit(layout(log, "worker-pool"), 800, 500);
  assert.equal(lay.crowds.length, 1, "sixty workers make a crowd");
  const s = stateAt(log, log.events.length);
  const sc = scene(lay, s, log, { choosable: new Set([42, 43]), names: names(log) });
  assert.equal(sc.layers.dots.size, 60, "a dot each");
  assert.match(sc.layers.dots.get(42), /data-run="42"/);
  assert.match(sc.layers.dots.get(42), /role="button"/);
  assert.doesNotMatch(sc.layers.dots.get(44), /data-run/, "only those the user may choose");
  assert.match(sc.layers.dots.get(2), /class="gdot blocked"/);
  assert.match([...sc.layers.crowds.values()].join(""), /60 × worker/);
  assert.match([...sc.layers.crowds.values()].join(""), /■ 40/);
});

test("a mutex shows a drawn padlock, shut while held, open when free", () => {
  const rows = [row("lock", 1, { obj: 1 }), row("unlock", 1, { obj: 1 })];
  const log = handLog(rows, { objects: [obj(1, "mutex", "mu")] });
  const lay = layout(log);
  const held = scene(lay, stateAt(log, 1), log).layers.nodes.get("o:1");
  const free = scene(lay, stateAt(log, 2), log).layers.nodes.get("o:1");
  assert.match(held, /<g class="lock-icon"/, "shut");
  assert.match(held, /held by main/);
  assert.match(free, /<g class="lock-icon open"/, "open");
  assert.match(free, />free</);
  for (const html of [held, free]) assert.doesNotMatch(html, /[\u{1F512}\u{1F513}]/u, "no emoji, which many fonts lack");
});

test("a closed channel says so under its slots, clear of its name", () => {
  const log = handLog([row("make", 1, { obj: 1, value: 3 }), row("close", 1, { obj: 1 })], { objects: [chan(1, "jobs", 3)] });
  const lay = fit(layout(log, "worker-pool"), 500, 300);
  const open = scene(lay, stateAt(log, 1), log).layers.nodes.get("c:1");
  const shut = scene(lay, stateAt(log, 2), log).layers.nodes.get("c:1");
  assert.match(open, /class="ccap" text-anchor="end">0\/3</);
  assert.doesNotMatch(open, /closed/);
  assert.match(shut, /class="ccap" text-anchor="end">0\/3</, "the corner keeps the count alone");
  assert.match(shut, /class="slot-note closed"[^>]*>⊘ closed</);
  assert.match(shut, /class="cname">jobs</);
});

test("a channel not made yet is drawn as declared: its name, and that it does not exist yet", () => {
  const log = poolLog();
  const lay = fit(layout(log, "worker-pool"), 1200, 700);
  const before = scene(lay, stateAt(log, 0), log).layers.nodes.get("c:1");
  assert.match(before, /class="cname">jobs</);
  assert.match(before, /class="ccap" text-anchor="end">not made</);
  assert.match(before, /<title>channel jobs: not made yet: 0 of 3 slots full<\/title>/);
  const made = scene(lay, stateAt(log, 1), log).layers.nodes.get("c:1");
  assert.match(made, /class="ccap" text-anchor="end">0\/3</, "once made, its buffer");
});

test("blockedLine: Go's wait reason, shortened only as far as the card needs", () => {
  assert.equal(blockedLine("chan receive", 16), "■ chan receive");
  assert.equal(blockedLine("chan receive", 12), "chan receive", "the icon goes first");
  assert.equal(blockedLine("sync.Mutex.Lock", 17), "■ sync.Mutex.Lock");
  assert.equal(blockedLine("sync.Mutex.Lock", 14), "■ Mutex.Lock", "then the package");
  assert.equal(blockedLine("sync.WaitGroup.Wait", 14), "WaitGroup.Wait");
  assert.equal(blockedLine("sync.WaitGroup.Wait", 9), "WaitGroup.Wait", "the shortest; the card clips it");
});
