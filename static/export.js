// export.js: a run as it leaves the page, for classrooms and bug reports.
//
// - recordingOf / logFromRecording: the concviz run JSON (EXPORT.md), the
//   whole run in one file that replays with no server.
// - traceOf / validateTrace: the run as a Chrome trace (the JSON Object
//   Format), one track per goroutine, for ui.perfetto.dev and
//   chrome://tracing.
// - standaloneHTML: the scenario page and a recording as one HTML file that
//   opens from disk.
// - graphSVG, graphPNG, download: the graph as a picture, and saving files.
//   These need a browser; everything above is pure and tested with node.

import { newLog, addEvents, lanes, names as goroutineNames, kindName, initialState, applyInPlace } from "./fold.js";

export const RUN_FORMAT = "concviz-run";
export const RUN_VERSION = 1;

// ---- The concviz run JSON ------------------------------------------------

// Declarations as the protocol spells them, with the value a missing field
// has. A recording always holds every field, so it reads the same anywhere.
const OBJECT_FIELDS = { ID: 0, Kind: 0, Name: "", Cap: 0, Elem: "", Pos: 0, Parent: 0 };
const GOROUTINE_FIELDS = { ID: 0, Name: "", Parent: 0, Pos: 0 };
const POLICIES = ["random", "go", "fifo"];
const MAX_SEED = 2 ** 53 - 1;

/**
 * recordingOf returns the concviz run JSON of a log (EXPORT.md): the
 * scenario (the page's scenario data; only id and title are kept), the
 * settings that made the run (seed, policy, knobs, caps, interventions; the
 * page's other settings are not part of the run), the event kind names the
 * rows' kind numbers index, the sites, every declaration, every event row
 * and the outcome (null while the run has none). A log made by
 * logFromRecording remembers its scenario and settings, so they may be
 * left out. The recording shares nothing with the log.
 */
export function recordingOf(log, scenario = log.recorded?.scenario, settings = log.recorded?.settings) {
  if (typeof scenario?.id !== "string" || !scenario.id) throw new Error("recordingOf needs the scenario the run is of (its id and title)");
  if (!settings) throw new Error("recordingOf needs the settings that made the run");
  return {
    format: RUN_FORMAT,
    version: RUN_VERSION,
    scenario: { id: scenario.id, title: String(scenario.title ?? "") },
    settings: runSettings(settings),
    kinds: kindList(),
    sites: log.sites.map((s) => ({ line: s?.line ?? 0, func: s?.func ?? "" })),
    objects: [...log.objects.values()].map((d) => withDefaults(d, OBJECT_FIELDS)),
    goroutines: [...log.goroutines.values()].map((d) => withDefaults(d, GOROUTINE_FIELDS)),
    events: log.events.map((r) => r.slice()),
    outcome: log.outcome ? outcomeOf(log.outcome) : null,
  };
}

// runSettings keeps the settings that are inputs of the run, as copies.
function runSettings(s) {
  return {
    seed: s.seed ?? 1,
    policy: s.policy ?? "random",
    knobs: { ...s.knobs },
    caps: { ...s.caps },
    interventions: (s.interventions ?? []).map((iv) => (iv.run !== undefined ? { step: iv.step, run: iv.run } : { step: iv.step, chan: iv.chan, cap: iv.cap })),
  };
}

// kindList reads the kind names fold.js uses now (the server's, once hello
// has set them): fold.js names a number it does not know "kind(N)".
function kindList() {
  const out = [];
  for (let k = 0; kindName(k) !== `kind(${k})`; k++) out.push(kindName(k));
  return out;
}

function withDefaults(d, fields) {
  const out = {};
  for (const [f, zero] of Object.entries(fields)) out[f] = d[f] ?? zero;
  return out;
}

// outcomeOf is the outcome message without what only the WebSocket needs.
function outcomeOf(msg) {
  const { type, id, ...rest } = msg;
  return structuredClone(rest);
}

/**
 * logFromRecording turns a concviz run JSON back into a log, exactly as if
 * the run had arrived over the WebSocket: newLog with a run message, one
 * events message with every declaration, then the outcome. It checks the
 * recording first and throws an Error with one sentence on the first thing
 * wrong, so a damaged file is refused rather than replayed wrongly. Rows
 * are renumbered if the recording's kind numbers differ from this page's.
 * The log remembers the scenario and settings (log.recorded).
 */
export function logFromRecording(rec) {
  const problem = recordingProblem(rec);
  if (problem) throw new Error(`This recording cannot be replayed: ${problem}.`);
  const kinds = kindNumbers(rec.kinds, rec.events);
  const run = { type: "run", id: "recording", scenario: rec.scenario.id, seed: rec.settings.seed, policy: rec.settings.policy, sites: rec.sites.map((s) => ({ ...s })) };
  const log = newLog(run);
  addEvents(log, {
    from: 0,
    events: rec.events.map((r) => [r[0], r[1], kinds[r[2]], ...r.slice(3)]),
    objects: rec.objects.map((d) => ({ ...d })),
    goroutines: rec.goroutines.map((d) => ({ ...d })),
  });
  if (rec.outcome) log.outcome = { ...structuredClone(rec.outcome), type: "outcome", id: run.id };
  log.recorded = { scenario: { id: rec.scenario.id, title: rec.scenario.title }, settings: runSettings(rec.settings) };
  return log;
}

// kindNumbers maps the recording's kind numbers to this page's, by name.
function kindNumbers(names, events) {
  const here = new Map(kindList().map((n, k) => [n, k]));
  const used = new Set(events.map((r) => r[2]));
  return names.map((n, k) => {
    if (!here.has(n) && used.has(k)) throw new Error(`This recording cannot be replayed: its events use the event kind “${n}”, which this page does not know.`);
    return here.get(n) ?? k;
  });
}

const isInt = (x) => Number.isSafeInteger(x);
const isObj = (x) => x !== null && typeof x === "object" && !Array.isArray(x);
const isIntMap = (x) => isObj(x) && Object.values(x).every(isInt);

/** recordingProblem returns what is wrong with a recording, or "". */
export function recordingProblem(rec) {
  if (!isObj(rec)) return "it is not a JSON object";
  if (rec.format !== RUN_FORMAT) return `its format is ${JSON.stringify(rec.format)}, not "${RUN_FORMAT}": it is not a concviz run`;
  if (rec.version !== RUN_VERSION) return `it is version ${JSON.stringify(rec.version)} of the format, and this page reads version ${RUN_VERSION}`;
  for (const f of ["scenario", "settings", "kinds", "sites", "objects", "goroutines", "events", "outcome"]) {
    if (!(f in rec)) return `it has no "${f}"`;
  }
  return (
    scenarioProblem(rec.scenario) ||
    settingsProblem(rec.settings) ||
    listProblem(rec.kinds, "kinds", (k) => typeof k === "string", "a string") ||
    listProblem(rec.sites, "sites", (s) => isObj(s) && isInt(s.line) && s.line >= 0 && typeof s.func === "string", "{line, func}") ||
    declProblem(rec.objects, "objects", OBJECT_FIELDS) ||
    declProblem(rec.goroutines, "goroutines", GOROUTINE_FIELDS) ||
    eventsProblem(rec) ||
    outcomeProblem(rec.outcome, rec.events.length)
  );
}

function scenarioProblem(s) {
  if (!isObj(s) || typeof s.id !== "string" || !s.id || typeof s.title !== "string") return "its scenario is not {id, title} with an id";
  return "";
}

function settingsProblem(s) {
  if (!isObj(s)) return "its settings are not an object";
  if (!isInt(s.seed) || s.seed < 0 || s.seed > MAX_SEED) return "its seed is not a whole number from 0 to 2^53−1";
  if (!POLICIES.includes(s.policy)) return `its policy is ${JSON.stringify(s.policy)}, not random, go or fifo`;
  if (!isIntMap(s.knobs)) return "its knobs are not an object of whole numbers";
  if (!isIntMap(s.caps)) return "its caps are not an object of whole numbers";
  const ok = (iv) => isObj(iv) && isInt(iv.step) && iv.step >= 0 && (isInt(iv.run) || (isInt(iv.chan) && isInt(iv.cap)));
  return listProblem(s.interventions, "interventions", ok, "{step, run} or {step, chan, cap}");
}

function listProblem(list, name, ok, shape) {
  if (!Array.isArray(list)) return `its ${name} are not an array`;
  const i = list.findIndex((x) => !ok(x));
  return i < 0 ? "" : `${name}[${i}] is not ${shape}`;
}

function declProblem(list, name, fields) {
  const shape = `{${Object.keys(fields).join(", ")}}`;
  const ok = (d) => isObj(d) && Object.entries(fields).every(([f, zero]) => typeof d[f] === typeof zero && (typeof zero !== "number" || isInt(d[f])));
  const p = listProblem(list, name, ok, `a declaration ${shape}`);
  if (p) return p;
  const seen = new Set();
  for (const d of list) {
    if (d.ID <= 0) return `${name} declares the id ${d.ID}, and ids start at 1`;
    if (seen.has(d.ID)) return `${name} declares ${d.ID} twice`;
    seen.add(d.ID);
  }
  return "";
}

// ROW says what each field of an event row must be (PROTOCOL.md).
const ROW = [
  ["time", (x) => isInt(x) && x >= 0, "a whole number of nanoseconds ≥ 0"],
  ["g", (x) => isInt(x) && x >= 0, "a goroutine id"],
  ["kind", (x) => isInt(x) && x >= 0, "a kind number"],
  ["obj", (x) => isInt(x) && x >= 0, "an object id (0: none)"],
  ["peer", isInt, "a whole number"],
  ["value", (x) => typeof x === "string", "a string"],
  ["flag", isInt, "a whole number"],
  ["site", (x) => isInt(x) && x >= 0, "a site index"],
  ["valueKind", (x) => isInt(x) && x >= 0 && x <= 5, "a number from 0 to 5"],
];

// Kinds whose peer is a goroutine the event is about (the one started, the
// other side of a hand-off): fold.js creates it if it is not declared.
const PEER_IS_G = new Set(["go", "send", "recv"]);

function eventsProblem(rec) {
  if (!Array.isArray(rec.events)) return "its events are not an array";
  const gs = new Set([1, ...rec.goroutines.map((d) => d.ID)]); // main needs no declaration
  const objs = new Set(rec.objects.map((d) => d.ID));
  for (let i = 0; i < rec.events.length; i++) {
    const r = rec.events[i];
    if (!Array.isArray(r) || r.length !== ROW.length) return `event ${i} is not a row of ${ROW.length} fields [${ROW.map((f) => f[0]).join(", ")}]`;
    const bad = ROW.findIndex(([, ok], k) => !ok(r[k]));
    if (bad >= 0) return `event ${i}'s ${ROW[bad][0]} is ${JSON.stringify(r[bad])}, not ${ROW[bad][2]}`;
    const [, g, kind, obj, peer, , , site] = r;
    if (kind >= rec.kinds.length) return `event ${i} is of kind ${kind}, and kinds names only ${rec.kinds.length}`;
    if (g && !gs.has(g)) return `event ${i} is by goroutine ${g}, which the recording does not declare`;
    if (peer && PEER_IS_G.has(rec.kinds[kind]) && !gs.has(peer)) return `event ${i} (${rec.kinds[kind]}) names goroutine ${peer}, which the recording does not declare`;
    if (obj && !objs.has(obj)) return `event ${i} is about object ${obj}, which the recording does not declare`;
    if (site >= Math.max(1, rec.sites.length)) return `event ${i} is at site ${site}, and there are ${rec.sites.length} sites`;
  }
  return "";
}

function outcomeProblem(o, n) {
  if (o === null) return "";
  if (!isObj(o) || typeof o.outcome !== "string") return "its outcome is neither null nor an object with an outcome";
  if (o.events !== undefined && o.events !== n) return `its outcome is of a run of ${o.events} events, and it holds ${n}: it was cut short`;
  if (o.blocked != null && !(Array.isArray(o.blocked) && o.blocked.every((b) => isObj(b) && isInt(b.g)))) return "its outcome's blocked is neither null nor a list of {g, …}";
  return "";
}

// ---- Chrome trace event format --------------------------------------------

/** STEP_US is the length of a step on the trace's time axis, in microseconds. */
export const STEP_US = 1;

// Chrome's reserved colour names for the states, so chrome://tracing draws
// them as it draws thread states (Perfetto picks its own colours).
const STATE_COLOR = {
  running: "thread_state_running",
  runnable: "thread_state_runnable",
  blocked: "thread_state_uninterruptible",
  sleeping: "thread_state_sleeping",
  done: "grey",
};

/**
 * traceOf returns the run as a Chrome trace (JSON Object Format) for
 * ui.perfetto.dev and chrome://tracing. One process (pid 1) named title;
 * a thread per goroutine (tid = goroutine id) named as the page names it
 * (names, from fold.js names(log)) and sorted by id; the goroutine's states
 * (fold.js lanes) as complete events named running, runnable, blocked,
 * sleeping or done; hand-offs as flow arrows from sender to receiver;
 * prints and the outcome as instant events.
 *
 * The time axis counts steps, not time: 1 step = STEP_US µs, and the state
 * after s events (step s) spans [s, s+1), so the last state has a width
 * too. Virtual time is in each slice's args (time_ns) and in otherData.
 */
export function traceOf(log, names = goroutineNames(log), { title } = {}) {
  const sum = lanes(log);
  const n = sum.steps;
  const ids = new Set(sum.lanes.map((l) => l.id));
  const why = reasons(log, sum);
  const out = [meta("process_name", 1, { name: title || log.recorded?.scenario?.title || log.run?.scenario || "concviz run" })];
  for (const lane of sum.lanes) {
    out.push(meta("thread_name", lane.id, { name: names?.get(lane.id) ?? lane.name }));
    out.push(meta("thread_sort_index", lane.id, { sort_index: lane.id }));
    out.push(...slicesOf(log, lane, n + 1, why));
  }
  out.push(...flowsOf(log, sum.handoffs));
  out.push(...printsOf(log, ids));
  if (log.outcome) out.push(outcomeInstant(log.outcome, n));
  return { traceEvents: out, displayTimeUnit: "ms", otherData: otherDataOf(log, n) };
}

// meta is a metadata event. Every event carries pid, tid and ts, as
// Chrome's own traces do; a process's metadata sits on main's thread.
function meta(name, tid, args) {
  return { name, ph: "M", pid: 1, tid, ts: 0, args };
}

const timeAt = (log, step) => (step > 0 ? log.events[step - 1][0] : 0);

// slicesOf turns a lane's changes into complete events up to end.
function slicesOf(log, lane, end, why) {
  const out = [];
  lane.changes.forEach(([from, st], k) => {
    const to = k + 1 < lane.changes.length ? lane.changes[k + 1][0] : end;
    if (to <= from) return;
    const args = { first_step: from, last_step: to - 1, time_ns: timeAt(log, from), ...why.get(`${lane.id}@${from}`) };
    out.push({ name: st, cat: "state", ph: "X", pid: 1, tid: lane.id, ts: from * STEP_US, dur: (to - from) * STEP_US, cname: STATE_COLOR[st] ?? "generic_work", args });
  });
  return out;
}

// reasons folds the run once to say why a goroutine blocked or slept where
// its lane says it did: {reason, line} by "id@step".
function reasons(log, sum) {
  const want = new Map(); // step -> goroutine ids
  for (const lane of sum.lanes) {
    for (const [step, st] of lane.changes) if (st === "blocked" || st === "sleeping") want.set(step, [...(want.get(step) ?? []), lane.id]);
  }
  const out = new Map();
  const s = initialState(log.run);
  for (let step = 0; step <= sum.steps; step++) {
    if (step > 0) applyInPlace(s, log.events[step - 1], log);
    for (const id of want.get(step) ?? []) {
      const x = s.gs[id];
      if (x?.reason) out.set(`${id}@${step}`, x.line ? { reason: x.reason, line: x.line } : { reason: x.reason });
    }
  }
  return out;
}

// flowsOf draws each hand-off as a flow from the sender's slice to the
// receiver's. Both ends sit inside the step's slot (a quarter and three
// quarters in), where a slice encloses them on each track: viewers bind a
// flow to the slice around it and drop one that has none.
function flowsOf(log, handoffs) {
  const out = [];
  handoffs.forEach((h, i) => {
    const name = "hand-off";
    const args = { channel: log.objects.get(h.obj)?.Name ?? `object ${h.obj}`, value: String(log.events[h.step - 1]?.[5] ?? ""), step: h.step };
    out.push({ name, cat: "handoff", ph: "s", id: i + 1, pid: 1, tid: h.from, ts: (h.step + 0.25) * STEP_US, args });
    out.push({ name, cat: "handoff", ph: "f", bp: "e", id: i + 1, pid: 1, tid: h.to, ts: (h.step + 0.75) * STEP_US });
  });
  return out;
}

// printsOf marks each line printed on its goroutine's track.
function printsOf(log, ids) {
  const out = [];
  log.events.forEach((r, i) => {
    if (kindName(r[2]) !== "print" || !ids.has(r[1])) return;
    out.push({ name: "print", cat: "output", ph: "i", s: "t", pid: 1, tid: r[1], ts: (i + 1.5) * STEP_US, args: { text: String(r[5]), stream: r[6] === 2 ? "stderr" : "stdout" } });
  });
  return out;
}

function outcomeInstant(o, n) {
  return { name: `outcome: ${o.outcome}`, cat: "outcome", ph: "i", s: "g", pid: 1, tid: 1, ts: (n + 0.5) * STEP_US, args: { outcome: o.outcome, message: o.message ?? "" } };
}

function otherDataOf(log, n) {
  const rec = log.recorded;
  return {
    format: "concviz trace",
    version: 1,
    scenario: rec?.scenario?.id ?? log.run?.scenario ?? "",
    seed: rec?.settings?.seed ?? log.run?.seed ?? 1,
    policy: rec?.settings?.policy ?? log.run?.policy ?? "random",
    steps: n,
    outcome: log.outcome?.outcome ?? "",
    time_axis: `${STEP_US} µs = 1 step: the state after s events spans [s, s+1) steps; a slice's args give its steps and the virtual time (time_ns) it starts at`,
  };
}

// ---- Checking a trace -----------------------------------------------------

const PHASES = new Set(["B", "E", "X", "i", "I", "C", "b", "n", "e", "s", "t", "f", "P", "O", "N", "D", "M", "R", "c", "(", ")"]);
const META = new Set(["process_name", "process_labels", "process_sort_index", "thread_name", "thread_sort_index"]);
const RESERVED_COLORS = new Set([
  "thread_state_uninterruptible", "thread_state_iowait", "thread_state_running", "thread_state_runnable",
  "thread_state_sleeping", "thread_state_unknown", "background_memory_dump", "light_memory_dump",
  "detailed_memory_dump", "vsync_highlight_color", "generic_work", "good", "bad", "terrible", "black",
  "grey", "white", "yellow", "olive",
]);

/**
 * validateTrace checks a trace against the rules of Chrome's trace event
 * format that viewers enforce, and returns the problems as sentences (none:
 * a good trace). It checks that the trace survives JSON; the phases and the
 * fields each needs (name, numeric pid, tid and ts; dur ≥ 0 on X; id and
 * cat on flows; a known scope on instants); metadata names and their args;
 * and flows: every start finished with the same id, cat and name no
 * earlier than it started, and each end inside a slice on its thread so
 * that viewers can bind it.
 */
export function validateTrace(t) {
  const p = [];
  jsonProblems(t, "the trace", p, new Set());
  if (!isObj(t)) return [...p, "the trace is not a JSON object"];
  if (!Array.isArray(t.traceEvents)) return [...p, "traceEvents is not an array"];
  if (t.displayTimeUnit !== undefined && t.displayTimeUnit !== "ms" && t.displayTimeUnit !== "ns") p.push(`displayTimeUnit is ${JSON.stringify(t.displayTimeUnit)}, not "ms" or "ns"`);
  if (t.otherData !== undefined && !isObj(t.otherData)) p.push("otherData is not an object");
  t.traceEvents.forEach((e, i) => eventProblems(e, i, p));
  flowProblems(t.traceEvents.filter(isObj), p);
  return p;
}

// jsonProblems finds what JSON.stringify would drop or change: numbers that
// are not finite, undefined, functions, and objects that are not plain.
function jsonProblems(x, at, p, seen) {
  if (p.length > 50) return;
  if (typeof x === "number" && !Number.isFinite(x)) p.push(`${at} is ${x}, which JSON cannot hold`);
  else if (["undefined", "function", "symbol", "bigint"].includes(typeof x)) p.push(`${at} is a ${typeof x}, which JSON cannot hold`);
  else if (x !== null && typeof x === "object") {
    if (seen.has(x)) return p.push(`${at} contains itself`);
    const proto = Object.getPrototypeOf(x);
    if (!Array.isArray(x) && proto !== Object.prototype && proto !== null) return p.push(`${at} is a ${x.constructor?.name ?? "non-plain object"}, not a plain object`);
    seen.add(x);
    for (const [k, v] of Object.entries(x)) jsonProblems(v, Array.isArray(x) ? `${at}[${k}]` : `${at}.${k}`, p, seen);
    seen.delete(x);
  }
}

function eventProblems(e, i, p) {
  const at = `event ${i}`;
  if (!isObj(e)) return p.push(`${at} is not an object`);
  if (!PHASES.has(e.ph)) return p.push(`${at} has the phase ${JSON.stringify(e.ph)}, which is not one of the format's`);
  const num = (f) => typeof e[f] === "number" && Number.isFinite(e[f]);
  if (e.ph !== "E" && typeof e.name !== "string") p.push(`${at} (${e.ph}) has no name`);
  for (const f of ["pid", "tid"]) if (!num(f)) p.push(`${at} (${e.ph}) has a ${f} that is not a number: ${JSON.stringify(e[f])}`);
  const needsTs = e.ph !== "M" || e.ts !== undefined; // metadata may leave ts out
  if (needsTs && !num("ts")) p.push(`${at} (${e.ph}) has a ts that is not a number: ${JSON.stringify(e.ts)}`);
  if (e.args !== undefined && !isObj(e.args)) p.push(`${at} has args that are not an object`);
  if (e.cname !== undefined && !RESERVED_COLORS.has(e.cname)) p.push(`${at} has the colour ${JSON.stringify(e.cname)}, which is not a reserved colour name`);
  if (e.ph === "X" && !(num("dur") && e.dur >= 0)) p.push(`${at} (X) has no duration ≥ 0: ${JSON.stringify(e.dur)}`);
  if ((e.ph === "i" || e.ph === "I") && e.s !== undefined && !["g", "p", "t"].includes(e.s)) p.push(`${at} (instant) has the scope ${JSON.stringify(e.s)}, not g, p or t`);
  if (e.ph === "s" || e.ph === "t" || e.ph === "f") {
    if (typeof e.id !== "number" && typeof e.id !== "string") p.push(`${at} (flow ${e.ph}) has no id`);
    if (typeof e.cat !== "string") p.push(`${at} (flow ${e.ph}) has no cat`);
    if (e.bp !== undefined && e.bp !== "e") p.push(`${at} (flow ${e.ph}) has the binding point ${JSON.stringify(e.bp)}, not "e"`);
  }
  if (e.ph === "C" && !(isObj(e.args) && Object.values(e.args).every((v) => typeof v === "number"))) p.push(`${at} (counter) has args that are not all numbers`);
  if (e.ph === "M") metaProblems(e, at, p);
}

function metaProblems(e, at, p) {
  if (!META.has(e.name)) return p.push(`${at} is metadata named ${JSON.stringify(e.name)}, which viewers do not know`);
  const a = e.args;
  if (e.name.endsWith("_name") && typeof a?.name !== "string") p.push(`${at} (${e.name}) has no args.name string`);
  if (e.name.endsWith("_sort_index") && !Number.isInteger(a?.sort_index)) p.push(`${at} (${e.name}) has no whole args.sort_index`);
  if (e.name === "process_labels" && typeof a?.labels !== "string") p.push(`${at} (process_labels) has no args.labels string`);
}

// flowProblems pairs each flow's start with its finish (by cat, name and
// id, in time order) and checks that each end binds to a slice.
function flowProblems(events, p) {
  const slices = new Map(); // "pid:tid" -> [[start, end]]
  for (const e of events) if (e.ph === "X" && typeof e.ts === "number") (slices.get(`${e.pid}:${e.tid}`) ?? slices.set(`${e.pid}:${e.tid}`, []).get(`${e.pid}:${e.tid}`)).push([e.ts, e.ts + (e.dur ?? 0)]);
  const flows = new Map();
  events.forEach((e, i) => {
    if (e.ph !== "s" && e.ph !== "t" && e.ph !== "f") return;
    const key = `${e.cat} / ${e.name} / ${e.id}`;
    (flows.get(key) ?? flows.set(key, []).get(key)).push({ e, i });
    bindProblem(e, i, slices, p);
  });
  for (const [key, list] of flows) {
    list.sort((a, b) => a.e.ts - b.e.ts || "stf".indexOf(a.e.ph) - "stf".indexOf(b.e.ph));
    let open = null;
    for (const { e, i } of list) {
      if (e.ph === "s") {
        if (open) p.push(`flow ${key} starts again (event ${i}) before it finished`);
        open = { e, i };
      } else if (!open) {
        p.push(`flow ${key} ${e.ph === "f" ? "finishes" : "steps"} (event ${i}) without a start before it`);
      } else if (e.ph === "f") {
        open = null;
      }
    }
    if (open) p.push(`flow ${key} starts (event ${open.i}) and never finishes`);
  }
}

// bindProblem checks that a flow event has a slice to bind to: the slice
// around it, or for a finish without bp "e", the next slice on its thread.
function bindProblem(e, i, slices, p) {
  const list = slices.get(`${e.pid}:${e.tid}`) ?? [];
  const enclosing = e.ph !== "f" || e.bp === "e";
  const ok = enclosing ? list.some(([a, b]) => a <= e.ts && e.ts <= b) : list.some(([a]) => a >= e.ts);
  if (!ok) p.push(`flow event ${i} (${e.ph}, id ${e.id}) at ts ${e.ts} has no slice ${enclosing ? "around it" : "after it"} on pid ${e.pid} tid ${e.tid}, so viewers drop it`);
}

// ---- The standalone page --------------------------------------------------

/**
 * standaloneHTML makes the scenario page's server-rendered HTML (page, as
 * GET /s/{id} returns it) into one file that replays a recording with no
 * server: the style sheet (css) inlined, the modules (bundle, as GET
 * /static/bundle.js returns it) inlined as one module script, the
 * recording in a <script type="application/json" id="recording">, the
 * icon (icon, the SVG's text) as a data: URL or left out, a
 * <meta name="concviz-standalone"> marker, and a Content-Security-Policy
 * that lets the file load nothing from anywhere. It throws if the page
 * loads something from /static/ it does not know how to inline: a page
 * that needs the server is not standalone.
 */
export function standaloneHTML({ page, css, bundle, recording, icon = "" }) {
  for (const [name, v] of Object.entries({ page, css, bundle })) if (typeof v !== "string") throw new Error(`standaloneHTML needs ${name} as a string`);
  if (!isObj(recording)) throw new Error("standaloneHTML needs the recording");
  const tokens = { style: "\u0000style\u0000", script: "\u0000script\u0000" };
  if (page.includes("\u0000")) throw new Error("the page holds a NUL character");
  let html = once(page, /<link\b[^>]*\shref="\/static\/style\.css"[^>]*>/g, tokens.style, "a <link> to /static/style.css");
  html = once(html, /<script\b[^>]*\ssrc="\/static\/app\.js"[^>]*>\s*<\/script>/g, tokens.script, `a <script type="module" src="/static/app.js">`);
  html = inlineIcon(html, icon);
  const left = /\b(?:src|href)="(\/static\/[^"]*)"/.exec(html);
  if (left) throw new Error(`the page loads ${left[1]} from the server, which standaloneHTML does not inline`);
  html = once(html, /<meta charset="utf-8"\s*\/?>/gi, (m) => `${m}<meta name="concviz-standalone" content="${RUN_VERSION}"><meta http-equiv="Content-Security-Policy" content="${STANDALONE_CSP}">`, `<meta charset="utf-8">`);
  const json = JSON.stringify(recording).replace(/</g, "\\u003c");
  return html
    .replace(tokens.style, () => `<style>${css.replace(/<\/style/gi, "<\\/style")}</style>`)
    .replace(tokens.script, () => `<script type="application/json" id="recording">${json}</script><script type="module">${scriptText(bundle)}</script>`);
}

// The standalone page needs nothing from anywhere: its script and styles
// are inline, its images data: (and blob: for the PNG export).
const STANDALONE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; base-uri 'none'; form-action 'none'";

// once replaces the one match of re in html, or throws: a page that lacks
// the tag, or has two, is not the page this was written for.
function once(html, re, replacement, what) {
  const n = html.match(re)?.length ?? 0;
  if (n !== 1) throw new Error(`the page has ${n === 0 ? "no" : n} ${what} where standaloneHTML expects one`);
  return html.replace(re, typeof replacement === "function" ? replacement : () => replacement);
}

// inlineIcon makes /static/icon.svg a data: URL, or drops the tags that
// load it when there is no icon to inline.
function inlineIcon(html, icon) {
  const tags = /<(?:link|img)\b[^>]*\s(?:href|src)="\/static\/icon\.svg"[^>]*>/g;
  if (!icon) return html.replace(tags, "");
  const url = `data:image/svg+xml,${encodeURIComponent(icon)}`;
  return html.replace(tags, (tag) => tag.replace(/"\/static\/icon\.svg"/, () => `"${url}"`));
}

// scriptText keeps a script's text from ending its <script> element early:
// "</script" would close it, and "<!--" could start the HTML parser's
// escaped mode in which a later "</script>" does not. Both escapes mean
// the same to JavaScript inside strings, templates, regular expressions
// and comments, the only places either can appear in working code.
function scriptText(js) {
  return js.replace(/<\/script/gi, "<\\/script").replace(/<!--/g, "<\\!--");
}

// ---- Pictures and files (browser only) ----------------------------------

const SVG_NS = "http://www.w3.org/2000/svg";

// The computed styles a drawing needs once it leaves the page's style
// sheet and its CSS variables.
const SVG_STYLES = [
  "fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "stroke-opacity", "stroke-linecap",
  "stroke-linejoin", "opacity", "font-family", "font-size", "font-weight", "font-style", "text-anchor",
  "dominant-baseline",
];

/**
 * graphSVG returns the graph on screen as a standalone SVG document: each
 * element's computed style inlined (the page's CSS variables do not
 * survive outside it), hidden elements kept hidden, the size of its
 * viewBox, and a background of the page's colour.
 */
export function graphSVG(svg) {
  const copy = svg.cloneNode(true);
  const from = [svg, ...svg.querySelectorAll("*")];
  const to = [copy, ...copy.querySelectorAll("*")];
  from.forEach((el, i) => {
    const style = inlineStyle(el, el === svg ? null : el.parentElement);
    if (style) to[i].setAttribute("style", style);
  });
  const { x, y, width, height } = svgBox(svg);
  copy.setAttribute("xmlns", SVG_NS);
  copy.setAttribute("width", String(width));
  copy.setAttribute("height", String(height));
  const bg = document.createElementNS(SVG_NS, "rect");
  for (const [k, v] of Object.entries({ x, y, width, height, fill: pageBackground(svg) })) bg.setAttribute(k, String(v));
  copy.insertBefore(bg, copy.firstChild);
  return new XMLSerializer().serializeToString(copy);
}

// inlineStyle is the style attribute that draws el as the page does. A
// property that el inherits unchanged from parent is left to inheritance
// (all but opacity inherit), which keeps a big graph's SVG small, unless
// el has an attribute of that name, which the style must then override.
function inlineStyle(el, parent) {
  const cs = getComputedStyle(el);
  const up = parent && getComputedStyle(parent);
  const out = [];
  for (const p of SVG_STYLES) {
    const v = cs.getPropertyValue(p);
    const same = p === "opacity" ? v === "1" : up?.getPropertyValue(p) === v;
    if (!same || el.hasAttribute(p)) out.push(`${p}:${v}`);
  }
  if (cs.display === "none") out.push("display:none");
  if (cs.visibility === "hidden" && up?.visibility !== "hidden") out.push("visibility:hidden");
  return out.join(";");
}

// svgBox is the drawing's own coordinates: its viewBox, else its size.
function svgBox(svg) {
  const vb = svg.viewBox?.baseVal;
  if (vb && vb.width && vb.height) return { x: vb.x, y: vb.y, width: vb.width, height: vb.height };
  const r = svg.getBoundingClientRect();
  return { x: 0, y: 0, width: Math.round(r.width) || 960, height: Math.round(r.height) || 420 };
}

// pageBackground is the first opaque background behind the element.
function pageBackground(el) {
  for (let e = el; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (c && c !== "transparent" && !/^rgba\(.*,\s*0\)$/.test(c)) return c;
  }
  return "#ffffff";
}

/**
 * graphPNG draws graphSVG(svg) on a canvas, scale pixels per SVG unit, and
 * resolves to the PNG as a Blob.
 */
export function graphPNG(svg, scale = 2) {
  const { width, height } = svgBox(svg);
  const url = URL.createObjectURL(new Blob([graphSVG(svg)], { type: "image/svg+xml" }));
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(url);
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the browser could not make a PNG of the graph"))), "image/png");
    };
    img.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error("the browser could not draw the graph's SVG"));
    };
    img.src = url;
  });
}

/**
 * download saves a Blob, or a string as a Blob of the given type, under
 * name, through a temporary <a download>.
 */
export function download(name, data, type = "application/octet-stream") {
  const blob = data instanceof Blob ? data : new Blob([data], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/** fileName names an export of a run: "worker-pool-deadlock-seed2.json". */
export function fileName(scenarioID, settings, ext) {
  const policy = settings?.policy && settings.policy !== "random" ? `-${settings.policy}` : "";
  return `${String(scenarioID).replace(/[^\w.-]+/g, "_")}-seed${settings?.seed ?? 1}${policy}.${ext}`;
}
