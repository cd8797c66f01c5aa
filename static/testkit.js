// testkit.js: helpers the JS tests share to write runs by hand.
import { readFileSync } from "node:fs";
import { newLog, addEvents } from "./runlog.js";
import { EVENT_KINDS, FX, OBJECT_KINDS, WAIT_REASONS } from "./vocab.js";

/**
 * kindsProblem says how a fixture's kind list (written by
 * server's TestPageFixtures) disagrees with vocab.js's, or "": each name it
 * holds must keep its number. A kind added at the end leaves old fixtures
 * valid; a kind renumbered means regenerating them.
 */
export function kindsProblem(kinds) {
  const i = kinds.findIndex((k, n) => EVENT_KINDS[n] !== k);
  return i < 0 ? "" : `the fixture's kind ${i} is “${kinds[i]}”, and the engine's is “${EVENT_KINDS[i]}”: regenerate it (go test ./server/ -run TestPageFixtures -update)`;
}

/**
 * fixtureLog reads a run as the server sends it (a static/testdata file,
 * kept by server's TestPageFixtures, at url): the log, with the outcome
 * message as log.outcome. A fixture whose kinds disagree with vocab.js's
 * throws, naming the fix.
 */
export function fixtureLog(url) {
  const fx = JSON.parse(readFileSync(url, "utf8"));
  const problem = kindsProblem(fx.kinds);
  if (problem) throw new Error(`${url.pathname}: ${problem}`);
  let log;
  for (const m of fx.messages) {
    if (m.type === "run") log = newLog(m);
    else if (m.type === "events") addEvents(log, m);
    else if (m.type === "outcome") log.outcome = m;
  }
  return log;
}

/**
 * row builds a protocol event row: [time, g, kind, obj, peer, value, flag,
 * site, vk, reason, fx]. reason is Go's words for why g parks after the
 * event, fx the names of its effects (vocab.js FX), as the engine states them.
 */
export function row(kind, g, { obj = 0, peer = 0, value = "", flag = 0, site = 0, time = 0, reason = "", fx = [] } = {}) {
  const k = EVENT_KINDS.indexOf(kind);
  if (k < 0) throw new Error(`no kind ${kind}`);
  const r = reason === "" ? 0 : WAIT_REASONS.indexOf(reason);
  if (r < 0) throw new Error(`no wait reason ${reason}`);
  const bits = [fx].flat().reduce((b, n) => {
    if (!(n in FX)) throw new Error(`no effect ${n}`);
    return b | FX[n];
  }, 0);
  return [time, g, k, obj, peer, String(value), flag, site, value === "" ? 0 : 1, r, bits];
}

/** handLog builds a log of hand-written rows with the given declarations. */
export function handLog(rows, { objects = [], goroutines = [], sites = [{ line: 0 }] } = {}) {
  const log = newLog({ type: "run", id: "t", sites });
  addEvents(log, { from: 0, events: rows, objects, goroutines });
  return log;
}

/** chan declares a channel object. */
export const chan = (id, name, cap) => ({ id, kind: OBJECT_KINDS.indexOf("chan"), name, cap, elem: "int" });
/** obj declares an object of a kind named as vocab.js names it, e.g. obj(1, "mutex", "mu"). */
export const obj = (id, kind, name) => ({ id, kind: OBJECT_KINDS.indexOf(kind), name });
/** gor declares a goroutine. */
export const gor = (id, name, parent = 1) => ({ id, name, parent });

/**
 * crowdLog is a run by hand where main starts 60 workers (ids 2 to 61,
 * "main.worker") and the first 40 of them block receiving on jobs
 * (object 1, capacity 2): a crowd in a worker-pool layout.
 */
export function crowdLog() {
  const rows = [row("make", 1, { obj: 1, value: 2 })];
  const goroutines = [];
  for (let id = 2; id <= 61; id++) {
    rows.push(row("go", 1, { peer: id }));
    goroutines.push(gor(id, "main.worker"));
  }
  for (let id = 2; id <= 41; id++) rows.push(row("recv.block", id, { obj: 1, reason: "chan receive" }));
  return handLog(rows, { objects: [chan(1, "jobs", 2)], goroutines });
}

// ---- Checking a trace (trace.js) --------------------------------------------
// Test-only: the page never loads this module, so browsers never get it.

const isObj = (x) => x !== null && typeof x === "object" && !Array.isArray(x);

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
