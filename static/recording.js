// recording.js: the concviz run JSON (EXPORT.md): the whole run in one
// file, replayed with no server. recordingOf writes one from a log,
// logFromRecording reads one back into a log, after recordingProblem has
// found nothing wrong with it. Pure: tested with node.

import { newLog, addEvents } from "./runlog.js";
import { MAX_SEED } from "./settings.js";
import { EVENT_KINDS, POLICIES, WAIT_REASONS } from "./vocab.js";
import { withFacts } from "./legacy.js";

/** RUN_FORMAT names the format in every recording. */
export const RUN_FORMAT = "concviz-run";
/**
 * RUN_VERSION is the version of the format this page writes. It also reads
 * versions 1 and 2 (upgrade).
 */
export const RUN_VERSION = 3;

// Declarations as the protocol spells them, with the value a missing field
// has. A recording always holds every field, so it reads the same anywhere.
const OBJECT_FIELDS = { id: 0, kind: 0, name: "", cap: 0, elem: "", pos: 0, parent: 0 };
const GOROUTINE_FIELDS = { id: 0, name: "", parent: 0, pos: 0 };

/**
 * recordingOf returns the concviz run JSON of a log (EXPORT.md): the
 * scenario (the page's scenario data; its id, title and source are kept), the
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
    scenario: keptScenario(scenario),
    settings: runSettings(settings),
    kinds: [...EVENT_KINDS],
    reasons: [...WAIT_REASONS],
    sites: log.sites.map((s) => ({ line: s?.line ?? 0, func: s?.func ?? "" })),
    objects: [...log.objects.values()].map((d) => withDefaults(d, OBJECT_FIELDS)),
    goroutines: [...log.goroutines.values()].map((d) => withDefaults(d, GOROUTINE_FIELDS)),
    events: Array.from({ length: log.events.length }, (_, i) => log.events.at(i).slice()),
    outcome: log.outcome ? outcomeOf(log.outcome) : null,
  };
}

// keptScenario is what a recording keeps of a scenario: its id and title,
// and a program's source when it has one (a program from the page).
function keptScenario(s) {
  return { id: s.id, title: String(s.title ?? ""), ...(typeof s.source === "string" ? { source: s.source } : {}) };
}

// runSettings keeps the settings that are inputs of the run, as copies.
function runSettings(s) {
  return {
    seed: s.seed ?? 1,
    policy: s.policy ?? POLICIES[0],
    knobs: { ...s.knobs },
    caps: { ...s.caps },
    interventions: (s.interventions ?? []).map((iv) => (iv.run !== undefined ? { step: iv.step, run: iv.run } : { step: iv.step, chan: iv.chan, cap: iv.cap })),
  };
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
export function logFromRecording(input) {
  const { rec, problem } = checked(input);
  if (problem) throw new Error(`This recording cannot be replayed: ${problem}.`);
  const kinds = byName(rec.kinds, EVENT_KINDS, rec.events, 2, "event kind");
  const reasons = byName(rec.reasons, WAIT_REASONS, rec.events, 9, "wait reason");
  const run = { type: "run", id: "recording", scenario: rec.scenario.id, seed: rec.settings.seed, policy: rec.settings.policy, sites: rec.sites.map((s) => ({ ...s })) };
  const log = newLog(run);
  addEvents(log, {
    from: 0,
    events: rec.events.map((r) => [r[0], r[1], kinds[r[2]], ...r.slice(3, 9), reasons[r[9]], r[10]]),
    objects: rec.objects.map((d) => ({ ...d })),
    goroutines: rec.goroutines.map((d) => ({ ...d })),
  });
  if (rec.outcome) log.outcome = { ...structuredClone(rec.outcome), type: "outcome", id: run.id };
  log.recorded = { scenario: keptScenario(rec.scenario), settings: runSettings(rec.settings) };
  return log;
}

// byName maps the numbers a recording's rows use in field `field` (names
// says what each names) to this page's numbers for the same names (ours).
function byName(names, ours, events, field, what) {
  const here = new Map(ours.map((n, k) => [n, k]));
  const used = new Set(events.map((r) => r[field]));
  return names.map((n, k) => {
    if (!here.has(n) && used.has(k)) throw new Error(`This recording cannot be replayed: its events use the ${what} “${n}”, which this page does not know.`);
    return here.get(n) ?? k;
  });
}

const isInt = (x) => Number.isSafeInteger(x);
const isObj = (x) => x !== null && typeof x === "object" && !Array.isArray(x);
const isIntMap = (x) => isObj(x) && Object.values(x).every(isInt);

/**
 * upgrade returns a recording of an older version as the current one
 * (EXPORT.md), with what is wrong with it ("" if nothing): version 1's
 * declarations spelt their fields as Go does (ID, Kind, …); versions 1 and
 * 2 had rows of 9 fields, without the wait reason and effects of version 3
 * (legacy.js infers them, from sound rows only). A recording that is not
 * of an older version is returned as it is, with "".
 */
function upgrade(rec) {
  if (!isOld(rec)) return { rec, problem: "" };
  const old = camelDecls(rec);
  const problem = oldProblem(old);
  if (problem) return { rec: old, problem };
  return { rec: { ...old, version: RUN_VERSION, reasons: [...WAIT_REASONS], events: withFacts(old.events, old.kinds, old.objects) }, problem };
}

// camelDecls spells a version 1 recording's declarations as version 2 does.
function camelDecls(rec) {
  if (rec.version !== 1) return rec;
  const camel = (d) => (isObj(d) ? Object.fromEntries(Object.entries(d).map(([k, v]) => [k === "ID" ? "id" : k[0].toLowerCase() + k.slice(1), v])) : d);
  const decls = (list) => (Array.isArray(list) ? list.map(camel) : list);
  return { ...rec, objects: decls(rec.objects), goroutines: decls(rec.goroutines) };
}

const isOld = (rec) => isObj(rec) && rec.format === RUN_FORMAT && (rec.version === 1 || rec.version === 2);

// oldProblem checks an old recording's rows (of 9 fields), and what
// withFacts reads with them, as recordingProblem checks a current one's.
function oldProblem(rec) {
  if (!Array.isArray(rec.events)) return "its events are not an array";
  const i = rec.events.findIndex((r) => !Array.isArray(r) || r.length !== 9);
  if (i >= 0) return `event ${i} is not a row of 9 fields, as version ${rec.version} has them`;
  return (
    listProblem(rec.kinds, "kinds", (k) => typeof k === "string", "a string") ||
    declProblem(rec.objects, "objects", OBJECT_FIELDS) ||
    declProblem(rec.goroutines, "goroutines", GOROUTINE_FIELDS) ||
    eventsProblem({ ...rec, events: rec.events.map((r) => [...r, 0, 0]) })
  );
}

/** recordingProblem returns what is wrong with a recording, or "". */
export function recordingProblem(rec) {
  return checked(rec).problem;
}

// checked upgrades a recording and finds what is wrong with it, once.
function checked(rec) {
  const up = upgrade(rec);
  return up.problem ? up : { rec: up.rec, problem: currentProblem(up.rec) };
}

// currentProblem is recordingProblem for a recording of this version.
function currentProblem(rec) {
  if (!isObj(rec)) return "it is not a JSON object";
  if (rec.format !== RUN_FORMAT) return `its format is ${JSON.stringify(rec.format)}, not "${RUN_FORMAT}": it is not a concviz run`;
  if (rec.version !== RUN_VERSION) return `it is version ${JSON.stringify(rec.version)} of the format, and this page reads versions 1 to ${RUN_VERSION}`;
  for (const f of ["scenario", "settings", "kinds", "reasons", "sites", "objects", "goroutines", "events", "outcome"]) {
    if (!(f in rec)) return `it has no "${f}"`;
  }
  return (
    scenarioProblem(rec.scenario) ||
    settingsProblem(rec.settings) ||
    listProblem(rec.kinds, "kinds", (k) => typeof k === "string", "a string") ||
    listProblem(rec.reasons, "reasons", (k) => typeof k === "string", "a string") ||
    listProblem(rec.sites, "sites", (s) => isObj(s) && isInt(s.line) && s.line >= 0 && typeof s.func === "string", "{line, func}") ||
    declProblem(rec.objects, "objects", OBJECT_FIELDS) ||
    declProblem(rec.goroutines, "goroutines", GOROUTINE_FIELDS) ||
    eventsProblem(rec) ||
    outcomeProblem(rec.outcome, rec.events.length)
  );
}

function scenarioProblem(s) {
  if (!isObj(s) || typeof s.id !== "string" || !s.id || typeof s.title !== "string") return "its scenario is not {id, title} with an id";
  if ("source" in s && typeof s.source !== "string") return "its scenario's source is not a string";
  return "";
}

function settingsProblem(s) {
  if (!isObj(s)) return "its settings are not an object";
  if (!isInt(s.seed) || s.seed < 0 || s.seed > MAX_SEED) return "its seed is not a whole number from 0 to 2^53−1";
  if (!POLICIES.includes(s.policy)) return `its policy is ${JSON.stringify(s.policy)}, not ${POLICIES.slice(0, -1).join(", ")} or ${POLICIES.at(-1)}`;
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
    if (d.id <= 0) return `${name} declares the id ${d.id}, and ids start at 1`;
    if (seen.has(d.id)) return `${name} declares ${d.id} twice`;
    seen.add(d.id);
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
  ["reason", (x) => isInt(x) && x >= 0, "a wait reason number (0: none)"],
  ["fx", (x) => isInt(x) && x >= 0 && x <= 7, "effect bits from 0 to 7"],
];

// Kinds whose peer is a goroutine the event is about (the one started, the
// other side of a hand-off): fold.js creates it if it is not declared.
const PEER_IS_G = new Set(["go", "send", "recv"]);

function eventsProblem(rec) {
  if (!Array.isArray(rec.events)) return "its events are not an array";
  const gs = new Set([1, ...rec.goroutines.map((d) => d.id)]); // main needs no declaration
  const objs = new Set(rec.objects.map((d) => d.id));
  for (let i = 0; i < rec.events.length; i++) {
    const r = rec.events[i];
    if (!Array.isArray(r) || r.length !== ROW.length) return `event ${i} is not a row of ${ROW.length} fields [${ROW.map((f) => f[0]).join(", ")}]`;
    const bad = ROW.findIndex(([, ok], k) => !ok(r[k]));
    if (bad >= 0) return `event ${i}'s ${ROW[bad][0]} is ${JSON.stringify(r[bad])}, not ${ROW[bad][2]}`;
    const [, g, kind, obj, peer, , , site] = r;
    if (kind >= rec.kinds.length) return `event ${i} is of kind ${kind}, and kinds names only ${rec.kinds.length}`;
    if (rec.reasons && r[9] >= rec.reasons.length) return `event ${i} has wait reason ${r[9]}, and reasons names only ${rec.reasons.length}`;
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
