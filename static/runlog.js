// runlog.js: the log of a run as the server sends it (PROTOCOL.md): the
// event kinds by number, rows, the `run` message with its sites, and the
// objects and goroutines declared with the events. Pure: fold.js folds a
// log into states; this module only holds it.

// Event kinds by number, as engine/event.go numbers them and hello.kinds
// names them. A server may send its own list in hello; setKinds accepts it.
export const KIND_NAMES = [
  "none", "go", "goend", "gosched", "make", "send", "send.block", "send.done",
  "recv", "recv.block", "recv.done", "close", "select.case", "select.block",
  "select.default", "lock", "lock.block", "lock.done", "unlock", "trylock",
  "wg.add", "wg.wait", "wg.block", "wg.done", "once", "cond.wait", "cond.wake",
  "cond.signal", "atomic", "sleep", "wake", "timer.fire", "timer.stop",
  "timer.reset", "cancel", "print", "resize", "schedule", "http", "http.done",
  "panic", "exit",
];
let kindNames = KIND_NAMES;

/** setKinds takes the server's kind names (hello.kinds). */
export function setKinds(names) {
  if (Array.isArray(names) && names.length) kindNames = names;
}

/** kindName returns an event kind's wire name, e.g. "send.block". */
export function kindName(k) {
  return kindNames[k] ?? `kind(${k})`;
}

// Object kinds (PROTOCOL.md).
export const OBJ = {
  1: "chan", 2: "mutex", 3: "rwmutex", 4: "waitgroup", 5: "once", 6: "cond",
  7: "timer", 8: "ticker", 9: "context", 10: "atomic",
};

/**
 * ev turns a protocol row [time, g, kind, obj, peer, value, flag, site,
 * valueKind] into an object with named fields.
 */
export function ev(row, seq = 0) {
  const [time, g, kind, obj, peer, value, flag, site, vk] = row;
  return { seq, time, g, kind: kindName(kind), obj, peer, value, flag, site, vk };
}

/** newLog starts the log of a run from its `run` message. */
export function newLog(runMessage) {
  return {
    run: runMessage,
    sites: runMessage?.sites ?? [],
    events: [], // protocol rows
    objects: new Map(), // id -> declaration
    goroutines: new Map(), // id -> declaration
    snapshots: [], // snapshots[i]: the state at step i*SNAPSHOT_EVERY
    outcome: null,
  };
}

/**
 * addEvents appends an `events` message to the log: its declarations and
 * its rows. A message that does not continue the log (a resent batch after
 * a reconnect) is trimmed to its new part.
 */
export function addEvents(log, msg) {
  for (const o of msg.objects ?? []) {
    const d = declared(o, ["ID", "Kind", "Name", "Cap", "Elem", "Pos", "Parent"]);
    log.objects.set(d.ID, d);
  }
  for (const g of msg.goroutines ?? []) {
    const d = declared(g, ["ID", "Name", "Parent", "Pos"]);
    log.goroutines.set(d.ID, d);
  }
  const from = msg.from ?? log.events.length;
  const rows = msg.events ?? [];
  if (from > log.events.length) throw new Error(`events from ${from} leave a gap after ${log.events.length}`);
  for (let i = log.events.length - from; i < rows.length; i++) log.events.push(rows[i]);
}

// declared reads a declaration whether its fields are spelt as Go names
// them (ID, Name) or in JSON's lower case (id, name).
function declared(x, fields) {
  const d = {};
  for (const f of fields) d[f] = x[f] ?? x[f[0].toLowerCase() + f.slice(1)] ?? x[f.toLowerCase()];
  return d;
}

/**
 * waitEdges returns an outcome's wait-for graph as [{G, Obj, By}]: G waits
 * on Obj, which only the goroutines By could release (none: a dead end).
 */
export function waitEdges(outcome) {
  return (outcome?.waitFor ?? []).map((w) => ({ G: w.G ?? w.g, Obj: w.Obj ?? w.obj, By: w.By ?? w.by ?? [] }));
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
  const c = (log._names ??= { n: 0, fn: new Map() });
  for (; c.n < log.events.length; c.n++) {
    const r = log.events[c.n];
    const id = r[1];
    if (!id || id === 1 || c.fn.has(id)) continue;
    const f = log.sites[r[7]]?.func ?? "";
    if (f && f !== "main.main" && !/\.func\d+$/.test(f)) c.fn.set(id, f);
  }
  const out = new Map();
  for (const [id, d] of log.goroutines) out.set(id, displayName(id, c.fn.get(id) ?? d.Name));
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
