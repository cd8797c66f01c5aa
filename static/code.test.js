import { test } from "node:test";
import assert from "node:assert/strict";
import { lineBadges, badgeLabel } from "./code.js";

const g = (id, state, line, reason = "") => ({ id, name: `main.worker`, state, line, reason });

test("lineBadges: a badge per state on each line, none for the done", () => {
  const state = { gs: { 1: { ...g(1, "running", 5), name: "main.main" }, 2: g(2, "blocked", 9, "chan receive"), 3: g(3, "blocked", 9, "chan receive"), 4: g(4, "runnable", 9), 5: g(5, "done", 12) } };
  const names = new Map([[1, "main"], [2, "worker 2"], [3, "worker 3"], [4, "worker 4"], [5, "worker 5"]]);
  const b = lineBadges(state, names, new Set([3]));
  assert.deepEqual([...b.keys()].sort((x, y) => x - y), [5, 9]);
  assert.match(b.get(5).html, /class="gb running"[^>]*>.*main/);
  assert.equal(b.get(9).dead, true);
  assert.match(b.get(9).html, /gb blocked".*worker 2</);
  assert.match(b.get(9).html, /gb blocked deadlocked".*worker 3</);
  assert.match(b.get(9).html, /gb runnable".*worker 4</);
  assert.equal(b.get(5).dead, false);
});

test("lineBadges: a crowd on a line is one short badge with a short tooltip", () => {
  const gs = {};
  for (let id = 2; id < 800; id++) gs[id] = g(id, "blocked", 19, "chan receive");
  const names = new Map(Object.keys(gs).map((id) => [Number(id), `go func ${id}`]));
  const b = lineBadges({ gs }, names).get(19);
  assert.match(b.html, /go func ×798/);
  assert.ok(b.html.length < 1200, "the title names a dozen, not eight hundred");
  assert.match(b.html, /and 786 more/);
});

test("badgeLabel", () => {
  assert.equal(badgeLabel(["main"]), "main");
  assert.equal(badgeLabel(["worker 2", "worker 3", "worker 4"]), "worker 2 · 3 · 4");
  assert.equal(badgeLabel(["worker 2", "worker 3", "worker 4", "worker 5", "worker 6"]), "worker ×5");
  assert.equal(badgeLabel(["main", "worker 2"]), "main, worker 2");
  assert.equal(badgeLabel(["main", "worker 2", "collector 9"]), "main, worker 2 +1");
  assert.equal(badgeLabel(["worker 2", "workers 3"]), "worker 2, workers 3", "another stem");
  assert.equal(badgeLabel(["worker 2", "worker 3b"]), "worker 2, worker 3b", "not a number");
  assert.equal(badgeLabel(["worker 2", "worker "]), "worker 2, worker ", "no number");
  assert.equal(badgeLabel(["go func 12", "go func 7"]), "go func 12 · 7", "a stem with spaces");
  const many = Array.from({ length: 998 }, (_, i) => `go func ${i + 2}`);
  assert.equal(badgeLabel(many), "go func ×998");
});
