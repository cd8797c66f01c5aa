// runlog.js: the log of a run as the server sends it (PROTOCOL.md): rows
// (their kinds numbered as vocab.js, generated from Go, names them), the
// `run` message with its sites, and the objects and goroutines declared
// with the events. Pure: fold.js folds a log into states; this module only
// holds it.

import { EVENT_KINDS, OBJECT_KINDS } from "./vocab.js";
import { EventStore, addFrames, columnsOf } from "./frames.js";

export { addFrames };

/** kindName returns an event kind's wire name, e.g. "send.block". */
export function kindName(k) {
  return EVENT_KINDS[k] ?? `kind(${k})`;
}

/** objectKind returns a declared object's kind name, e.g. "waitgroup" ("object" if unknown). */
export function objectKind(decl) {
  return OBJECT_KINDS[decl?.kind] || "object";
}

/**
 * ev turns a protocol row [time, g, kind, obj, peer, value, flag, site,
 * valueKind, reason, fx] into an object with named fields: reason is the
 * wait reason's number (vocab.js WAIT_REASONS) of a goroutine that parks
 * after the event, fx its effect bits (vocab.js FX).
 */
export function ev(row, seq = 0) {
  const [time, g, kind, obj, peer, value, flag, site, vk, reason = 0, fx = 0] = row;
  // A row read from the columns holds doubles (its time is one), and a
  // double kept in a record costs a box of its own: the ids are made
  // small integers again, as the records that keep them are many.
  return { seq, time, g: g | 0, kind: kindName(kind), obj: obj | 0, peer: peer | 0, value, flag: flag | 0, site: site | 0, vk: vk | 0, reason, fx };
}

/** newLog starts the log of a run from its `run` message. */
export function newLog(runMessage) {
  return {
    run: runMessage,
    sites: runMessage?.sites ?? [],
    events: new EventStore(), // rows, read with at(i) (frames.js)
    objects: new Map(), // id -> declaration
    goroutines: new Map(), // id -> declaration
    snapshots: [], // snapshots[i]: the state at step i*snapEvery (fold.js)
    outcome: null,
  };
}

/**
 * addEvents appends an `events` message (JSON rows) to the log: its
 * declarations and its rows. A message that does not continue the log (a
 * resent batch after a reconnect) is trimmed to its new part. Binary
 * events messages go to addFrames instead.
 */
export function addEvents(log, msg) {
  for (const d of msg.objects ?? []) log.objects.set(d.id, d);
  for (const d of msg.goroutines ?? []) log.goroutines.set(d.id, d);
  const from = msg.from ?? log.events.length;
  const rows = msg.events ?? [];
  if (from > log.events.length) throw new Error(`events from ${from} leave a gap after ${log.events.length}`);
  for (let i = log.events.length - from; i < rows.length; i++) log.events.pushRow(rows[i]);
}

/**
 * waitEdges returns an outcome's wait-for graph as [{g, obj, by}]: g waits
 * on obj, which only the goroutines by could release (none: a dead end).
 */
export function waitEdges(outcome) {
  return (outcome?.waitFor ?? []).map((w) => ({ g: w.g, obj: w.obj, by: w.by ?? [] }));
}

/** lineOf returns the source line of a site index (0: unknown). */
export function lineOf(log, site) {
  return log.sites[site]?.line ?? 0;
}

/**
 * names gives every goroutine of the log a name a person reads: "main" for
 * goroutine 1, else the first named function it runs besides main.main
 * (so an anonymous go func() that calls worker is "worker 2"), with its id.
 */
export function names(log) {
  // Which sites are in a named function, read once per site: a run's
  // events are many, its sites few.
  const c = (log._names ??= { n: 0, fn: new Map(), named: log.sites.map((s) => (s?.func && s.func !== "main.main" && !/\.func\d+$/.test(s.func) ? s.func : "")) });
  const E = columnsOf(log.events);
  for (; c.n < E.length; c.n++) {
    const f = c.named[E.site[c.n]];
    if (!f) continue;
    const id = E.g[c.n];
    if (id && id !== 1 && !c.fn.has(id)) c.fn.set(id, f);
  }
  const out = new Map();
  for (const [id, d] of log.goroutines) out.set(id, displayName(id, c.fn.get(id) ?? d.name));
  out.set(1, "main");
  return out;
}

function displayName(id, fn) {
  if (id === 1) return "main";
  let n = (fn || "goroutine").replace(/^main\./, "");
  n = n.replace(/(\.func\d+)+$/, "") || "goroutine";
  if (n === "main") n = "go func";
  return `${n} ${id}`;
}

/** shortName names a goroutine of a state without the log: "main", "worker 2". */
export function shortName(x) {
  return x ? displayName(x.id, x.name) : "";
}
