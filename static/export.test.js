import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { stateAt, lanes } from "./fold.js";
import { names } from "./runlog.js";
import { EVENT_KINDS, WAIT_REASONS } from "./vocab.js";
import { recordingOf, logFromRecording } from "./recording.js";
import { traceOf, STEP_US } from "./trace.js";
import { standaloneHTML, exportName, EXPORT_FILES } from "./export.js";
import { row, handLog, chan, gor, validateTrace, fixtureLog } from "./testkit.js";

// Every real run in testdata: the pool and each built-in scenario, as the
// server sends them (server's TestPageFixtures keeps them so).
const scenarioDir = new URL("./testdata/scenarios/", import.meta.url);
const FIXTURES = [
  new URL("./testdata/pool.json", import.meta.url),
  ...readdirSync(scenarioDir).filter((f) => f.endsWith(".json")).map((f) => new URL(f, scenarioDir)),
];

const short = (url) => url.pathname.split("/").slice(-1)[0];
const scenarioOf = (log) => ({ id: log.run.scenario, title: `The ${log.run.scenario} program`, layout: "free", knobs: [] });
// The page's settings object holds more than the run's inputs.
const pageSettings = (log) => ({ seed: log.run.seed, policy: log.run.policy, knobs: {}, caps: {}, interventions: [], step: 7, toEnd: false, present: true });
const recordingOfFixture = (log) => JSON.parse(JSON.stringify(recordingOf(log, scenarioOf(log), pageSettings(log))));
const withoutWire = ({ type, id, ...rest }) => rest;
// The state at step i without its sites: the server leaves out a site's
// empty func, a recording writes it "".
const state = (log, i) => ({ ...stateAt(log, i), sites: null });

// ---- The concviz run JSON ------------------------------------------------

for (const url of FIXTURES) {
  test(`${short(url)}: a recording round-trips and replays the same states`, () => {
    const log = fixtureLog(url);
    const x = recordingOfFixture(log);
    const back = logFromRecording(x);
    assert.deepEqual(recordingOf(back), x, "recordingOf(logFromRecording(x)) is x");
    assert.equal(back.events.length, log.events.length);
    for (let i = 0; i <= log.events.length; i++) assert.deepEqual(state(back, i), state(log, i), `step ${i}`);
    assert.deepEqual(withoutWire(back.outcome), withoutWire(log.outcome));
    assert.deepEqual(names(back), names(log), "the goroutines have the same names");
  });
}

test("a recording holds the run's inputs and data, and nothing of the page", () => {
  const log = fixtureLog(FIXTURES[0]);
  const rec = recordingOf(log, scenarioOf(log), { ...pageSettings(log), knobs: { workers: 3 }, caps: { jobs: 1 }, interventions: [{ step: 4, run: 2 }, { step: 9, chan: 1, cap: 0 }] });
  assert.equal(rec.format, "concviz-run");
  assert.equal(rec.version, 3);
  assert.deepEqual(rec.scenario, { id: "worker-pool-deadlock", title: "The worker-pool-deadlock program" });
  assert.deepEqual(rec.settings, { seed: 1, policy: "random", knobs: { workers: 3 }, caps: { jobs: 1 }, interventions: [{ step: 4, run: 2 }, { step: 9, chan: 1, cap: 0 }] });
  assert.deepEqual(rec.kinds, EVENT_KINDS);
  assert.deepEqual(rec.reasons, WAIT_REASONS);
  assert.equal(rec.events.length, log.events.length);
  assert.deepEqual(rec.objects.map((o) => o.name), ["jobs", "results", "wg"]);
  assert.deepEqual(rec.goroutines.map((g) => g.id), [1, 2, 3, 4]);
  assert.equal(rec.outcome.outcome, "deadlock");
  assert.equal(rec.outcome.type, undefined, "the outcome without the WebSocket's type and id");
  assert.equal(rec.outcome.id, undefined);
  assert.deepEqual(Object.keys(rec), ["format", "version", "scenario", "settings", "kinds", "reasons", "sites", "objects", "goroutines", "events", "outcome"]);
  const t0 = log.events.at(0)[0];
  rec.events[0][0] = t0 + 99;
  rec.outcome.blocked[0].g = 99;
  assert.equal(log.events.at(0)[0], t0, "the recording shares nothing with the log");
  assert.equal(log.outcome.blocked[0].g, 1);
});

test("a hand-written log records too: main undeclared, sites without functions, no outcome yet", () => {
  const log = handLog([row("make", 1, { obj: 1, value: 0 }), row("go", 1, { peer: 2 }), row("recv.block", 2, { obj: 1, reason: "chan receive" })], {
    objects: [chan(1, "ch", 0)],
    goroutines: [gor(2, "main.main.func1")],
  });
  const rec = recordingOf(log, { id: "hand", title: "By hand" }, { seed: 5, policy: "fifo" });
  assert.deepEqual(rec.sites, [{ line: 0, func: "" }]);
  assert.deepEqual(rec.objects, [{ id: 1, kind: 1, name: "ch", cap: 0, elem: "int", pos: 0, parent: 0 }]);
  assert.deepEqual(rec.settings, { seed: 5, policy: "fifo", knobs: {}, caps: {}, interventions: [] });
  assert.equal(rec.outcome, null);
  const back = logFromRecording(JSON.parse(JSON.stringify(rec)));
  assert.equal(back.outcome, null);
  assert.deepEqual(recordingOf(back), rec);
  assert.equal(stateAt(back, 3).gs[2].reason, "chan receive");
});

// A recording written before protocol version 2 spelt its declarations as
// Go names its fields (ID, Kind, Name, …), and its rows had no wait reasons
// or effects. It still replays: the same states at every step as the run
// it recorded, and it is written back as version 3.
test("a version 1 recording still loads, and is written back as version 3", () => {
  const v1 = JSON.parse(readFileSync(new URL("./testdata/run-v1.json", import.meta.url), "utf8"));
  assert.equal(v1.version, 1);
  assert.deepEqual(Object.keys(v1.objects[0]), ["ID", "Kind", "Name", "Cap", "Elem", "Pos", "Parent"], "the fixture is in version 1's spelling");
  // The run it recorded, as the server sent it (mutex-counter then).
  const log = fixtureLog(new URL("./testdata/run-v1-run.json", import.meta.url));
  const back = logFromRecording(v1);
  for (let i = 0; i <= log.events.length; i++) assert.deepEqual(state(back, i), state(log, i), `step ${i}`);
  assert.deepEqual(names(back), names(log), "the goroutines keep their names");
  const again = recordingOf(back);
  assert.equal(again.version, 3);
  assert.deepEqual(again.objects[1], { id: 2, kind: 2, name: "c.mu", cap: 0, elem: "", pos: 1, parent: 0 });
  assert.deepEqual(again.goroutines[1], { id: 2, name: "main.main.func1", parent: 1, pos: 6 });
  assert.throws(() => logFromRecording({ ...v1, objects: [{ ...v1.objects[0], ID: 0 }] }), /objects declares the id 0, and ids start at 1/, "a damaged version 1 file is refused as a version 2 one is");
});

test("recordingOf needs the scenario and the settings", () => {
  const log = fixtureLog(FIXTURES[0]);
  assert.throws(() => recordingOf(log), /needs the scenario/);
  assert.throws(() => recordingOf(log, scenarioOf(log)), /needs the settings/);
});

test("a recording numbered by another kind list is renumbered by name", () => {
  const log = fixtureLog(FIXTURES[0]);
  const x = recordingOfFixture(log);
  // Swap the numbers of send and recv, as a server with another list would.
  const [send, recv] = [x.kinds.indexOf("send"), x.kinds.indexOf("recv")];
  const swap = (k) => (k === send ? recv : k === recv ? send : k);
  x.kinds = x.kinds.map((_, k) => x.kinds[swap(k)]);
  x.events = x.events.map((r) => [r[0], r[1], swap(r[2]), ...r.slice(3)]);
  const back = logFromRecording(x);
  for (let i = 0; i <= log.events.length; i++) assert.deepEqual(state(back, i), state(log, i), `step ${i}`);
  x.kinds[send] = "teleport";
  assert.throws(() => logFromRecording(x), /event kind “teleport”, which this page does not know/);
});

// A recording of version 2 is one of version 3 without the facts its rows
// now carry: loading it infers them (legacy.js), and must find exactly what
// the engine stated, for every real run in testdata.
for (const url of FIXTURES) {
  test(`${short(url)}: as version 2, its rows get back the facts the engine stated`, () => {
    const x = recordingOfFixture(fixtureLog(url));
    const { reasons, ...v2 } = { ...x, version: 2, events: x.events.map((r) => r.slice(0, 9)) };
    const back = recordingOf(logFromRecording(v2));
    const facts = (rec) => rec.events.map((r, i) => `${i} ${rec.kinds[r[2]]}: ${rec.reasons[r[9]]} ${r[10]}`);
    assert.deepEqual(facts(back), facts(x));
  });
}

test("logFromRecording refuses damaged recordings with a sentence", () => {
  const good = () => recordingOfFixture(fixtureLog(FIXTURES[0]));
  const cases = [
    ["not an object", () => [1, 2], /it is not a JSON object/],
    ["null", () => null, /it is not a JSON object/],
    ["another format", (x) => ({ ...x, format: "pprof" }), /its format is "pprof", not "concviz-run"/],
    ["another version", (x) => ({ ...x, version: 4 }), /version 4 of the format, and this page reads versions 1 to 3/],
    ["an old version with new rows", (x) => ({ ...x, version: 2 }), /event 0 is not a row of 9 fields, as version 2 has them/],
    ["an old version's bad row", (x) => ({ ...x, version: 2, events: x.events.map((r, i) => (i === 3 ? [...r.slice(0, 8), 9] : r.slice(0, 9))) }), /event 3's valueKind is 9/],
    ["no reasons", (x) => (delete x.reasons, x), /it has no "reasons"/],
    ["an unknown reason number", (x) => ((x.events[6][9] = 99), x), /event 6 has wait reason 99, and reasons names only/],
    ["bad effects", (x) => ((x.events[6][10] = 8), x), /event 6's fx is 8, not effect bits from 0 to 7/],
    ["no events", (x) => (delete x.events, x), /it has no "events"/],
    ["no outcome field", (x) => (delete x.outcome, x), /it has no "outcome"/],
    ["no scenario id", (x) => ({ ...x, scenario: { title: "t" } }), /scenario is not \{id, title\}/],
    ["a bad seed", (x) => ((x.settings.seed = -1), x), /seed is not a whole number/],
    ["a bad policy", (x) => ((x.settings.policy = "lifo"), x), /policy is "lifo"/],
    ["a bad knob", (x) => ((x.settings.knobs = { n: "3" }), x), /knobs are not an object of whole numbers/],
    ["a bad intervention", (x) => ((x.settings.interventions = [{ step: 3 }]), x), /interventions\[0\] is not \{step, run\} or \{step, chan, cap\}/],
    ["a bad site", (x) => ((x.sites[2] = { line: "9" }), x), /sites\[2\] is not \{line, func\}/],
    ["a declaration without a name", (x) => (delete x.objects[1].name, x), /objects\[1\] is not a declaration \{id, kind, name, cap, elem, pos, parent\}/],
    ["a goroutine declared twice", (x) => (x.goroutines.push({ ...x.goroutines[2] }), x), /goroutines declares 3 twice/],
    ["an id of 0", (x) => ((x.objects[0].id = 0), x), /ids start at 1/],
    ["a short row", (x) => ((x.events[4] = x.events[4].slice(0, 8)), x), /event 4 is not a row of 11 fields \[time, g, kind, obj, peer, value, flag, site, valueKind, reason, fx\]/],
    ["a row that is not an array", (x) => ((x.events[4] = { time: 0 }), x), /event 4 is not a row of 11 fields/],
    ["a time as text", (x) => ((x.events[6][0] = "0"), x), /event 6's time is "0", not a whole number of nanoseconds/],
    ["a value as a number", (x) => ((x.events[6][5] = 1), x), /event 6's value is 1, not a string/],
    ["an unknown kind number", (x) => ((x.events[6][2] = 400), x), new RegExp(`event 6 is of kind 400, and kinds names only ${EVENT_KINDS.length}`)],
    ["an undeclared goroutine", (x) => ((x.events[6][1] = 9), x), /event 6 is by goroutine 9, which the recording does not declare/],
    ["a go of an undeclared goroutine", (x) => (x.goroutines.pop(), x), /event 9 \(go\) names goroutine 4, which the recording does not declare/],
    ["an undeclared object", (x) => ((x.events[6][3] = 77), x), /event 6 is about object 77, which the recording does not declare/],
    ["a site past the end", (x) => ((x.events[6][7] = 99), x), new RegExp(`event 6 is at site 99, and there are ${good().sites.length} sites`)],
    ["a cut-short run", (x) => (x.events.pop(), x), /outcome is of a run of 50 events, and it holds 49: it was cut short/],
    ["an outcome without a word", (x) => ((x.outcome = { events: 50 }), x), /outcome is neither null nor an object with an outcome/],
  ];
  for (const [name, damage, want] of cases) {
    assert.throws(() => logFromRecording(damage(good())), (err) => {
      assert.ok(err instanceof Error, name);
      assert.match(err.message, /^This recording cannot be replayed: .*\.$/, name);
      assert.match(err.message, want, name);
      return true;
    }, name);
  }
});

// ---- The trace --------------------------------------------------------------

// slicesBy groups a trace's complete events by thread, in time order.
function slicesBy(trace) {
  const by = new Map();
  for (const e of trace.traceEvents.filter((e) => e.ph === "X")) by.set(e.tid, [...(by.get(e.tid) ?? []), e]);
  for (const list of by.values()) list.sort((a, b) => a.ts - b.ts);
  return by;
}

function threadNames(trace) {
  return new Map(trace.traceEvents.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => [e.tid, e.args.name]));
}

for (const url of FIXTURES) {
  test(`${short(url)}: the trace is valid and shows each goroutine's states and hand-offs`, () => {
    const log = fixtureLog(url);
    const who = names(log);
    const trace = traceOf(log, who, { title: "Worker pool" });
    assert.deepEqual(validateTrace(trace), []);
    assert.deepEqual(JSON.parse(JSON.stringify(trace)), trace, "the trace is plain JSON");
    const sum = lanes(log);
    const n = log.events.length;

    // One named track per goroutine, in id order.
    const tracks = threadNames(trace);
    assert.deepEqual([...tracks.keys()].sort((a, b) => a - b), sum.lanes.map((l) => l.id));
    for (const [id, name] of tracks) assert.equal(name, who.get(id) ?? sum.lanes.find((l) => l.id === id).name, `goroutine ${id}`);
    assert.equal(tracks.get(1), "main");
    const sorts = trace.traceEvents.filter((e) => e.name === "thread_sort_index");
    assert.deepEqual(sorts.map((e) => e.args.sort_index), sorts.map((e) => e.tid));
    assert.equal(trace.traceEvents.find((e) => e.name === "process_name").args.name, "Worker pool");

    // Each goroutine's states follow one another from its start to the end
    // of the run; main's cover the whole run.
    const by = slicesBy(trace);
    for (const lane of sum.lanes) {
      const list = by.get(lane.id);
      assert.equal(list[0].ts, lane.steps[0] * STEP_US, `goroutine ${lane.id} starts where its lane does`);
      for (let k = 1; k < list.length; k++) assert.equal(list[k].ts, list[k - 1].ts + list[k - 1].dur, `goroutine ${lane.id}: no gap or overlap`);
      assert.equal(list.at(-1).ts + list.at(-1).dur, (n + 1) * STEP_US, `goroutine ${lane.id} lasts to the end`);
      for (const e of list) {
        assert.ok(["running", "runnable", "blocked", "sleeping", "done"].includes(e.name), e.name);
        assert.equal(e.args.first_step, e.ts / STEP_US);
        assert.equal(e.args.last_step, (e.ts + e.dur) / STEP_US - 1);
        assert.equal(e.args.time_ns, e.args.first_step ? log.events.at(e.args.first_step - 1)[0] : 0);
      }
    }
    assert.equal(by.get(1)[0].ts, 0);

    // A deadlock or a leak ends with its goroutines blocked.
    if (log.outcome.outcome === "deadlock" || log.outcome.outcome === "leak") {
      for (const b of log.outcome.blocked) {
        const last = by.get(b.g).at(-1);
        assert.equal(last.name, "blocked", `goroutine ${b.g} ends blocked`);
        assert.equal(last.args.reason, b.reason);
      }
    }

    // Hand-offs are flows from the sender's track to the receiver's.
    const starts = trace.traceEvents.filter((e) => e.ph === "s");
    const ends = trace.traceEvents.filter((e) => e.ph === "f");
    assert.equal(starts.length, sum.handoffs.length);
    assert.equal(ends.length, sum.handoffs.length);
    sum.handoffs.forEach((h, i) => {
      assert.equal(starts[i].tid, h.from);
      assert.equal(ends[i].tid, h.to);
    });
    const outcome = trace.traceEvents.find((e) => e.cat === "outcome");
    assert.equal(outcome.args.outcome, log.outcome.outcome);
    assert.equal(trace.displayTimeUnit, "ms");
    assert.equal(trace.otherData.steps, n);
  });
}

// A hand-off, a print and a block, written by hand.
function handTraceLog() {
  return handLog([
    row("make", 1, { obj: 1, value: 0, site: 1 }),
    row("go", 1, { peer: 2, site: 1 }),
    row("recv.block", 2, { obj: 1, site: 2, time: 10, reason: "chan receive" }),
    row("send", 1, { obj: 1, peer: 2, value: 7, site: 1, time: 20 }),
    row("recv.done", 2, { obj: 1, peer: 1, value: 7, flag: 1, site: 2, time: 20 }),
    row("print", 2, { value: "7\n", flag: 1, site: 3, time: 30 }),
    row("goend", 2, { time: 30 }),
  ], {
    objects: [chan(1, "ch", 0)],
    goroutines: [gor(1, "main.main", 0), gor(2, "main.main.func1")],
    sites: [{ line: 0, func: "" }, { line: 5, func: "main.main" }, { line: 9, func: "main.consume" }, { line: 10, func: "main.consume" }],
  });
}

test("a hand-written run's trace: names, a reason for the block, the flow, the print", () => {
  const log = handTraceLog();
  const trace = traceOf(log, names(log));
  assert.deepEqual(validateTrace(trace), []);
  assert.deepEqual(threadNames(trace), new Map([[1, "main"], [2, "consume 2"]]));
  const g2 = slicesBy(trace).get(2);
  assert.deepEqual(g2.map((e) => e.name), ["runnable", "blocked", "runnable", "running", "done"]);
  assert.deepEqual(g2[1].args, { first_step: 3, last_step: 4, time_ns: 10, reason: "chan receive", line: 9 });
  const [s, f] = trace.traceEvents.filter((e) => e.cat === "handoff");
  assert.deepEqual([s.ph, s.tid, s.args.channel, s.args.value, f.ph, f.tid, f.bp], ["s", 1, "ch", "7", "f", 2, "e"]);
  assert.equal(s.id, f.id);
  const print = trace.traceEvents.find((e) => e.name === "print");
  assert.deepEqual([print.tid, print.args.text, print.args.stream], [2, "7\n", "stdout"]);
  assert.equal(trace.traceEvents.find((e) => e.name === "process_name").args.name, "concviz run", "a log of no scenario still names its process");
  assert.equal(trace.traceEvents.some((e) => e.cat === "outcome"), false, "no outcome yet, no outcome marker");
});

test("validateTrace catches broken traces", () => {
  const good = () => JSON.parse(JSON.stringify(traceOf(fixtureLog(FIXTURES[0]))));
  const first = (t, pred) => t.traceEvents.find(pred);
  const isX = (e) => e.ph === "X";
  const isS = (e) => e.ph === "s";
  const isF = (e) => e.ph === "f";
  const drop = (t, pred) => (t.traceEvents.splice(t.traceEvents.findIndex(pred), 1), t);
  const cases = [
    ["not an object", () => [], /the trace is not a JSON object/],
    ["no event list", (t) => ({ ...t, traceEvents: {} }), /traceEvents is not an array/],
    ["a complete event without dur", (t) => (delete first(t, isX).dur, t), /\(X\) has no duration ≥ 0/],
    ["a negative dur", (t) => ((first(t, isX).dur = -1), t), /\(X\) has no duration ≥ 0: -1/],
    ["a ts as text", (t) => ((first(t, isX).ts = "12"), t), /has a ts that is not a number: "12"/],
    ["a ts that is NaN", (t) => ((first(t, isX).ts = NaN), t), /\.ts is NaN, which JSON cannot hold/],
    ["no pid", (t) => (delete first(t, isX).pid, t), /has a pid that is not a number/],
    ["a tid as text", (t) => ((first(t, isX).tid = "1"), t), /has a tid that is not a number: "1"/],
    ["an unknown phase", (t) => ((first(t, isX).ph = "Q"), t), /the phase "Q", which is not one of the format's/],
    ["no name", (t) => (delete first(t, isX).name, t), /\(X\) has no name/],
    ["a dangling flow start", (t) => drop(t, isF), /starts \(event \d+\) and never finishes/],
    ["a flow finish without a start", (t) => drop(t, isS), /finishes \(event \d+\) without a start before it/],
    ["a flow that finishes before it starts", (t) => ((first(t, isF).ts = 0.5), t), /without a start before it/],
    ["a flow whose ends differ in name", (t) => ((first(t, isF).name = "other"), t), /never finishes/],
    ["a flow whose ends differ in cat", (t) => ((first(t, isF).cat = "other"), t), /never finishes/],
    ["a flow started twice", (t) => (t.traceEvents.push({ ...first(t, isS) }), t), /starts again/],
    ["a flow outside every slice", (t) => ((first(t, isS).tid = 42), t), /has no slice around it on pid 1 tid 42, so viewers drop it/],
    ["a flow without an id", (t) => (delete first(t, isS).id, t), /\(flow s\) has no id/],
    ["a flow without a cat", (t) => (delete first(t, isS).cat, t), /\(flow s\) has no cat/],
    ["a bad binding point", (t) => ((first(t, isF).bp = "x"), t), /binding point "x"/],
    ["unknown metadata", (t) => ((first(t, (e) => e.name === "thread_name").name = "thread_title"), t), /metadata named "thread_title"/],
    ["a thread name that is not text", (t) => ((first(t, (e) => e.name === "thread_name").args = { name: 3 }), t), /\(thread_name\) has no args.name string/],
    ["a sort index that is not whole", (t) => ((first(t, (e) => e.name === "thread_sort_index").args.sort_index = 1.5), t), /no whole args.sort_index/],
    ["args that are a list", (t) => ((first(t, isX).args = [1]), t), /has args that are not an object/],
    ["an unknown colour", (t) => ((first(t, isX).cname = "mauve"), t), /the colour "mauve", which is not a reserved colour name/],
    ["an instant of no known scope", (t) => ((first(t, (e) => e.ph === "i").s = "x"), t), /\(instant\) has the scope "x"/],
    ["a bad displayTimeUnit", (t) => ({ ...t, displayTimeUnit: "s" }), /displayTimeUnit is "s"/],
    ["undefined in args", (t) => ((first(t, isX).args.x = undefined), t), /\.args\.x is a undefined, which JSON cannot hold/],
    ["a BigInt", (t) => ((first(t, isX).args.x = 1n), t), /is a bigint, which JSON cannot hold/],
    ["a Map", (t) => ((first(t, isX).args.x = new Map()), t), /is a Map, not a plain object/],
    ["a cycle", (t) => ((first(t, isX).args.self = first(t, isX).args), t), /contains itself/],
  ];
  assert.deepEqual(validateTrace(good()), []);
  for (const [name, damage, want] of cases) {
    const problems = validateTrace(damage(good()));
    assert.ok(problems.some((p) => want.test(p)), `${name}: ${JSON.stringify(problems)}`);
  }
});

// ---- The standalone page --------------------------------------------------

const page = readFileSync(new URL("./testdata/page.html", import.meta.url), "utf8");
const css = readFileSync(new URL("./style.css", import.meta.url), "utf8");
const icon = readFileSync(new URL("./icon.svg", import.meta.url), "utf8");
const NASTY = `</script><script>alert(1)</script><!--<script>`;

function standalone(extra = {}) {
  const log = fixtureLog(FIXTURES[0]);
  const recording = recordingOf(log, { id: "worker-pool-deadlock", title: NASTY }, pageSettings(log));
  const bundle = `const s = "${NASTY.replace(/"/g, '\\"')}"; print(s); // </SCRIPT> in a comment`;
  return { recording, bundle, html: standaloneHTML({ page, css, bundle, recording, ...extra }) };
}

const scriptsOf = (html) => [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].map((m) => ({ attrs: m[1], text: m[2] }));

test("the standalone page loads nothing from the server and carries the recording", () => {
  const { html, recording, bundle } = standalone({ icon });
  assert.doesNotMatch(html, /\/static\//, "nothing from /static/");
  assert.match(html, /^<!doctype html>/i);
  assert.match(html, /<head><meta charset="utf-8"><meta name="concviz-standalone" content="3"><meta http-equiv="Content-Security-Policy" content="default-src 'none';[^"]*">/);
  assert.doesNotMatch(html, /<link rel="stylesheet"/);
  assert.equal(html.split("<style>").length, 2, "one style element");
  assert.ok(html.includes(`<style>${css}</style>`), "the style sheet, whole");
  assert.match(html, /<link rel="icon" href="data:image\/svg\+xml,%3Csvg[^"]*" type="image\/svg\+xml">/);
  assert.match(html, /<img src="data:image\/svg\+xml,[^"]*" alt="" width="22" height="22">/);

  // Exactly the page's data, the recording and the bundle, each whole.
  const scripts = scriptsOf(html);
  assert.deepEqual(scripts.map((s) => s.attrs), [' id="scenario-data" type="application/json"', ' type="application/json" id="recording"', ' type="module"']);
  assert.equal(html.match(/<\/script/gi).length, 3, "no value ends a script early");
  assert.doesNotMatch(scripts[1].text + scripts[2].text, /<!--/, "nor starts the parser's escaped mode");
  assert.deepEqual(JSON.parse(scripts[1].text), JSON.parse(JSON.stringify(recording)));
  assert.equal(JSON.parse(scripts[1].text).scenario.title, NASTY);
  assert.equal(JSON.parse(scripts[0].text).id, "pool", "the scenario data is kept");
  // The escaped bundle means what the bundle meant.
  const printed = [];
  new Function("print", scripts[2].text)((s) => printed.push(s));
  new Function("print", bundle)((s) => printed.push(s));
  assert.deepEqual(printed, [NASTY, NASTY]);
  assert.ok(html.indexOf('id="recording"') < html.indexOf('<script type="module">'), "the data comes before the code");
  assert.match(html, /<\/script><\/body><\/html>$/);
});

test("without an icon the standalone page leaves it out", () => {
  const { html } = standalone();
  assert.doesNotMatch(html, /icon\.svg|rel="icon"/);
  assert.match(html, /<a class="brand" href="\/" title="All programs"> concviz<\/a>/);
});

test("standaloneHTML takes a page that loads its modules one by one, as it does when the server cannot bundle them", () => {
  const { recording } = standalone();
  assert.match(page, /<script type="module" src="\/static\/bundle.js"><\/script>/);
  const html = standaloneHTML({ page: page.replace("/static/bundle.js", "/static/app.js"), css, bundle: "print(1)", recording });
  assert.doesNotMatch(html, /\/static\//);
  assert.match(html, /<script type="module">print\(1\)<\/script>/);
});

test("standaloneHTML refuses a page it cannot make standalone", () => {
  const { recording } = standalone();
  const make = (p) => () => standaloneHTML({ page: p, css, bundle: "", recording });
  assert.throws(make(page.replace(/<link rel="stylesheet"[^>]*>/, "")), /the page has no a <link> to \/static\/style.css/);
  assert.throws(make(page.replace("</body>", `<script type="module" src="/static/app.js"></script></body>`)), /has 2 a <script type="module" src="\/static\/bundle.js"> \(or app.js\)/);
  assert.throws(make(page.replace("</head>", `<link rel="preload" href="/static/fold.js"></head>`)), /the page loads \/static\/fold.js from the server/);
  assert.throws(make(page.replace('<meta charset="utf-8">', "")), /no <meta charset="utf-8">/);
  assert.throws(() => standaloneHTML({ page, css, recording }), /needs bundle as a string/);
  assert.throws(() => standaloneHTML({ page, css, bundle: "" }), /needs the recording/);
});

test("a bundle's replacement patterns are not read as patterns", () => {
  const html = standaloneHTML({ page, css: "a::after{content:'$&'}", bundle: "const x = '$`$&$1';", recording: { format: "concviz-run" } });
  assert.ok(html.includes("<style>a::after{content:'$&'}</style>"));
  assert.ok(html.includes("const x = '$`$&$1';"));
});

test("export file names say the scenario and seed, an edited run, and a picture's step", () => {
  const plain = { seed: 2, interventions: [] };
  const edited = { seed: 7, interventions: [{ step: 3, run: 2 }] };
  assert.equal(exportName("json", "worker-pool-deadlock", plain, 40), "concviz-worker-pool-deadlock-seed2.json");
  assert.equal(exportName("trace", "semaphore", edited, 40), "concviz-semaphore-seed7-edited.trace.json");
  assert.equal(exportName("svg", "semaphore", plain, 40), "concviz-semaphore-seed2-step40.svg");
  assert.equal(exportName("png", "semaphore", edited, 0), "concviz-semaphore-seed7-edited-step0.png");
  for (const kind of Object.keys(EXPORT_FILES)) assert.ok(exportName(kind, "x", plain, 1).endsWith(`.${EXPORT_FILES[kind].ext}`), kind);
});
