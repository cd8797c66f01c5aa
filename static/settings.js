// settings.js: a run's settings and the page's URL, both ways. Pure: no
// DOM, no network; the page reads location.search with readURL and writes
// what urlQuery returns. The settings are the inputs of a run (seed,
// policy, knobs, channel buffers, interventions) and where the page is in
// it (step, or the end), plus the page's projector mode and the class it
// follows. Every check says, in a sentence, what it could not use.

import { normalizeCode, ivText } from "./room.js";
import { LIMITS, POLICIES } from "./vocab.js";

/** MAX_SEED is the largest seed: seeds survive a round trip through a JavaScript number. */
export const MAX_SEED = LIMITS.maxSeed;
/** MAX_STEP is the largest step a link may name (PROTOCOL.md: a view's step). */
export const MAX_STEP = LIMITS.maxStep;

/** defaults are the settings of a link with no parameters. */
export function defaults() {
  return { seed: 1, policy: POLICIES[0], knobs: {}, caps: {}, interventions: [], step: 0, toEnd: false, projector: false, follow: "" };
}

// wholeProblem is why text is not a whole number from lo to hi, or "".
function wholeProblem(name, text, lo, hi) {
  if (!/^-?\d+$/.test(text) || Number(text) < lo || Number(text) > hi) return `${name} must be a whole number from ${lo} to ${hi}, not “${text}”`;
  return "";
}

/**
 * readURL parses a page's query (location.search) into settings for a
 * scenario with the given knobs (the scenario data's list: {name, kind,
 * min, max, default}; kind "cap" is a channel's buffer). Every parameter
 * it cannot use keeps its default and adds a sentence to problems.
 */
export function readURL(search, knobs) {
  const capKnobs = knobs.filter((k) => k.kind === "cap");
  const otherKnobs = knobs.filter((k) => k.kind !== "cap");
  const q = new URLSearchParams(search);
  const problems = [];
  const s = defaults();
  const int = (name, text, lo, hi) => {
    const p = wholeProblem(name, text, lo, hi);
    if (p) problems.push(p);
    return p ? null : Number(text);
  };
  for (const [key, val] of q) {
    if (key === "seed") {
      const v = int("seed", val, 0, MAX_SEED);
      if (v !== null) s.seed = v;
    } else if (key === "policy") {
      if (POLICIES.includes(val)) s.policy = val;
      else problems.push(`policy must be ${POLICIES.slice(0, -1).join(", ")} or ${POLICIES.at(-1)}, not “${val}”`);
    } else if (key === "step") {
      if (val === "end") s.toEnd = true;
      else {
        const v = int("step", val, 0, MAX_STEP);
        if (v !== null) s.step = v;
      }
    } else if (key.startsWith("c.")) {
      const name = key.slice(2);
      const k = capKnobs.find((k) => k.name === name);
      if (!k) problems.push(`this program has no channel “${name}”${capKnobs.length ? ` (its channels: ${capKnobs.map((k) => k.name).join(", ")})` : ""}`);
      else {
        const v = int(`the buffer of ${name}`, val, k.min, k.max);
        if (v !== null) s.caps[name] = v;
      }
    } else if (key.startsWith("k.")) {
      const name = key.slice(2);
      const k = otherKnobs.find((k) => k.name === name);
      if (!k) problems.push(`this program has no knob “${name}”`);
      else {
        const v = int(`knob ${name}`, val, k.min, k.max);
        if (v !== null) s.knobs[name] = v;
      }
    } else if (key === "iv") {
      for (const part of val.split(",").filter(Boolean)) {
        let m;
        if ((m = /^(\d+):r(\d+)$/.exec(part))) s.interventions.push({ step: Number(m[1]), run: Number(m[2]) });
        else if ((m = /^(\d+):c(\d+)=(\d+)$/.exec(part))) s.interventions.push({ step: Number(m[1]), chan: Number(m[2]), cap: Number(m[3]) });
        else if ((m = /^(\d+):s(\d+)$/.exec(part))) s.interventions.push({ step: Number(m[1]), case: Number(m[2]) });
        else problems.push(`“${part}” is not an intervention (write STEP:rG to run goroutine G next, STEP:cCHAN=CAP to resize a channel, or STEP:sK for a select to take its case K)`);
      }
      s.interventions.sort((a, b) => a.step - b.step);
    } else if (key === "projector" || key === "present") {
      s.projector = val === "1"; // "present" is what links said before rooms existed
    } else if (key === "follow") {
      s.follow = normalizeCode(val);
      if (!s.follow) problems.push(`“${val}” is not a class code (8 letters and digits, like ABCD-EFGH)`);
    } else {
      problems.push(`the page does not know the parameter “${key}”`);
    }
  }
  return { settings: s, problems };
}

/**
 * withinLimits drops the interventions the server's limits (hello.limits:
 * maxCap, maxInterventions) refuse from settings, in place, and returns a
 * sentence for each one dropped.
 */
export function withinLimits(settings, limits) {
  const problems = [];
  const maxCap = limits?.maxCap;
  if (Number.isInteger(maxCap)) {
    settings.interventions = settings.interventions.filter((iv) => {
      if (iv.cap === undefined || iv.cap <= maxCap) return true;
      problems.push(`“${ivText(iv)}” resizes a channel to ${iv.cap}, and a buffer holds at most ${maxCap}`);
      return false;
    });
  }
  const most = limits?.maxInterventions;
  if (Number.isInteger(most) && settings.interventions.length > most) {
    problems.push(`a run takes at most ${most} interventions, so the ${settings.interventions.length - most} after them were dropped`);
    settings.interventions = settings.interventions.slice(0, most);
  }
  return problems;
}

/**
 * urlQuery writes the settings as the page's query (without "?"), leaving
 * out knobs and buffers at their defaults: step is the step on screen,
 * projector and follow what the page shows now.
 */
export function urlQuery(settings, knobs, { step, projector = false, follow = "" }) {
  const q = new URLSearchParams();
  q.set("seed", String(settings.seed));
  q.set("policy", settings.policy);
  for (const k of knobs.filter((k) => k.kind === "cap")) if (settings.caps[k.name] !== undefined && settings.caps[k.name] !== k.default) q.set(`c.${k.name}`, settings.caps[k.name]);
  for (const k of knobs.filter((k) => k.kind !== "cap")) if (settings.knobs[k.name] !== undefined && settings.knobs[k.name] !== k.default) q.set(`k.${k.name}`, settings.knobs[k.name]);
  if (settings.interventions.length) q.set("iv", settings.interventions.map(ivText).join(","));
  q.set("step", String(step));
  if (projector) q.set("projector", "1");
  if (follow) q.set("follow", follow);
  return q.toString();
}

/** seedProblem says why a seed typed in is not one, or "". */
export function seedProblem(v) {
  return Number.isInteger(v) && v >= 0 && v <= MAX_SEED ? "" : "The seed must be a whole number from 0 to 2^53−1.";
}

/** knobProblem says why v is not a value of knob k (typed in), or "". */
export function knobProblem(k, v) {
  return Number.isInteger(v) && v >= k.min && v <= k.max ? "" : `${k.name} must be from ${k.min} to ${k.max}.`;
}

/** nudgeCap is channel knob k's buffer moved by d (the − and + buttons), kept in its range. */
export function nudgeCap(settings, k, d) {
  return Math.max(k.min, Math.min(k.max, (settings.caps[k.name] ?? k.default) + d));
}

/**
 * withIntervention returns the interventions with iv added: a choice made
 * at a step replaces the choices after it (they were made in the run it
 * replaces) and one of the same sort at that step.
 */
export function withIntervention(interventions, iv) {
  const sort = (x) => (x.run ? "r" : x.case !== undefined ? "s" : `c${x.chan}`);
  const kept = interventions.filter((x) => x.step < iv.step || (x.step === iv.step && sort(x) !== sort(iv)));
  return [...kept, iv].sort((a, b) => a.step - b.step);
}

/** runRequest is the run message (PROTOCOL.md) for the settings, resuming at from. */
export function runRequest(id, scenario, settings, from = 0) {
  const msg = { type: "run", id, scenario, seed: settings.seed, policy: settings.policy };
  if (Object.keys(settings.knobs).length) msg.knobs = settings.knobs;
  if (Object.keys(settings.caps).length) msg.caps = settings.caps;
  if (settings.interventions.length) msg.interventions = settings.interventions;
  if (from) msg.from = from;
  return msg;
}
