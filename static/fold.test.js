import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { stateAt, foldAll, apply, applyInPlace, prepare, initialState, runnable, consoleAt, lanes, SNAPSHOT_EVERY, MAX_SNAPSHOTS, clone } from "./fold.js";
import { newLog, addEvents, names } from "./runlog.js";
import { row, handLog, chan, gor, obj, fixtureLog } from "./testkit.js";

const W = [gor(2, "main.main.func1"), gor(3, "main.main.func1")];

test("unbuffered hand-off: receiver first", () => {
  const log = handLog([
    row("make", 1, { obj: 1, value: 0 }),
    row("go", 1, { peer: 2 }),
    row("recv.block", 2, { obj: 1, reason: "chan receive" }),
    row("send", 1, { obj: 1, peer: 2, value: 7 }),
    row("recv.done", 2, { obj: 1, peer: 1, value: 7, flag: 1 }),
  ], { objects: [chan(1, "ch", 0)], goroutines: W });
  let s = stateAt(log, 3);
  assert.equal(s.gs[2].state, "blocked");
  assert.equal(s.gs[2].reason, "chan receive");
  assert.deepEqual(s.gs[2].waitOn, [1]);
  assert.deepEqual(s.objs[1].recvq.map((w) => w.g), [2]);
  assert.deepEqual(runnable(s), [1]);
  s = stateAt(log, 4);
  assert.deepEqual(s.objs[1].recvq, []);
  assert.deepEqual(s.objs[1].buf, [], "a hand-off never touches the buffer");
  s = stateAt(log, 5);
  assert.equal(s.gs[2].state, "runnable");
  assert.deepEqual(runnable(s), [1, 2]);
});

test("unbuffered hand-off: sender first", () => {
  const log = handLog([
    row("make", 1, { obj: 1, value: 0 }),
    row("go", 1, { peer: 2 }),
    row("send.block", 1, { obj: 1, value: 7, reason: "chan send" }),
    row("recv", 2, { obj: 1, peer: 1, value: 7, flag: 1 }),
    row("send.done", 1, { obj: 1, peer: 2, value: 7 }),
  ], { objects: [chan(1, "ch", 0)], goroutines: W });
  let s = stateAt(log, 3);
  assert.equal(s.gs[1].state, "blocked");
  assert.equal(s.gs[1].reason, "chan send");
  assert.deepEqual(s.objs[1].sendq, [{ g: 1, value: "7", sel: false }]);
  assert.equal(s.running, 0, "nobody runs while main is blocked");
  s = stateAt(log, 4);
  assert.equal(s.running, 2);
  assert.deepEqual(s.objs[1].sendq, []);
  s = stateAt(log, 5);
  assert.deepEqual(s.objs[1].buf, []);
  assert.equal(s.gs[1].state, "runnable");
  assert.equal(s.gs[2].state, "running");
});

test("buffered send and receive keep values in order; a waiting sender fills the freed slot", () => {
  const log = handLog([
    row("make", 1, { obj: 1, value: 2 }),
    row("go", 1, { peer: 2 }),
    row("send", 1, { obj: 1, value: 1, fx: "push" }),
    row("send", 1, { obj: 1, value: 2, fx: "push" }),
    row("send.block", 1, { obj: 1, value: 3, reason: "chan send" }),
    row("recv", 2, { obj: 1, value: 1, flag: 1, fx: "pop" }),
    row("send.done", 1, { obj: 1, peer: 2, value: 3, fx: "push" }),
    row("recv", 2, { obj: 1, value: 2, flag: 1, fx: "pop" }),
  ], { objects: [chan(1, "jobs", 2)], goroutines: W });
  assert.deepEqual(stateAt(log, 4).objs[1].buf, ["1", "2"]);
  const s5 = stateAt(log, 5);
  assert.deepEqual(s5.objs[1].buf, ["1", "2"]);
  assert.deepEqual(s5.objs[1].sendq.map((w) => w.value), ["3"]);
  assert.deepEqual(stateAt(log, 6).objs[1].buf, ["2"]);
  const s7 = stateAt(log, 7);
  assert.deepEqual(s7.objs[1].buf, ["2", "3"]);
  assert.deepEqual(s7.objs[1].sendq, []);
  assert.equal(s7.gs[1].state, "runnable");
  assert.deepEqual(stateAt(log, 8).objs[1].buf, ["3"]);
});

test("close wakes every waiting receiver with the zero value", () => {
  const log = handLog([
    row("make", 1, { obj: 1, value: 0 }),
    row("go", 1, { peer: 2 }),
    row("go", 1, { peer: 3 }),
    row("recv.block", 2, { obj: 1, reason: "chan receive" }),
    row("recv.block", 3, { obj: 1, reason: "chan receive" }),
    row("close", 1, { obj: 1 }),
    row("recv.done", 2, { obj: 1, peer: 1, value: 0 }),
    row("recv.done", 3, { obj: 1, peer: 1, value: 0 }),
    row("recv", 1, { obj: 1, value: 0 }),
  ], { objects: [chan(1, "done", 0)], goroutines: W });
  const s5 = stateAt(log, 5);
  assert.deepEqual([s5.gs[2].state, s5.gs[3].state], ["blocked", "blocked"]);
  const s6 = stateAt(log, 6);
  assert.equal(s6.objs[1].closed, true);
  const s8 = stateAt(log, 8);
  assert.deepEqual([s8.gs[2].state, s8.gs[3].state], ["runnable", "runnable"]);
  assert.deepEqual(s8.objs[1].recvq, []);
  assert.deepEqual(runnable(s8), [1, 2, 3]);
  assert.deepEqual(stateAt(log, 9).objs[1].buf, [], "receiving from a closed channel takes nothing from the buffer");
});

test("select waits on all its cases and leaves every queue when one fires", () => {
  const log = handLog([
    row("make", 1, { obj: 1, value: 0 }),
    row("make", 1, { obj: 2, value: 0 }),
    row("go", 1, { peer: 2 }),
    row("select.case", 2, { obj: 1 }),
    row("select.case", 2, { obj: 2, flag: 1 }),
    row("select.block", 2, { value: 2, reason: "select" }),
    row("send", 1, { obj: 1, peer: 2, value: 5 }),
    row("recv.done", 2, { obj: 1, peer: 1, value: 5, flag: 1 }),
  ], { objects: [chan(1, "in", 0), chan(2, "out", 0)], goroutines: W });
  const s6 = stateAt(log, 6);
  assert.equal(s6.gs[2].state, "blocked");
  assert.equal(s6.gs[2].reason, "select");
  assert.deepEqual(s6.gs[2].waitOn, [1, 2]);
  assert.deepEqual(s6.objs[1].recvq, [{ g: 2, sel: true }]);
  assert.deepEqual(s6.objs[2].sendq, [{ g: 2, value: "", sel: true }]);
  const s8 = stateAt(log, 8);
  assert.equal(s8.gs[2].state, "runnable");
  assert.deepEqual(s8.objs[1].recvq, []);
  assert.deepEqual(s8.objs[2].sendq, [], "the other case is withdrawn");
});

test("mutex: holder and a FIFO queue of waiters", () => {
  const mu = obj(1, "mutex", "mu");
  const log = handLog([
    row("go", 1, { peer: 2 }),
    row("go", 1, { peer: 3 }),
    row("lock", 1, { obj: 1 }),
    row("lock.block", 2, { obj: 1, peer: 1, reason: "sync.Mutex.Lock" }),
    row("lock.block", 3, { obj: 1, peer: 1, reason: "sync.Mutex.Lock" }),
    row("unlock", 1, { obj: 1 }),
    row("lock.done", 2, { obj: 1, peer: 1 }),
  ], { objects: [mu], goroutines: W });
  const s5 = stateAt(log, 5);
  assert.equal(s5.objs[1].holder, 1);
  assert.deepEqual(s5.objs[1].queue.map((w) => w.g), [2, 3]);
  assert.equal(s5.gs[3].reason, "sync.Mutex.Lock");
  const s6 = stateAt(log, 6);
  assert.equal(s6.objs[1].holder, 0);
  const s7 = stateAt(log, 7);
  assert.equal(s7.objs[1].holder, 2);
  assert.deepEqual(s7.objs[1].queue.map((w) => w.g), [3]);
  assert.equal(s7.gs[2].state, "runnable");
  assert.equal(s7.gs[3].state, "blocked");
});

test("WaitGroup counts down and releases its waiter at zero", () => {
  const wg = obj(1, "waitgroup", "wg");
  const log = handLog([
    row("wg.add", 1, { obj: 1, value: 1, peer: 1 }),
    row("go", 1, { peer: 2 }),
    row("wg.add", 1, { obj: 1, value: 1, peer: 2 }),
    row("go", 1, { peer: 3 }),
    row("wg.block", 1, { obj: 1, value: 2, reason: "sync.WaitGroup.Wait" }),
    row("wg.add", 2, { obj: 1, value: -1, peer: 1 }),
    row("goend", 2),
    row("wg.add", 3, { obj: 1, value: -1, peer: 0 }),
    row("wg.done", 1, { obj: 1, peer: 3 }),
  ], { objects: [wg], goroutines: W });
  assert.equal(stateAt(log, 3).objs[1].count, 2);
  const s5 = stateAt(log, 5);
  assert.equal(s5.gs[1].state, "blocked");
  assert.deepEqual(s5.objs[1].waiters, [1]);
  assert.equal(stateAt(log, 6).objs[1].count, 1);
  assert.equal(stateAt(log, 7).gs[2].state, "done");
  const s9 = stateAt(log, 9);
  assert.equal(s9.objs[1].count, 0);
  assert.deepEqual(s9.objs[1].waiters, []);
  assert.equal(s9.gs[1].state, "runnable");
});

// The guide's worker pool, as the server sends it (server's TestPageFixtures).
function poolLog() {
  return fixtureLog(new URL("./testdata/pool.json", import.meta.url));
}

test("pool fixture: folds to Go's deadlock, main blocked ranging over results", () => {
  const log = poolLog();
  const s = stateAt(log, log.events.length);
  assert.equal(log.outcome.outcome, "deadlock");
  assert.equal(s.gs[1].state, "blocked");
  assert.equal(s.gs[1].reason, log.outcome.blocked[0].reason);
  assert.equal(`main.go:${s.gs[1].line}`, log.outcome.blocked[0].pos);
  for (const id of [2, 3, 4]) assert.equal(s.gs[id].state, "done", `worker ${id}`);
  const results = Object.values(s.objs).find((o) => o.name === "results");
  const jobs = Object.values(s.objs).find((o) => o.name === "jobs");
  assert.deepEqual(results.buf, []);
  assert.equal(jobs.closed, true);
  assert.equal(Object.values(s.objs).find((o) => o.kind === "waitgroup").count, 0);
  const out = consoleAt(log, s).map((p) => p.text).join("");
  assert.equal(out, log.outcome.stdout);
  assert.deepEqual(runnable(s), []);
  const who = names(log);
  assert.equal(who.get(1), "main");
  assert.equal(who.get(2), "worker 2");
});

test("step back restores exactly the previous state, at every step", () => {
  const log = poolLog();
  const n = log.events.length;
  const forward = [];
  let s = initialState(log.run);
  forward.push(clone(s));
  for (let i = 0; i < n; i++) {
    const before = clone(s);
    s = apply(s, log.events.at(i), log);
    assert.deepEqual(before, forward[i], "apply must not change its argument");
    forward.push(clone(s));
  }
  for (let k = n; k > 0; k--) {
    assert.deepEqual(stateAt(log, k - 1), forward[k - 1], `back from ${k} to ${k - 1}`);
  }
});

test("stateAt with snapshots equals folding from 0, in any order of jumps", () => {
  // A long run: the pool's events repeated is not a program, so build one:
  // main sends 1..N on a buffered channel that a worker drains.
  const rows = [row("make", 1, { obj: 1, value: 4 }), row("go", 1, { peer: 2 })];
  for (let i = 1; i <= 700; i++) {
    rows.push(row("send", 1, { obj: 1, value: i, time: i }));
    rows.push(row("recv", 2, { obj: 1, value: i, flag: 1, time: i }));
    if (i % 50 === 0) rows.push(row("print", 2, { value: `${i}\n`, flag: 1, time: i }));
  }
  const log = handLog(rows, { objects: [chan(1, "c", 4)], goroutines: W });
  const n = log.events.length;
  assert.ok(n > 3 * SNAPSHOT_EVERY);
  for (const k of [n, 0, 700, 1, 513, 512, 511, n - 1, 256, 257, 1000]) {
    assert.deepEqual(stateAt(log, k), foldAll(log, k), `step ${k}`);
  }
  assert.ok(log.snapshots.length >= Math.floor(n / SNAPSHOT_EVERY));
  assert.equal(consoleAt(log, stateAt(log, n)).length, 14);
  assert.equal(consoleAt(log, stateAt(log, 150)).length, 1);
});

test("events may arrive in batches, even resent ones", () => {
  const rows = [row("go", 1, { peer: 2 }), row("goend", 2), row("goend", 1)];
  const log = newLog({ sites: [] });
  addEvents(log, { from: 0, events: rows.slice(0, 2), goroutines: W });
  addEvents(log, { from: 1, events: rows.slice(1) });
  assert.equal(log.events.length, 3);
  assert.throws(() => addEvents(log, { from: 5, events: rows }));
});

test("lanes record each goroutine's state changes and the hand-offs", () => {
  const log = poolLog();
  const l = lanes(log);
  assert.equal(l.lanes.length, 4);
  const main = l.lanes[0];
  assert.deepEqual([main.steps[0], main.states[0]], [0, "runnable"]);
  assert.equal(main.states.at(-1), "blocked");
  for (const lane of l.lanes.slice(1)) {
    assert.equal(lane.states.at(-1), "done");
    assert.equal(lane.steps.length, lane.states.length);
    // A change is a change: no state follows itself, and steps only grow.
    lane.states.forEach((st, k) => k && assert.notEqual(st, lane.states[k - 1]));
    lane.steps.forEach((step, k) => k && assert.ok(step >= lane.steps[k - 1]));
  }
});

// Every built-in scenario's real run, as the page would hold it.
function scenarioLogs() {
  const dir = new URL("./testdata/scenarios/", import.meta.url);
  return readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => {
    return { name: f, log: fixtureLog(new URL(f, dir)) };
  });
}

test("copy on write: folding a clone, or its original, never changes the other", () => {
  const log = poolLog();
  const n = log.events.length;
  for (let k = 0; k < n; k += 3) {
    const a = stateAt(log, k);
    const b = clone(a);
    const aBefore = structuredClone(a);
    const bBefore = structuredClone(b);
    for (let i = k; i < Math.min(n, k + 5); i++) applyInPlace(b, log.events.at(i), log);
    assert.deepEqual(a, aBefore, `folding the clone left step ${k} alone`);
    for (let i = k; i < Math.min(n, k + 5); i++) applyInPlace(a, log.events.at(i), log);
    assert.deepEqual(b, foldAll(log, Math.min(n, k + 5)), "and the original folds on to the same state");
    assert.notDeepEqual(bBefore, b);
  }
});

test("snapshots share the goroutines that did not change between them", () => {
  // One busy goroutine and 300 that only start and block.
  const rows = [row("make", 1, { obj: 1, value: 1 })];
  const goroutines = [];
  for (let id = 2; id <= 301; id++) {
    rows.push(row("go", 1, { peer: id }), row("recv.block", id, { obj: 1, reason: "chan receive" }));
    goroutines.push(gor(id, "main.worker"));
  }
  for (let i = 0; i < 600; i++) rows.push(row("atomic", 1, { obj: 2, value: i }));
  const log = handLog(rows, { objects: [chan(1, "c", 1), obj(2, "atomic", "n")], goroutines });
  stateAt(log, log.events.length);
  const [, , s2, s3] = log.snapshots;
  assert.ok(s3, "several snapshots");
  assert.equal(s3.gs[150], s2.gs[150], "an idle goroutine's record is shared, not copied");
  assert.notEqual(s3.objs[2], s2.objs[2], "the atomic that changed has a record of its own");
  assert.deepEqual(stateAt(log, 700), foldAll(log, 700));
  // What each of the 300 waits on is one list, which nothing may change.
  const s = stateAt(log, 700);
  assert.deepEqual(s.gs[2].waitOn, [1]);
  assert.equal(s.gs[2].waitOn, s.gs[301].waitOn, "one list for every goroutine waiting on channel 1");
  assert.ok(Object.isFrozen(s.gs[2].waitOn));
});

test("stateAt steps forward, back and jumps to the same states as folding from the start", () => {
  const log = poolLog();
  const n = log.events.length;
  const order = [0, 1, 2, 3, 10, 11, 12, 5, 6, n, n - 1, 20, 21, 22, 40, 39, 41];
  for (const k of order) assert.deepEqual(stateAt(log, k), foldAll(log, k), `step ${k}`);
  const kept = stateAt(log, 12);
  const copy = structuredClone(kept);
  for (const k of [13, 30, 12, 11, n]) stateAt(log, k);
  assert.deepEqual(kept, copy, "a state handed out stays as it was while the log folds on");
});

test("every scenario's run folds with snapshots as it does from scratch", () => {
  for (const { name, log } of scenarioLogs()) {
    const n = log.events.length;
    for (const k of [n, Math.floor(n / 2), 1, n - 1, Math.floor(n / 3), Math.floor(n / 3) + 1]) {
      assert.deepEqual(stateAt(log, k), foldAll(log, k), `${name}: step ${k}`);
    }
  }
});

test("lanes fold on as the log grows, to the lanes of the whole log", () => {
  const whole = poolLog();
  const log = newLog(whole.run);
  const rows = whole.events;
  for (let from = 0; from < rows.length; from += 7) {
    addEvents(log, { from, events: rows.slice(from, from + 7), objects: [...whole.objects.values()], goroutines: [...whole.goroutines.values()] });
    const grown = lanes(log);
    const fresh = lanes({ ...log, _lanesFold: undefined });
    assert.deepEqual(grown, fresh, `after ${log.events.length} events`);
  }
});

test("prepare takes the snapshots ahead, a bounded piece at a time", () => {
  const rows = [row("make", 1, { obj: 1, value: 4 }), row("go", 1, { peer: 2 })];
  for (let i = 1; i <= 700; i++) rows.push(row("send", 1, { obj: 1, value: i }), row("recv", 2, { obj: 1, value: i, flag: 1 }));
  const log = handLog(rows, { objects: [chan(1, "c", 4)], goroutines: W });
  const n = log.events.length;
  let rounds = 0;
  while (!prepare(log, 300)) rounds++;
  assert.ok(rounds >= 3, "several bounded rounds");
  assert.equal(log.snapshots.length, Math.floor(n / SNAPSHOT_EVERY) + 1);
  log.snapshots.forEach((snap, i) => assert.deepEqual(snap, foldAll(log, i * SNAPSHOT_EVERY), `snapshot ${i}`));
  for (const k of [n, 1, 700, 513]) assert.deepEqual(stateAt(log, k), foldAll(log, k));
});

test("a long run keeps at most MAX_SNAPSHOTS snapshots, further apart, and any step folds to the same state", () => {
  const rows = [row("make", 1, { obj: 1, value: 4 }), row("go", 1, { peer: 2 })];
  const n = (MAX_SNAPSHOTS + 3) * SNAPSHOT_EVERY;
  for (let i = 1; rows.length < n; i++) rows.push(row("send", 1, { obj: 1, value: i }), row("recv", 2, { obj: 1, value: i, flag: 1 }));
  const log = handLog(rows, { objects: [chan(1, "c", 4)], goroutines: W });
  // Pieces smaller than the spacing the snapshots end with: each goes on
  // from where the last stopped.
  const piece = SNAPSHOT_EVERY / 2;
  let rounds = 0;
  while (!prepare(log, piece)) assert.ok(++rounds <= n / piece + 1, `prepare goes on where it stopped (${rounds} pieces of ${piece} events)`);
  assert.ok(log.snapshots.length <= MAX_SNAPSHOTS, `${log.snapshots.length} snapshots`);
  assert.equal(log.snapEvery, 2 * SNAPSHOT_EVERY);
  for (const i of [1, 7, log.snapshots.length - 1]) assert.deepEqual(log.snapshots[i], foldAll(log, i * log.snapEvery), `snapshot ${i}`);
  for (const k of [n - 1, 3 * SNAPSHOT_EVERY + 5]) assert.deepEqual(stateAt(log, k), foldAll(log, k), `step ${k}`);
  // Without prepare: stateAt takes them as it goes, thinning them too.
  const fresh = handLog(rows, { objects: [chan(1, "c", 4)], goroutines: W });
  assert.deepEqual(stateAt(fresh, n), foldAll(log, n));
  assert.ok(fresh.snapshots.length <= MAX_SNAPSHOTS && fresh.snapEvery === log.snapEvery);
  assert.deepEqual(stateAt(fresh, 5 * fresh.snapEvery + 3), foldAll(log, 5 * fresh.snapEvery + 3));
});
