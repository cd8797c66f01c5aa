// Tests for layout.js: laying out a log that is still arriving (the page
// relays it out as it grows) ends where laying out the whole log does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { newLog, addEvents } from "./runlog.js";
import { layout, layoutKey } from "./layout.js";

const dir = new URL("./testdata/scenarios/", import.meta.url);
const fixtures = readdirSync(dir).filter((f) => f.endsWith(".json"));

// messagesOf reads a fixture: the run message and its rows with their declarations.
function messagesOf(f) {
  const { messages } = JSON.parse(readFileSync(new URL(f, dir), "utf8"));
  const run = messages.find((m) => m.type === "run");
  const rows = messages.filter((m) => m.type === "events").flatMap((m) => m.events);
  const objects = messages.flatMap((m) => m.objects ?? []);
  const goroutines = messages.flatMap((m) => m.goroutines ?? []);
  return { run, rows, objects, goroutines };
}

for (const f of fixtures) {
  test(`${f}: laid out as it arrives, in pieces, the run ends laid out as a whole`, () => {
    const { run, rows, objects, goroutines } = messagesOf(f);
    const whole = newLog(run);
    addEvents(whole, { from: 0, events: rows, objects, goroutines });
    const growing = newLog(run);
    const strip = (lay) => JSON.parse(JSON.stringify(lay, (k, v) => (v instanceof Map || v instanceof Set ? [...v] : v)));
    const piece = Math.max(1, Math.ceil(rows.length / 10));
    let was = null;
    for (let from = 0; from < rows.length; from += piece) {
      // Declarations come before the first event that uses them, as the server sends them.
      addEvents(growing, { from, events: rows.slice(from, from + piece), objects, goroutines });
      const now = { key: layoutKey(growing), lay: strip(layout(growing, "free")) };
      // The page lays a growing log out again only when its key changed: the same key, the same layout.
      if (was?.key === now.key) assert.deepEqual(now.lay, was.lay, `at ${growing.events.length} events`);
      was = now;
    }
    assert.deepEqual(strip(layout(growing, "free")), strip(layout(whole, "free")));
  });
}
