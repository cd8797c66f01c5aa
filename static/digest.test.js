import { test } from "node:test";
import assert from "node:assert/strict";
import { foldAll } from "./fold.js";
import { digest, canonical, firstDifference } from "./digest.js";
import { row, handLog, chan, gor, obj } from "./testkit.js";

const W = [gor(2, "main.worker"), gor(3, "main.worker")];
const sites = [{ line: 0 }, { line: 10 }, { line: 20 }];

test("a digest has the engine's shape: ready, blocked with Go's reason, buffers, queues and holders", () => {
  const log = handLog([
    row("make", 1, { obj: 1, value: 1, site: 1 }),
    row("go", 1, { peer: 2, site: 1 }),
    row("go", 1, { peer: 3, site: 1 }),
    row("send", 1, { obj: 1, value: 5, site: 1, fx: "push" }),
    row("send.block", 2, { obj: 1, value: 6, site: 2, reason: "chan send" }),
    row("lock", 3, { obj: 2, site: 2 }),
    row("lock.block", 1, { obj: 2, site: 1, reason: "sync.Mutex.Lock" }),
  ], { objects: [chan(1, "ch", 1), obj(2, "mutex", "mu")], goroutines: W, sites });
  assert.deepEqual(digest(foldAll(log)), {
    step: 7,
    gs: [
      { id: 1, state: "blocked", reason: "sync.Mutex.Lock", line: 10 },
      { id: 2, state: "blocked", reason: "chan send", line: 20 },
      { id: 3, state: "ready", line: 20 },
    ],
    objs: [
      { id: 1, buf: ["5"], sendq: [2] },
      { id: 2, holder: 3, queue: [1] },
    ],
  });
});

test("canonical leaves out what Go's omitempty leaves out, and objects with nothing to show", () => {
  const d = canonical({ step: 3, gs: [{ id: 1, state: "ready", reason: "", line: 0 }], objs: [{ id: 4, buf: [], closed: false }, { id: 5, count: 2 }] });
  assert.deepEqual(d, { step: 3, gs: [{ id: 1, state: "ready" }], objs: [{ id: 5, count: 2 }] });
});

test("firstDifference names the first place two digests differ, by goroutine or object id", () => {
  const a = { step: 2, gs: [{ id: 1, state: "ready" }, { id: 2, state: "blocked" }], objs: [] };
  const b = { step: 2, gs: [{ id: 1, state: "ready" }, { id: 2, state: "ready" }], objs: [{ id: 3, holder: 2 }] };
  assert.deepEqual(firstDifference(a, b), { path: ".gs[id 2].state", a: "blocked", b: "ready" });
  assert.deepEqual(firstDifference(a, { ...a, gs: a.gs.slice(0, 1) }), { path: ".gs[id 2]", a: a.gs[1], b: undefined });
  assert.equal(firstDifference(a, structuredClone(a)), null);
});
