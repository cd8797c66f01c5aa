// Tests for room.js: codes as the server reads them, views, and the
// presenter's publishing (only changes go out, at most every 40 ms, the
// newest always last) and a viewer's follow/detach.
import { test } from "node:test";
import assert from "node:assert/strict";
import { normalizeCode, formatCode, viewOf, sameRun, settingsOf, Room } from "./room.js";

test("codes are read as the server reads them", () => {
  const cases = [
    ["ABCD2345", "ABCD2345"],
    ["abcd-2345", "ABCD2345"],
    [" ab cd 23 45 ", "ABCD2345"],
    ["OIL0-0000", "01100000"],
    ["ABCD234", ""], // too short
    ["ABCD23456", ""], // too long
    ["ABCU2345", ""], // U is not in the alphabet
    ["ABC!2345", ""],
    ["", ""],
    [null, ""],
  ];
  for (const [input, want] of cases) assert.equal(normalizeCode(input), want, String(input));
  assert.equal(formatCode("abcd2345"), "ABCD-2345");
});

const settings = { seed: 7, policy: "go", knobs: { workers: 3 }, caps: { jobs: 0 }, interventions: [{ step: 4, run: 2 }] };

test("a view carries the run's inputs and the step, and turns back into settings", () => {
  const v = viewOf("worker-pool", settings, { step: 12, playing: true, speed: "30" });
  assert.deepEqual(v, { scenario: "worker-pool", seed: 7, policy: "go", knobs: { workers: 3 }, caps: { jobs: 0 }, interventions: [{ step: 4, run: 2 }], step: 12, playing: true, speed: 30 });
  v.caps.jobs = 5;
  assert.equal(settings.caps.jobs, 0, "the view is a copy");
  const back = settingsOf(viewOf("x", settings, { step: 0 }), { present: false });
  assert.deepEqual(back, { present: false, seed: 7, policy: "go", knobs: { workers: 3 }, caps: { jobs: 0 }, interventions: [{ step: 4, run: 2 }] });
});

test("sameRun is true only when every run input matches", () => {
  const base = viewOf("s", settings, { step: 1 });
  const cases = [
    ["same inputs, another step", { step: 99 }, true],
    ["knobs in another order", { knobs: { workers: 3 } }, true],
    ["another seed", { seed: 8 }, false],
    ["another policy", { policy: "fifo" }, false],
    ["another cap", { caps: { jobs: 1 } }, false],
    ["a cap more", { caps: { jobs: 0, results: 0 } }, false],
    ["another knob", { knobs: { workers: 4 } }, false],
    ["no interventions", { interventions: [] }, false],
    ["another intervention", { interventions: [{ step: 4, run: 3 }] }, false],
    ["a resize instead", { interventions: [{ step: 4, chan: 2, cap: 0 }] }, false],
  ];
  for (const [name, change, want] of cases) assert.equal(sameRun(settings, { ...base, ...change }), want, name);
  assert.equal(sameRun({ seed: 1, policy: "random", knobs: {}, caps: {}, interventions: [] }, { seed: 1, policy: "random" }), true, "missing maps are empty ones");
});

function memoryStorage() {
  const m = new Map();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k) };
}

test("a presenter publishes changes only, throttled, the newest last", async () => {
  const sent = [];
  const r = new Room({ send: (m) => sent.push(m), storage: memoryStorage() });
  r.present("s");
  assert.deepEqual(sent.shift(), { type: "present", scenario: "s" });
  r.onMessage({ type: "room", role: "presenter", code: "ABCD2345", secret: "f".repeat(32), url: "http://h/r/ABCD2345", viewers: 0 });
  assert.deepEqual(r.saved(), { code: "ABCD2345", secret: "f".repeat(32) }, "the tab keeps the secret to claim the room after a reload");
  for (let step = 1; step <= 5; step++) r.publish(viewOf("s", settings, { step }));
  await new Promise((ok) => setTimeout(ok, 120));
  const views = sent.filter((m) => m.type === "view");
  assert.ok(views.length >= 1 && views.length <= 2, `${views.length} views for 5 quick steps`);
  assert.equal(views.at(-1).view.step, 5, "the newest view went out last");
  assert.equal(views.at(-1).secret, "f".repeat(32));
  r.publish(viewOf("s", settings, { step: 5 }));
  await new Promise((ok) => setTimeout(ok, 60));
  assert.equal(sent.filter((m) => m.type === "view").length, views.length, "an unchanged view is not sent again");

  // After a reload the tab claims the room with the saved secret.
  const sent2 = [];
  const again = new Room({ send: (m) => sent2.push(m), storage: r.storage });
  assert.equal(again.claim(), true);
  assert.deepEqual(sent2[0], { type: "claim", code: "ABCD2345", secret: "f".repeat(32) });
  again.onMessage({ type: "room", role: "presenter", code: "ABCD2345", url: "u", viewers: 3 });
  assert.equal(again.secret, "f".repeat(32), "the claim reply does not repeat the secret; the saved one is used");

  r.stop();
  assert.equal(sent.at(-1).type, "close");
  assert.equal(r.saved(), null, "a stopped room is forgotten");
});

test("a viewer applies views while following, keeps the latest while detached", () => {
  const applied = [];
  const r = new Room({ send: () => {}, apply: (v) => applied.push(v.step), storage: memoryStorage() });
  r.follow("abcd-2345");
  assert.equal(r.code, "ABCD2345");
  r.onMessage({ type: "view", code: "ABCD2345", seq: 1, view: { step: 3 } });
  r.onMessage({ type: "room", role: "viewer", code: "ABCD2345", url: "u", viewers: 1 });
  r.onMessage({ type: "view", code: "ABCD2345", seq: 2, view: { step: 4 } });
  r.detach();
  r.onMessage({ type: "view", code: "ABCD2345", seq: 3, view: { step: 9 } });
  r.onMessage({ type: "view", code: "OTHER000", seq: 4, view: { step: 50 } });
  assert.deepEqual(applied, [3, 4], "nothing is applied while detached, nor from another room");
  r.refollow();
  assert.deepEqual(applied, [3, 4, 9], "following again jumps to the presenter's latest view");
  r.onMessage({ type: "room.closed", code: "ABCD2345", reason: "expired" });
  assert.equal(r.role, "");
  assert.deepEqual(r.closed, { reason: "expired", role: "viewer", code: "ABCD2345" });
});
