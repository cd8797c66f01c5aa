// Every built-in scenario's real run (static/testdata/scenarios, as the
// server sends it: server's TestPageFixtures keeps it so) folds without error, and the
// folded end state agrees with the engine's own outcome: the same
// goroutines blocked, for the same reasons, each in the queue of what it
// waits on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { stateAt } from "./fold.js";
import { newLog, addEvents } from "./runlog.js";
import { kindsProblem } from "./testkit.js";

const dir = new URL("./testdata/scenarios/", import.meta.url);

for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
  test(`${file}: the folded end state is the engine's outcome`, () => {
    const fx = JSON.parse(readFileSync(new URL(file, dir), "utf8"));
    assert.equal(kindsProblem(fx.kinds), "");
    let log;
    let outcome;
    for (const m of fx.messages) {
      if (m.type === "run") log = newLog(m);
      else if (m.type === "events") addEvents(log, m);
      else if (m.type === "outcome") outcome = m;
    }
    assert.ok(log && outcome, "the fixture holds a whole run");
    for (let i = 0; i <= log.events.length; i++) stateAt(log, i); // every step folds
    const end = stateAt(log, log.events.length);
    const blocked = Object.values(end.gs)
      .filter((g) => g.state === "blocked")
      .map((g) => `${g.id} ${g.reason}`)
      .sort();
    const want = (outcome.blocked ?? []).map((b) => `${b.g} ${b.reason}`).sort();
    if (outcome.outcome === "ok") assert.deepEqual(blocked, []);
    else if (outcome.outcome === "deadlock" || outcome.outcome === "leak") assert.deepEqual(blocked, want);
    // Whoever waits in a channel's queues at the end is blocked on it, and
    // a run that ended well leaves nobody waiting.
    for (const o of Object.values(end.objs)) {
      for (const w of [...(o.sendq ?? []), ...(o.recvq ?? [])]) {
        const g = end.gs[w.g];
        assert.ok(g?.state === "blocked" && g.waitOn.includes(o.id), `goroutine ${w.g} waits in ${o.name}'s queue but is ${g?.state} on ${g?.waitOn}`);
        assert.notEqual(outcome.outcome, "ok", `${o.name} still has goroutine ${w.g} waiting after a run that ended well`);
      }
    }
  });
}
