import { test } from "node:test";
import assert from "node:assert/strict";
import { bars, summary, find, departure, exploreRequest, lines, progressText, foundText, FINDS } from "./explore.js";
import { row, handLog } from "./testkit.js";

// The §6 pool's exploration as the server sends it (explore.Result), cut
// to what the panel reads: it deadlocks in most schedules.
const pool = {
  mode: "dpor",
  bound: 2,
  schedules: 40,
  complete: true,
  outcomes: [
    { stdout: "1\n4\n", outcome: "deadlock", message: "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:", schedules: 30, schedule: [{ step: 12, run: 3 }], exitCode: 2 },
    { stdout: "4\n1\n", outcome: "deadlock", message: "fatal error: all goroutines are asleep - deadlock!", schedules: 9, schedule: [], exitCode: 2 },
    { stdout: "", outcome: "exit", message: "", schedules: 1, schedule: [{ step: 3, run: 2 }], exitCode: 0 },
  ],
};

test("bars: most frequent first, labelled by the end and the output, with shares that add up to one", () => {
  const b = bars(pool, { outcome: "deadlock", stdout: "4\n1\n" });
  assert.deepEqual(b.map((x) => x.count), [30, 9, 1]);
  assert.equal(b[0].label, "deadlock: fatal error: all goroutines are asleep - deadlock! · prints 1 ⏎ 4");
  assert.equal(b[2].label, "exit · prints nothing");
  assert.ok(Math.abs(b.reduce((s, x) => s + x.share, 0) - 1) < 1e-9);
  assert.deepEqual(b.map((x) => x.current), [false, true, false], "the run on screen is the second bar");
  assert.deepEqual(b.map((x) => x.failure), [true, true, false], "os.Exit(0) is not a failure");
  assert.deepEqual(b[0].schedule, [{ step: 12, run: 3 }]);
});

test("summary says how far the search went, and when it did not cover everything", () => {
  assert.equal(summary(pool), "every schedule with at most 2 forced switches (40 schedules, reordering of independent steps counted once): 3 outcomes");
  assert.equal(summary({ ...pool, complete: false, stopped: "the budget of 40 schedules ran out" }), "40 schedules with at most 2 forced switches, not all of them (the budget of 40 schedules ran out): 3 outcomes so far");
  assert.equal(summary({ ...pool, mode: "pct", bound: 3, complete: false }), "40 schedules drawn at random (PCT, depth 3): 3 outcomes found, not every one that can happen");
  assert.equal(summary({ mode: "dpor", bound: 1, schedules: 1, complete: true, outcomes: [pool.outcomes[2]] }), "every schedule with at most 1 forced switch (1 schedule, reordering of independent steps counted once): 1 outcome");
});

test("find: the button's outcome, or null when the search found none", () => {
  const current = { outcome: "deadlock", stdout: "1\n4\n" };
  assert.equal(find(pool, "deadlock", current).count, 30);
  assert.equal(find(pool, "panic", current), null);
  assert.equal(find(pool, "different", current).label, "deadlock: fatal error: all goroutines are asleep - deadlock! · prints 4 ⏎ 1", "another output is a different outcome");
  assert.equal(find({ ...pool, outcomes: [pool.outcomes[0]] }, "different", current), null);
  assert.throws(() => find(pool, "race"), /no button “race”/);
});

test("departure: the first step at which a replayed run leaves the one on screen", () => {
  const a = handLog([row("go", 1, { peer: 2 }), row("print", 1, { value: "1" }), row("print", 2, { value: "4" })]);
  const b = handLog([row("go", 1, { peer: 2 }), row("print", 2, { value: "4" }), row("print", 1, { value: "1" })]);
  assert.equal(departure(a, b), 1);
  assert.equal(departure(a, a), 3, "the same run never departs");
  const prefix = handLog([row("go", 1, { peer: 2 })]);
  assert.equal(departure(a, prefix), 1, "a run that stops early departs where it stops");
});

test("exploreRequest: the run's inputs, and where a Find button stops", () => {
  const settings = { seed: 7, policy: "random", knobs: {}, caps: { jobs: 0 }, interventions: [{ step: 3, run: 2 }] };
  assert.deepEqual(exploreRequest("pool", settings), { scenario: "pool", seed: 7, caps: { jobs: 0 } }, "no policy, no interventions: the search makes them");
  assert.deepEqual(exploreRequest("pool", settings, "deadlock"), { scenario: "pool", seed: 7, caps: { jobs: 0 }, until: "deadlock" });
  assert.deepEqual(exploreRequest("pool", settings, "different", { outcome: "ok", stdout: "1\n" }).current, { outcome: "ok", stdout: "1\n" });
  assert.deepEqual(FINDS, ["deadlock", "panic", "different"]);
  assert.throws(() => exploreRequest("pool", settings, "race"), /no button “race”/);
});

test("lines: JSON lines however the bytes are cut", async () => {
  const text = '{"type":"progress","schedules":1}\n{"type":"result","outcomes":[{"stdout":"é\\n"}]}\n';
  const bytes = new TextEncoder().encode(text);
  const cut = new TextEncoder().encode(text.slice(0, text.indexOf("é"))).length + 1; // inside "é"
  const chunks = [bytes.slice(0, 5), bytes.slice(5, cut), bytes.slice(cut)];
  const stream = new ReadableStream({ start(c) { for (const b of chunks) c.enqueue(b); c.close(); } });
  const got = [];
  for await (const l of lines(stream)) got.push(l);
  assert.deepEqual(got.map((l) => l.type), ["progress", "result"]);
  assert.equal(got[1].outcomes[0].stdout, "é\n");
});

test("progressText and foundText say where a search is and what it found", () => {
  assert.equal(progressText({ bound: 1, schedules: 1, outcomes: 2 }), "Exploring… 1 schedule with at most 1 forced switch, 2 outcomes so far");
  const bar = find(pool, "deadlock");
  assert.match(foundText(pool, "deadlock", bar), /^Found a deadlock: deadlock: fatal error/);
  assert.equal(foundText(pool, "panic", null), "No schedule with at most 2 forced switches has a panic.");
  assert.equal(foundText({ ...pool, complete: false, stopped: "timeout" }, "panic", null), "No panic in the 40 schedules explored (timeout).");
});
