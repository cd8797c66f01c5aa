// Tests for settings.js: a link's settings as the page reads them, the
// sentences for what it cannot use, and the link written back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readURL, urlQuery, withinLimits, withIntervention, runRequest, seedProblem, knobProblem, nudgeCap, defaults } from "./settings.js";

// The knobs of a worker pool: a channel's buffer and a plain constant.
const KNOBS = [
  { name: "jobs", kind: "cap", min: 0, max: 10, default: 2 },
  { name: "workers", kind: "int", min: 1, max: 8, default: 3 },
];

test("a link's settings are read, every one", () => {
  const { settings, problems } = readURL("?seed=42&policy=fifo&c.jobs=0&k.workers=5&iv=9:c2=3,4:r3&step=17&projector=1&follow=abcd-2345", KNOBS);
  assert.deepEqual(problems, []);
  assert.deepEqual(settings, {
    seed: 42, policy: "fifo", knobs: { workers: 5 }, caps: { jobs: 0 },
    interventions: [{ step: 4, run: 3 }, { step: 9, chan: 2, cap: 3 }], // in step order
    step: 17, toEnd: false, projector: true, follow: "ABCD2345",
  });
  assert.equal(readURL("?step=end", KNOBS).settings.toEnd, true);
  assert.equal(readURL("?present=1", KNOBS).settings.projector, true, "links from before rooms");
  assert.deepEqual(readURL("", KNOBS), { settings: defaults(), problems: [] });
});

test("what a link gets wrong keeps its default and is said in a sentence", () => {
  const cases = [
    ["seed=banana", "seed must be a whole number from 0 to 9007199254740991, not “banana”"],
    ["seed=9007199254740992", "seed must be a whole number from 0 to 9007199254740991, not “9007199254740992”"],
    ["policy=chaos", "policy must be random, go or fifo, not “chaos”"],
    ["step=-1", "step must be a whole number from 0 to 1000000000, not “-1”"],
    ["c.nope=3", "this program has no channel “nope” (its channels: jobs)"],
    ["c.jobs=11", "the buffer of jobs must be a whole number from 0 to 10, not “11”"],
    ["k.workers=0", "knob workers must be a whole number from 1 to 8, not “0”"],
    ["k.jobs=1", "this program has no knob “jobs”"],
    ["iv=x", "“x” is not an intervention (write STEP:rG to run goroutine G next, STEP:cCHAN=CAP to resize a channel, or STEP:sK for a select to take its case K)"],
    ["follow=nope", "“nope” is not a class code (8 letters and digits, like ABCD-EFGH)"],
    ["colour=red", "the page does not know the parameter “colour”"],
  ];
  for (const [query, want] of cases) {
    const { settings, problems } = readURL(`?${query}`, KNOBS);
    assert.deepEqual(problems, [want], query);
    assert.deepEqual({ ...settings, follow: "" }, defaults(), `${query}: the defaults stay`);
  }
  assert.equal(readURL("?iv=x,3:r2", KNOBS).settings.interventions.length, 1, "the good interventions stay");
});

test("the link written back reads as the same settings, defaults left out", () => {
  const s = { ...defaults(), seed: 7, policy: "go", knobs: { workers: 3 }, caps: { jobs: 5 }, interventions: [{ step: 4, run: 2 }, { step: 9, chan: 2, cap: 0 }, { step: 11, case: 0 }] };
  const q = urlQuery(s, KNOBS, { step: 12, projector: true, follow: "ABCD2345" });
  assert.equal(q, "seed=7&policy=go&c.jobs=5&iv=4%3Ar2%2C9%3Ac2%3D0%2C11%3As0&step=12&projector=1&follow=ABCD2345", "workers=3 is the default");
  const back = readURL(`?${q}`, KNOBS);
  assert.deepEqual(back.problems, []);
  assert.deepEqual(back.settings, { ...s, knobs: {}, step: 12, projector: true, follow: "ABCD2345" });
  assert.equal(urlQuery(defaults(), KNOBS, { step: 0 }), "seed=1&policy=random&step=0");
});

test("the server's limits drop the interventions it would refuse", () => {
  const s = readURL("?iv=1:c1=1000,2:c1=1001,3:r2,4:s1", KNOBS).settings;
  assert.deepEqual(withinLimits(s, { maxCap: 1000, maxInterventions: 1000 }), ["“2:c1=1001” resizes a channel to 1001, and a buffer holds at most 1000"]);
  assert.deepEqual(s.interventions, [{ step: 1, chan: 1, cap: 1000 }, { step: 3, run: 2 }, { step: 4, case: 1 }]);
  assert.deepEqual(withinLimits(s, { maxCap: 1000, maxInterventions: 1 }), ["a run takes at most 1 interventions, so the 2 after them were dropped"]);
  assert.deepEqual(s.interventions, [{ step: 1, chan: 1, cap: 1000 }]);
  assert.deepEqual(withinLimits(s, undefined), [], "no limits known: nothing dropped");
  assert.equal(s.interventions.length, 1);
});

test("a new choice replaces the choices after it and its own sort at its step", () => {
  const ivs = [{ step: 2, run: 3 }, { step: 5, chan: 1, cap: 0 }, { step: 5, run: 2 }, { step: 9, run: 4 }];
  assert.deepEqual(withIntervention(ivs, { step: 5, run: 7 }), [{ step: 2, run: 3 }, { step: 5, chan: 1, cap: 0 }, { step: 5, run: 7 }]);
  assert.deepEqual(withIntervention(ivs, { step: 5, chan: 1, cap: 4 }), [{ step: 2, run: 3 }, { step: 5, run: 2 }, { step: 5, chan: 1, cap: 4 }]);
  assert.deepEqual(withIntervention(ivs, { step: 1, run: 2 }), [{ step: 1, run: 2 }]);
  assert.deepEqual(withIntervention(ivs, { step: 5, case: 1 }), [{ step: 2, run: 3 }, { step: 5, chan: 1, cap: 0 }, { step: 5, run: 2 }, { step: 5, case: 1 }]);
  assert.equal(ivs.length, 4, "the old list is left alone");
});

test("typed-in values are checked, buttons stay in range, runs are asked for with what differs", () => {
  assert.equal(seedProblem(0), "");
  assert.equal(seedProblem(2 ** 53), "The seed must be a whole number from 0 to 2^53−1.");
  assert.equal(seedProblem(1.5), "The seed must be a whole number from 0 to 2^53−1.");
  assert.equal(knobProblem(KNOBS[1], 9), "workers must be from 1 to 8.");
  assert.equal(knobProblem(KNOBS[1], 8), "");
  assert.equal(nudgeCap({ caps: {} }, KNOBS[0], +1), 3, "from the default");
  assert.equal(nudgeCap({ caps: { jobs: 10 } }, KNOBS[0], +1), 10);
  assert.equal(nudgeCap({ caps: { jobs: 0 } }, KNOBS[0], -1), 0);
  assert.deepEqual(runRequest("3", "pool", defaults()), { type: "run", id: "3", scenario: "pool", seed: 1, policy: "random" });
  const s = { ...defaults(), knobs: { workers: 2 }, caps: { jobs: 0 }, interventions: [{ step: 1, run: 2 }] };
  assert.deepEqual(runRequest("4", "pool", s, 120), { type: "run", id: "4", scenario: "pool", seed: 1, policy: "random", knobs: { workers: 2 }, caps: { jobs: 0 }, interventions: [{ step: 1, run: 2 }], from: 120 });
});
