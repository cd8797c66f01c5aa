// Every built-in scenario's real run (static/testdata/scenarios, written by
// go run ./web/internal/fixture -scenario ID) folds without error, and the
// folded end state agrees with the engine's own outcome: the same
// goroutines blocked, for the same reasons.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { setKinds, newLog, addEvents, stateAt } from "./fold.js";

const dir = new URL("./testdata/scenarios/", import.meta.url);

for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
  test(`${file}: the folded end state is the engine's outcome`, () => {
    const fx = JSON.parse(readFileSync(new URL(file, dir), "utf8"));
    setKinds(fx.kinds);
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
    for (const o of Object.values(end.objs)) {
      if (o.buf) assert.ok(o.buf.length >= 0 && o.recvq.length >= 0 && o.sendq.length >= 0);
    }
  });
}
