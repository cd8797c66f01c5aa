// Shared memory on the page (issue 13): a racy counter written by hand as
// the engine records it, folded, narrated, drawn on the graph and the
// timeline, and the outcome's race report in the banner.
import { test } from "node:test";
import assert from "node:assert/strict";
import { stateAt, foldAll, lanes } from "./fold.js";
import { digest } from "./digest.js";
import { narrate } from "./narrate.js";
import { raceLinesOf, accessOf } from "./memory.js";
import { scene, diff } from "./graph.js";
import { layout } from "./layout.js";
import { drawTimeline, geometry } from "./timeline.js";
import { badgeOf, bannerOf, RACE_EXIT } from "./panels.js";
import { row, handLog, gor, obj, fixtureLog } from "./testkit.js";
import { names, ev } from "./runlog.js";

// Lines: count = 0 at 10, count++ at 15, fmt.Println(count) at 19.
const sites = [{ line: 0 }, { line: 10 }, { line: 15 }, { line: 19 }];
const ms = 1e6;

// counterLog: main sets count to 0 and starts two workers; both read 0,
// worker 3 writes 1 (a race with worker 2's read), worker 2 writes 1 over
// it (an increment lost, a race with worker 3's write), worker 2 is
// preempted, and main reads count (a race with worker 2's write).
function counterLog() {
  const rows = [
    row("make", 1, { obj: 1, site: 1 }), // 0
    row("write", 1, { obj: 1, value: 0, site: 1 }), // 1
    row("go", 1, { peer: 2, site: 1 }), // 2
    row("go", 1, { peer: 3, site: 1 }), // 3
    row("read", 2, { obj: 1, value: 0, site: 2 }), // 4
    row("read", 3, { obj: 1, value: 0, site: 2 }), // 5
    row("write", 3, { obj: 1, value: 1, peer: 1, site: 2 }), // 6
    row("race", 3, { obj: 1, peer: 2, value: 4, flag: 1, site: 2 }), // 7
    row("write", 2, { obj: 1, value: 1, peer: 3, flag: 1, site: 2 }), // 8
    row("race", 2, { obj: 1, peer: 3, value: 6, flag: 3, site: 2 }), // 9
    row("preempt", 2, { value: 10 * ms, site: 2 }), // 10
    row("read", 1, { obj: 1, value: 1, site: 3 }), // 11
    row("race", 1, { obj: 1, peer: 2, value: 8, flag: 2, site: 3 }), // 12
  ];
  return handLog(rows, { objects: [obj(1, "var", "count")], goroutines: [gor(2, "main.worker"), gor(3, "main.worker")], sites });
}

const who = new Map([[1, "main"], [2, "worker 2"], [3, "worker 3"]]);

test("a shared variable's value, last writer, lost updates and races, step by step", () => {
  const log = counterLog();
  const cases = [
    // step, count's value and writer, lost updates and races so far, race lines, who runs
    { step: 1, value: "", writer: 0, lost: 0, races: 0, lines: [], running: 1 },
    { step: 2, value: "0", writer: 1, lost: 0, races: 0, lines: [], running: 1 },
    { step: 5, value: "0", writer: 1, lost: 0, races: 0, lines: [], running: 2 },
    { step: 7, value: "1", writer: 3, lost: 0, races: 0, lines: [], running: 3 },
    { step: 8, value: "1", writer: 3, lost: 0, races: 1, lines: [15], running: 3 },
    { step: 9, value: "1", writer: 2, lost: 1, races: 1, lines: [15], running: 2 },
    { step: 10, value: "1", writer: 2, lost: 1, races: 2, lines: [15], running: 2 },
    { step: 11, value: "1", writer: 2, lost: 1, races: 2, lines: [15], running: 0 },
    { step: 13, value: "1", writer: 2, lost: 1, races: 3, lines: [15, 19], running: 1 },
  ];
  for (const c of cases) {
    const s = stateAt(log, c.step);
    const o = s.objs[1];
    assert.deepEqual(
      { value: o.value, writer: o.writer, lost: s.lost, races: s.races, lines: [...raceLinesOf(s)].sort(), running: s.running },
      { value: c.value, writer: c.writer, lost: c.lost, races: c.races, lines: c.lines, running: c.running },
      `step ${c.step}`,
    );
  }
  assert.equal(stateAt(log, 11).gs[2].state, "runnable", "a preempted goroutine may run again");
  assert.deepEqual(foldAll(log).raceLines, [[15, 15], [15, 19]], "each pair of lines once, the earlier access first");
  assert.deepEqual(stateAt(log, 6).raceLines, [], "a state keeps its races when a later one folds on");
});

test("the digest shows a variable's value and last writer as the engine's does", () => {
  const log = counterLog();
  assert.deepEqual(digest(stateAt(log, 1)).objs, [], "made, not yet read or written: nothing to show");
  assert.deepEqual(digest(stateAt(log, 9)).objs, [{ id: 1, value: "1", writer: 2 }]);
  const del = handLog([row("make", 1, { obj: 1 }), row("write", 1, { obj: 1, value: 3 }), row("write", 1, { obj: 1 })], { objects: [obj(1, "map", "seen")] });
  assert.deepEqual(digest(foldAll(del)).objs, [{ id: 1, writer: 1 }], "a delete writes no value");
});

test("each access is narrated; a lost update and a race are named when they happen", () => {
  const log = counterLog();
  const said = [];
  for (let i = 0; i < log.events.length; i++) said.push(narrate(log.events.at(i), stateAt(log, i), stateAt(log, i + 1), who));
  const want = [
    [0, "count is shared memory: main is the first goroutine to touch it"],
    [1, "main wrote 0 to count"],
    [4, "worker 2 read count = 0"],
    [6, "worker 3 wrote 1 to count"],
    [7, "data race on count: worker 3's write and worker 2's read at step 5, neither happens before the other"],
    [8, "worker 2 wrote 1 over worker 3's 1: one increment lost"],
    [9, "data race on count: worker 2's write and worker 3's write at step 7, neither happens before the other"],
    [10, "worker 2 was preempted after 10ms of computing"],
    [11, "main read count = 1"],
    [12, "data race on count: main's read and worker 2's write at step 9, neither happens before the other"],
  ];
  for (const [i, sentence] of want) assert.equal(said[i], sentence, `event ${i}`);
});

test("a lost update says what was lost: an increment, a decrement, another update; maps say map", () => {
  const cases = [
    { read: 5, wrote: 6, over: 6, word: "one increment lost" },
    { read: 5, wrote: 4, over: 4, word: "one decrement lost" },
    { read: 5, wrote: 10, over: 7, word: "one update lost" },
  ];
  for (const c of cases) {
    const rows = [
      row("make", 2, { obj: 1 }),
      row("read", 2, { obj: 1, value: c.read }),
      row("write", 3, { obj: 1, value: c.over }),
      row("write", 2, { obj: 1, value: c.wrote, peer: 3, flag: 1 }),
    ];
    const log = handLog(rows, { objects: [obj(1, "var", "n")], goroutines: [gor(2, "main.a"), gor(3, "main.b")] });
    assert.equal(narrate(log.events.at(3), stateAt(log, 3), stateAt(log, 4)), `a 2 wrote ${c.wrote} over b 3's ${c.over}: ${c.word}`);
  }
  const rows = [row("make", 1, { obj: 1 }), row("write", 1, { obj: 1, value: "x" }), row("read", 1, { obj: 1, value: 2 }), row("write", 1, { obj: 1 })];
  const log = handLog(rows, { objects: [obj(1, "map", "seen")] });
  const said = [1, 2, 3].map((i) => narrate(log.events.at(i), stateAt(log, i), stateAt(log, i + 1)));
  assert.deepEqual(said, ["main wrote x to map seen", "main read 2 from map seen", "main deleted an entry of map seen"]);
});

test("the graph: a variable's box with its value and last writer, the access as a short arrow", () => {
  const log = counterLog();
  const lay = layout(log, "free");
  assert.ok(lay.pos.o.has(1), "count sits on the shelf");
  const cases = [
    { step: 1, cls: "obj var", text: "no value yet", arrow: null },
    { step: 5, cls: "obj var read", text: "= 0", arrow: "waitfor access read" },
    { step: 7, cls: "obj var wrote", text: "written by worker 3", arrow: "waitfor access wrote" },
    { step: 8, cls: "obj var race-now raced", text: "= 1", arrow: "waitfor access race-now" },
    { step: 9, cls: "obj var wrote lost raced", text: "written by worker 2 · 1 lost", arrow: "waitfor access wrote lost" },
    { step: 11, cls: "obj var raced", text: "= 1", arrow: null },
  ];
  for (const c of cases) {
    const sc = scene(lay, stateAt(log, c.step), log, { names: who });
    const box = sc.layers.nodes.get("o:1");
    assert.equal(/class="([^"]*)"/.exec(box)[1], c.cls, `step ${c.step}: the box's look`);
    assert.ok(box.includes(c.text), `step ${c.step}: the box says ${c.text}: ${box}`);
    const arrow = sc.layers.edges.get("access");
    assert.equal(arrow ? /class="([^"]*)"/.exec(arrow)[1] : null, c.arrow, `step ${c.step}: the access arrow`);
  }
  // A read goes from the box to the reader, a write from the writer to the box.
  const [readFrom] = /M([\d.]+),/.exec(scene(lay, stateAt(log, 5), log).layers.edges.get("access")).slice(1).map(Number);
  const box = lay.pos.o.get(1);
  assert.ok(readFrom >= box.x && readFrom <= box.x + box.w, "a read starts at the variable");
  assert.deepEqual(accessOf(stateAt(log, 11), 1), null, "the preemption touched no variable");
});

test("the graph keeps its layouts: a worker pool with a shared counter keeps its columns", () => {
  const rows = [row("make", 1, { obj: 1, value: 0 }), row("go", 1, { peer: 2 }), row("go", 1, { peer: 3 }),
    row("send.block", 1, { obj: 1, value: 1, reason: "chan send" }), row("recv", 2, { obj: 1, peer: 1, value: 1, flag: 1 }),
    row("make", 2, { obj: 2 }), row("write", 2, { obj: 2, value: 1 }), row("read", 3, { obj: 2, value: 1 })];
  const log = handLog(rows, { objects: [{ id: 1, kind: 1, name: "jobs", cap: 0 }, obj(2, "var", "count")], goroutines: [gor(2, "main.worker"), gor(3, "main.worker")] });
  const lay = layout(log, "worker-pool");
  const jobs = lay.pos.c.get(1);
  const count = lay.pos.o.get(2);
  assert.ok(lay.pos.g.get(1).x < jobs.x && jobs.x < lay.pos.g.get(2).x, "producer, channel, worker from left to right");
  for (const id of [1, 2, 3]) assert.ok(count.y >= lay.pos.g.get(id).y + lay.pos.g.get(id).h, "the variable sits on the shelf below the flow");
  assert.ok(count.x >= 0 && count.x + count.w <= lay.width && count.y + count.h <= lay.height, "inside the picture");
});

test("the timeline marks each race between its two accesses and each lost update on its write", () => {
  const log = counterLog();
  const sum = lanes(log);
  assert.deepEqual(sum.races, [
    { step: 7, from: 2, to: 3, fromStep: 5, obj: 1 },
    { step: 9, from: 3, to: 2, fromStep: 7, obj: 1 },
    { step: 12, from: 2, to: 1, fromStep: 9, obj: 1 },
  ]);
  assert.deepEqual(sum.lost, [{ step: 9, g: 2, obj: 1 }]);
  const svg = { attrs: {}, setAttribute(k, v) { this.attrs[k] = v; }, innerHTML: "", dataset: {}, parentNode: null };
  drawTimeline(svg, sum, who, { width: 600 });
  const g = geometry(sum.steps, 600);
  const races = [...svg.innerHTML.matchAll(/class="tl-race" data-step="(\d+)" data-from-step="(\d+)" d="M([\d.]+) [\d.]+v[\d.]+M[\d.]+ ([\d.]+)L([\d.]+) ([\d.]+)/g)];
  assert.equal(races.length, 3);
  const [first] = races;
  assert.ok(Math.abs(Number(first[3]) - g.X(5)) < 0.1, "the bracket starts where the earlier access's step begins");
  assert.ok(Math.abs(Number(first[5]) - g.X(7)) < 0.1, "and ends where the later one's does");
  assert.ok(Number(first[4]) < Number(first[6]), "from worker 2's lane down to worker 3's (lanes in id order)");
  assert.match(svg.innerHTML, /class="tl-lost" data-step="9"/);
});

test("the banner shows DATA RACE and Go's report whatever the outcome, and the exit status go run -race ends with; a run without races shows none", () => {
  const block = "==================\nWARNING: DATA RACE\nWrite at 0x00c000012345 by goroutine 7:\n  main.(*Counter).Increment()\n      main.go:13 +0x44\n==================\n";
  // The engine ends the report with Found exactly when go run -race turns the exit status into 66.
  const report = `${block}Found 1 data race(s)\n`;
  const cases = [
    { o: { outcome: "ok", exitCode: 0, races: [{ g: 7 }], raceReport: report }, race: true, count: "1 race", says: "finished normally (exit status 66)" },
    { o: { outcome: "exit", message: "exit status 0", exitCode: 0, races: [{}], raceReport: report }, race: true, count: "1 race", says: "<code>exit status 66</code>" },
    { o: { outcome: "exit", message: "exit status 3", exitCode: 3, races: [{}], raceReport: block }, race: true, count: "1 race", says: "<code>exit status 3</code>" },
    { o: { outcome: "deadlock", message: "fatal error: all goroutines are asleep - deadlock!", races: [{}, {}], raceReport: block }, race: true, count: "2 races", says: "all goroutines are asleep" },
    { o: { outcome: "ok", exitCode: 0 }, race: false, says: "finished normally (exit status 0)" },
    { o: { outcome: "exit", message: "exit status 0", exitCode: 0 }, race: false, says: "<code>exit status 0</code>" },
  ];
  for (const c of cases) {
    const b = bannerOf(c.o, who);
    assert.ok(b.html.includes(c.says), `${JSON.stringify(c.o)}: the banner says ${c.says}`);
    assert.equal(b.html.includes("DATA RACE"), c.race, JSON.stringify(c.o));
    assert.equal(b.cls.includes("raced"), c.race);
    assert.equal(badgeOf(c.o).html.includes("DATA RACE"), c.race, "the badge says it too");
    if (!c.race) continue;
    assert.ok(b.html.includes("WARNING: DATA RACE\nWrite at 0x00c000012345 by goroutine 7:"), "the report as Go prints it, lines kept");
    assert.ok(b.html.includes(c.count));
  }
  assert.ok(bannerOf({ outcome: "ok", races: [{}], raceReport: "<script>" }, who).html.includes("&lt;script&gt;"), "the report is text");
});

test("a real racy counter (memory.json): the updates lost on screen are those missing from what it printed", () => {
  // Three workers add one to count twice each; main prints count, the map's size and an entry.
  const log = fixtureLog(new URL("./testdata/memory.json", import.meta.url));
  const end = stateAt(log, log.events.length);
  const count = Object.values(end.objs).find((o) => o.name === "count");
  const printed = Number(log.outcome.stdout.split(" ")[0]);
  assert.equal(count.value, String(printed), "the box shows the value main printed");
  assert.equal(end.lost, 6 - printed, "every increment missing from the total is a lost update on screen");
  assert.equal(log.outcome.exitCode, 0, "main returned");
  assert.ok(bannerOf(log.outcome, names(log)).html.includes(`exit status ${RACE_EXIT}`), "the banner says the status go run -race ends with");
  const who = names(log);
  for (let i = 0; i < log.events.length; i++) {
    const e = ev(log.events.at(i), i);
    const said = narrate(e, stateAt(log, i), stateAt(log, i + 1), who);
    if (e.kind === "write" && e.flag & 1) assert.match(said, / over .*: one increment lost$/, `event ${i}`);
    if (e.kind === "race") assert.match(said, /^data race on (count|seen): /, `event ${i}`);
  }
  // Each race's bracket starts at an access by the other goroutine to the same variable.
  const { races } = lanes(log);
  assert.ok(races.length > 0, "seed 1 races");
  for (const r of races) {
    const other = ev(log.events.at(r.fromStep - 1), r.fromStep - 1);
    const mine = ev(log.events.at(r.step - 1), r.step - 1);
    assert.deepEqual([other.g, other.obj], [r.from, r.obj], `the race at step ${r.step} starts at goroutine ${r.from}'s access`);
    assert.deepEqual([mine.g, mine.obj], [r.to, r.obj], `and ends at goroutine ${r.to}'s`);
    assert.ok(["read", "write"].includes(other.kind) && ["read", "write"].includes(mine.kind));
  }
});

test("a memory access redraws the variable's box and its arrow, no other object (counter-race.json)", () => {
  const log = fixtureLog(new URL("./testdata/scenarios/counter-race.json", import.meta.url));
  const lay = layout(log, "free");
  let prev = scene(lay, stateAt(log, 0), log);
  let was = 0; // the object of the step before, whose box loses its highlight
  let accesses = 0;
  for (let k = 1; k <= log.events.length; k++) {
    const s = stateAt(log, k);
    const sc = scene(lay, s, log);
    const e = s.last;
    if (["read", "write", "race"].includes(e.kind)) {
      accesses++;
      const nodes = diff(prev.layers.nodes, sc.layers.nodes);
      const objs = [...nodes.change, ...nodes.add].filter((key) => key.startsWith("o:"));
      assert.ok(objs.every((key) => key === `o:${e.obj}` || key === `o:${was}`), `step ${k} (${e.kind}) redrew ${objs}`);
      const edges = diff(prev.layers.edges, sc.layers.edges);
      assert.deepEqual([...edges.change, ...edges.add, ...edges.remove].filter((key) => key !== "access"), [], `step ${k}: only the access arrow moves`);
    }
    prev = sc;
    was = e.obj;
  }
  assert.ok(accesses > 200, "a hundred increments, a read and a write each");
});
