// Tests for player.js: steps owed by each frame, and playing through a
// run on fake frames and a fake clock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { owed, Player, DEFAULT_SPEED } from "./player.js";

test("each frame takes the steps the speed owes since the last one", () => {
  const cases = [
    ["120 a second, a 60 Hz frame: two steps", 0, 1000 / 60, 120, 2, 0],
    ["8 a second, a 60 Hz frame: none yet, carried on", 0, 1000 / 60, 8, 0, 8 / 60],
    ["a slow frame makes up at most a quarter second's steps", 0, 2000, 120, 30, 0],
    ["at 1 a second, at least one step can be owed", 0.5, 5000, 1, 1, 0],
  ];
  for (const [name, due, elapsed, speed, n, left] of cases) {
    const o = owed(due, elapsed, speed);
    assert.equal(o.n, n, name);
    assert.ok(Math.abs(o.due - left) < 1e-9, `${name}: ${o.due} carried`);
  }
});

// play drives a player over a run of total steps on fake frames 1000/60 ms apart.
function harness(total, { speed = DEFAULT_SPEED, ready = true } = {}) {
  const frames = [];
  const page = { step: 0, drawn: 0, ready, changes: [] };
  let t = 0;
  const player = new Player({
    frame: (f) => frames.push(f),
    now: () => t,
    hooks: {
      ready: () => page.ready,
      atEnd: () => page.step >= total,
      rewind: () => (page.step = 0),
      speed: () => speed,
      advance(n) {
        if (page.step >= total) return false;
        page.step = Math.min(total, page.step + n);
        page.drawn++;
        return true;
      },
      still: () => page.changes.push("still"),
      changed: (on) => page.changes.push(on ? "play" : "pause"),
    },
  });
  const tick = () => {
    t += 1000 / 60;
    frames.shift()?.(t);
  };
  return { player, page, frames, tick };
}

test("playing takes the first step at once, then the speed's, and stops at the end", () => {
  const h = harness(10, { speed: 120 });
  h.player.play();
  h.tick();
  assert.equal(h.page.step, 3, "the first step at once, and two for the frame");
  for (let i = 0; i < 10; i++) h.tick();
  assert.equal(h.page.step, 10);
  assert.equal(h.player.playing, false, "it stops at the end");
  assert.deepEqual(h.page.changes, ["play", "pause", "still"]);
  assert.equal(h.frames.length, 0, "no frame asked for after the end");
  h.player.play();
  assert.equal(h.page.step, 0, "play at the end starts again");
});

test("a pause shows the still page at the next frame; play before the run arrives waits for it", () => {
  const h = harness(100);
  h.player.play();
  h.player.pause();
  h.tick();
  assert.deepEqual(h.page.changes, ["play", "pause", "still"]);
  const w = harness(100, { ready: false });
  w.player.play();
  assert.equal(w.player.playing, false);
  w.page.ready = true;
  w.player.arrived();
  assert.equal(w.player.playing, true, "the run arrived: it plays");
  w.player.arrived();
  assert.equal(w.frames.length, 1, "once");
});
