// Tests for edit.js: what a new program's page keeps of the settings, and
// how the page says what a Run cost.
import { test } from "node:test";
import assert from "node:assert/strict";
import { carried, runFigures } from "./edit.js";
import { readURL } from "./settings.js";
import { recordingOf, logFromRecording } from "./recording.js";
import { row, handLog, chan } from "./testkit.js";

test("a new program keeps the seed, policy and the buffers and knobs it still has", () => {
  const settings = { seed: 9, policy: "fifo", caps: { jobs: 0, results: 7, gone: 1 }, knobs: { workers: 5, delay: 3 }, interventions: [{ step: 4, run: 2 }], step: 30, toEnd: false };
  const knobs = [
    { name: "jobs", kind: "cap", default: 3, max: 64 },
    { name: "results", kind: "cap", default: 3, max: 5 },
    { name: "workers", kind: "int", default: 3, min: 1, max: 8 },
  ];
  const q = carried(settings, knobs, true);
  const back = readURL(q, knobs);
  assert.deepEqual(back.problems, [], "the new page reads every parameter");
  assert.equal(back.settings.seed, 9);
  assert.equal(back.settings.policy, "fifo");
  assert.deepEqual(back.settings.caps, { jobs: 0 }, "results: 7 is past the new program's range; gone is gone");
  assert.deepEqual(back.settings.knobs, { workers: 5 });
  assert.deepEqual(back.settings.interventions, [], "choices named steps of another program");
  assert.equal(back.settings.step, 0);
  assert.equal(back.settings.projector, true);
});

test("a Run's cost reads as the page shows it", () => {
  assert.equal(runFigures({ at: 1000, buildMs: 950, cached: false }, 2234), "Built in 950 ms; first event 1.23 s after Run.");
  assert.equal(runFigures({ at: 1000, buildMs: 3, cached: true }, 1090), "Built before; first event 90 ms after Run.");
});

test("a recording of a program from the page carries its source; one without reads as before", () => {
  const log = handLog([row("make", 1, { obj: 1, value: 0 })], { objects: [chan(1, "ch", 0)] });
  const src = "package main\n\nfunc main() { _ = make(chan int) }\n";
  const rec = JSON.parse(JSON.stringify(recordingOf(log, { id: "p-0123456789abcdef01234567", title: "Your program", source: src, knobs: [] }, { seed: 2, policy: "go" })));
  assert.deepEqual(rec.scenario, { id: "p-0123456789abcdef01234567", title: "Your program", source: src });
  assert.equal(rec.version, 3);
  assert.deepEqual(recordingOf(logFromRecording(rec)), rec, "it reads back with its source");
  const plain = recordingOf(log, { id: "worker-pool-deadlock", title: "Pool" }, { seed: 2, policy: "go" });
  assert.ok(!("source" in plain.scenario), "a catalog scenario's names no source");
  assert.deepEqual(recordingOf(logFromRecording(plain)), plain);
  assert.throws(() => logFromRecording({ ...rec, scenario: { ...rec.scenario, source: 42 } }), /its scenario's source is not a string/);
});
