import { test } from "node:test";
import assert from "node:assert/strict";
import { stateAt } from "./fold.js";
import { narrate, duration } from "./narrate.js";
import { row, handLog, chan, gor, obj } from "./testkit.js";

function story(rows, decl) {
  const log = handLog(rows, decl);
  const who = new Map([[1, "main"], [2, "worker 2"]]);
  return rows.map((r, i) => narrate(r, stateAt(log, i), stateAt(log, i + 1), who));
}

test("a blocked send says why: the buffer is full", () => {
  const lines = story([
    row("make", 1, { obj: 1, value: 3 }),
    row("go", 1, { peer: 2 }),
    row("send", 2, { obj: 1, value: 1, fx: "push" }),
    row("send", 2, { obj: 1, value: 4, fx: "push" }),
    row("send", 2, { obj: 1, value: 9, fx: "push" }),
    row("send.block", 2, { obj: 1, value: 16, reason: "chan send" }),
  ], { objects: [chan(1, "results", 3)], goroutines: [gor(2, "main.main.func1")] });
  assert.deepEqual(lines, [
    "main made channel results (buffer of 3)",
    "main started worker 2",
    "worker 2 sent 1 on results: buffer 1/3",
    "worker 2 sent 4 on results: buffer 2/3",
    "worker 2 sent 9 on results: buffer 3/3",
    "worker 2 blocked sending 16 on results: buffer full 3/3",
  ]);
});

test("hand-offs, close and the zero value", () => {
  const lines = story([
    row("make", 1, { obj: 1, value: 0 }),
    row("go", 1, { peer: 2 }),
    row("recv.block", 2, { obj: 1, reason: "chan receive" }),
    row("send", 1, { obj: 1, peer: 2, value: 7 }),
    row("recv.done", 2, { obj: 1, peer: 1, value: 7, flag: 1 }),
    row("send.block", 1, { obj: 1, value: 8, reason: "chan send" }),
    row("close", 2, { obj: 1 }),
    row("send.done", 1, { obj: 1, peer: 2 }),
  ], { objects: [chan(1, "jobs", 0)], goroutines: [gor(2, "main.worker")] });
  assert.deepEqual(lines, [
    "main made channel jobs (unbuffered)",
    "main started worker 2",
    "worker 2 blocked receiving from jobs: nothing to receive",
    "main handed 7 to worker 2 over jobs",
    "worker 2 received 7 from main over jobs",
    "main blocked sending 8 on jobs: no receiver is waiting (unbuffered)",
    "worker 2 closed jobs",
    "main was woken by close(jobs) while sending: it panics",
  ]);
});

test("locks, WaitGroups, output and interventions", () => {
  const lines = story([
    row("lock", 1, { obj: 1 }),
    row("lock.block", 2, { obj: 1, peer: 1, reason: "sync.Mutex.Lock" }),
    row("wg.add", 1, { obj: 2, value: 1, peer: 1 }),
    row("wg.add", 2, { obj: 2, value: -1, peer: 0 }),
    row("print", 1, { value: "hello\n", flag: 1 }),
    row("resize", 0, { obj: 3, value: 0 }),
    row("schedule", 2),
    row("sleep", 1, { value: 1500000, reason: "sleep" }),
  ], { objects: [obj(1, "mutex", "mu"), obj(2, "waitgroup", "wg"), chan(3, "jobs", 3)], goroutines: [gor(2, "main.worker")] });
  assert.deepEqual(lines, [
    "main locked mu",
    "worker 2 blocked locking mu: held by main",
    "main added 1 to wg: counter 1",
    "worker 2 called Done on wg: counter 0",
    'main printed "hello"',
    "you set jobs's buffer to 0",
    "you chose worker 2 to run next",
    "main sleeps for 1.5ms",
  ]);
});

test("durations read as Go prints them", () => {
  assert.equal(duration(0), "0s");
  assert.equal(duration(250), "250ns");
  assert.equal(duration(2e9), "2s");
  assert.equal(duration(90e9), "1m30s");
});
