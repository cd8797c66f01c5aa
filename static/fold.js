// fold.js: the state of a run at any step, folded from its events.
//
// Pure: no DOM, no network. A run is a log (runlog.js): the `run` message, the events
// (rows as PROTOCOL.md sends them) and the objects and goroutines declared
// with them. The state at step n is what the first n events made of the
// program's goroutines and objects; step 0 is main, about to start.
//
// `apply(state, event, log)` returns a new state and leaves its argument
// alone. Inside, `applyInPlace` mutates a private copy; `stateAt` keeps a
// snapshot every SNAPSHOT_EVERY events (more apart past MAX_SNAPSHOTS of
// them) so that any step costs at most that
// many events to reach (and goes on from the step asked for last, so that
// playing forward costs an event a step). States share the records of the
// goroutines and objects an event did not touch (copy on write): a clone
// of a thousand goroutines is two shallow copies, and five hundred
// snapshots of them hold each record once until it changes.

import { objectKind, ev, lineOf } from "./runlog.js";
import { EVENT_KINDS, FX, WAIT_REASON, WAIT_REASONS } from "./vocab.js";
import { columnsOf } from "./frames.js";
import { applyMemory, initMemory, isShared, timelineMark } from "./memory.js";

export const SNAPSHOT_EVERY = 256;
// MAX_SNAPSHOTS bounds a log's snapshots (tens of kilobytes each with a
// thousand goroutines): past it every other one goes and the spacing
// doubles (log.snapEvery), so a run of a million events keeps under a
// thousand and a jump folds at most about a thousand events.
export const MAX_SNAPSHOTS = 1024;

// snapEvery is the spacing of a log's snapshots: snapshots[i] is the state at step i*snapEvery.
const snapEvery = (log) => log.snapEvery ?? SNAPSHOT_EVERY;

// snapshotDue says whether state s is at the step of the log's next snapshot.
const snapshotDue = (log, s) => s.step === log.snapshots.length * snapEvery(log);

// keepSnapshot adds s as the log's next snapshot, thinning them out in
// place when there would be too many.
function keepSnapshot(log, s) {
  const snaps = log.snapshots;
  snaps.push(clone(s));
  if (snaps.length <= MAX_SNAPSHOTS) return;
  for (let i = 0; 2 * i < snaps.length; i++) snaps[i] = snaps[2 * i];
  snaps.length = Math.ceil(snaps.length / 2);
  log.snapEvery = 2 * snapEvery(log);
}

/** initialState is the state at step 0: main exists and is about to run. */
export function initialState(runMessage) {
  return {
    step: 0,
    time: 0,
    running: 0,
    gs: { 1: newG(1, "main.main", 0) },
    objs: {},
    prints: 0, // print events so far: the console is log-derived (consoleAt)
    last: null, // the last event applied
    ended: null, // "panic" or "exit" once the program ended so
    lost: 0, // lost updates so far (memory.js)
    races: 0, // data races so far
    raceLines: [], // [earlier line, later line] of each race, each pair once
    sites: runMessage?.sites ?? [],
  };
}

function newG(id, name, parent) {
  return { id, name, parent, state: "runnable", reason: "", waitOn: NONE, line: 0, site: 0, selCases: NONE, wake: null, ops: 0 };
}

// NONE is a goroutine's empty list of objects it waits on or select cases:
// one array for every goroutine and every snapshot of it (a run of a
// million events keeps a thousand snapshots of a thousand goroutines).
// A goroutine's lists are replaced, never changed in place, so a copy of
// its record (own) shares them, and waiting on one object is one shared
// list per object (onlyOn).
const NONE = Object.freeze([]);
const ONLY = [];
const onlyOn = (id) => (ONLY[id] ??= Object.freeze([id]));

function newObj(decl, id) {
  const kind = objectKind(decl);
  const o = { id, kind, name: decl?.name || `${kind} ${id}` };
  switch (kind) {
    case "chan":
    case "context":
      o.cap = decl?.cap ?? 0;
      o.elem = decl?.elem ?? "";
      o.buf = [];
      o.sendq = []; // {g, value, sel}
      o.recvq = []; // {g, sel}
      o.closed = false;
      if (kind === "context") {
        o.cancelled = false;
        o.cause = "";
        o.parent = decl?.parent ?? 0;
      }
      break;
    case "mutex":
    case "rwmutex":
    case "once":
      o.holder = 0;
      o.readers = [];
      o.queue = []; // {g, read}
      o.done = false;
      break;
    case "waitgroup":
      o.count = 0;
      o.waiters = [];
      break;
    case "cond":
      o.waiters = [];
      break;
    case "timer":
    case "ticker":
      // A timer's channel: the engine delivers its ticks like sends.
      o.cap = 0;
      o.buf = [];
      o.sendq = [];
      o.recvq = [];
      o.closed = false;
      o.deadline = null;
      o.fired = 0;
      o.stopped = false;
      o.period = 0;
      break;
    case "atomic":
      o.value = "";
      break;
  }
  if (isShared(kind)) initMemory(o);
  return o;
}

// Copy on write. A clone shares its goroutine and object records with the
// state it was cloned from; from then on neither may change a shared record
// in place. Each state folded on keeps the set of records it made itself
// (its own), and copies a record the first time it changes it. A state
// with no entry here (initialState's, foldAll's) has never been cloned and
// owns every record it holds. So a clone costs two shallow copies, and the
// snapshots share the thousands of goroutines an event log leaves alone
// between two of them.
const owned = new WeakMap(); // state -> Set of the records it may change

/**
 * clone copies a state deeply enough that folding on (apply, applyInPlace,
 * stateAt) never touches the original, nor the original the clone.
 */
export function clone(s) {
  const c = { ...s, gs: Object.assign({}, s.gs), objs: Object.assign({}, s.objs), last: s.last && { ...s.last } };
  owned.set(s, new Set());
  owned.set(c, new Set());
  return c;
}

// own returns the record of goroutine or object `id` in `table` (s.gs or
// s.objs) as one state s may change: a copy if s shares it.
function own(s, table, id) {
  const x = table[id];
  const mine = owned.get(s);
  if (!x || !mine || mine.has(x)) return x;
  const c = { ...x };
  for (const k of ARRAYS) if (c[k]) c[k] = c[k].slice();
  table[id] = c;
  mine.add(c);
  return c;
}
// The arrays an object's record holds and changes in place (a goroutine's
// are replaced instead: NONE); their entries are never changed in place.
const ARRAYS = ["buf", "sendq", "recvq", "queue", "readers", "waiters"];

function made(s, x) {
  owned.get(s)?.add(x);
  return x;
}

/** apply returns the state after event e (a row or an ev object). Pure. */
export function apply(state, e, log) {
  const next = clone(state);
  applyInPlace(next, e, log);
  return next;
}

// g returns goroutine id's record, to change (made on first sight).
function g(state, id, log) {
  if (!id) return null;
  const x = own(state, state.gs, id);
  if (x) return x;
  const d = log?.goroutines?.get(id);
  return (state.gs[id] = made(state, newG(id, d?.name ?? `goroutine ${id}`, d?.parent ?? 0)));
}

// obj returns object id's record, to change (made on first sight).
function obj(state, id, log) {
  if (!id) return null;
  const o = own(state, state.objs, id);
  if (o) return o;
  return (state.objs[id] = made(state, newObj(log?.objects?.get(id), id)));
}

// Kinds after which the event's goroutine is the one running; the others
// (a wake-up, a completed wait) are about a goroutine that another one, or
// the clock, made ready.
const WOKEN = new Set(["send.done", "recv.done", "lock.done", "wg.done", "cond.wake", "wake", "http.done", "timer.fire"]);

// Waits the page draws as sleeping rather than blocked.
const SLEEPS = new Set([WAIT_REASON.sleep, WAIT_REASON.ioWait]);

// The queues of goroutines an object may hold: entries are ids or {g, ...}.
const QUEUES = ["sendq", "recvq", "queue", "waiters"];

// indexOfG finds goroutine id in a queue of ids or of {g} entries. A plain
// loop: queues of a thousand waiters are scanned on every hand-off.
function indexOfG(q, id) {
  if (q.length === 0) return -1;
  if (typeof q[0] === "number") return q.indexOf(id);
  for (let i = 0; i < q.length; i++) if (q[i].g === id) return i;
  return -1;
}

// leaveWaits takes goroutine x out of every queue of the objects it was
// waiting on: a woken goroutine waits nowhere (for a select, on none of
// its cases).
function leaveWaits(state, x) {
  for (const id of x.waitOn) {
    const o = state.objs[id];
    if (!o) continue;
    // Found once; a copy (own) keeps the queues' order, so the places hold.
    const at = QUEUES.map((q) => (o[q] ? indexOfG(o[q], x.id) : -1));
    if (at.every((i) => i < 0)) continue;
    const m = own(state, state.objs, id);
    QUEUES.forEach((q, k) => at[k] >= 0 && m[q].splice(at[k], 1));
  }
}

// park applies an event's wait reason: its goroutine waits, on the object
// of the event, or on every case of its select.
function park(s, x, e, o) {
  const reason = WAIT_REASONS[e.reason] ?? "";
  x.state = SLEEPS.has(reason) ? "sleeping" : "blocked";
  x.reason = e.kind === "http" ? `${reason}: GET ${e.value}` : reason;
  if (e.kind === "sleep") x.wake = e.time + Number(e.value);
  if (e.kind === "select.block") {
    x.waitOn = x.selCases;
    x.selCases = NONE;
  } else {
    x.waitOn = o ? onlyOn(o.id) : NONE;
  }
  if (s.running === x.id) s.running = 0;
}

// ready makes a woken goroutine runnable, out of every queue it was in.
function ready(s, x) {
  leaveWaits(s, x);
  x.state = "runnable";
  x.reason = "";
  x.waitOn = NONE;
  x.wake = null;
}

/**
 * applyInPlace folds event e into state s, mutating it. It applies what the
 * event states (who was woken, why a goroutine parks, what went into or
 * out of a buffer: engine/event.go) and infers nothing of Go's rules.
 */
export function applyInPlace(s, row, log) {
  const e = Array.isArray(row) ? ev(row, s.step) : row;
  s.step++;
  s.time = e.time;
  s.last = e;
  const actor = g(s, e.g, log);
  const o = obj(s, e.obj, log);
  if (actor && e.site) {
    actor.site = e.site;
    actor.line = lineOf(log ?? s, e.site);
  }
  if (actor) actor.ops++;
  if (!WOKEN.has(e.kind) && actor && actor.state !== "done") {
    if (s.running && s.running !== actor.id) {
      const prev = s.gs[s.running];
      if (prev && prev.state === "running") own(s, s.gs, s.running).state = "runnable";
    }
    s.running = actor.id;
    actor.state = "running";
    actor.reason = "";
    actor.waitOn = NONE;
  }
  if (WOKEN.has(e.kind) && actor) ready(s, actor);
  if (o?.buf) {
    if (e.fx & FX.drain) o.buf = [];
    if (e.fx & FX.pop) o.buf.shift();
    if (e.fx & FX.push) o.buf.push(e.kind === "timer.fire" ? "tick" : e.value);
  }
  switch (e.kind) {
    case "go":
      ready(s, g(s, e.peer, log));
      break;
    case "goend":
    case "panic":
      if (actor) {
        actor.state = "done";
        if (s.running === actor.id) s.running = 0;
      }
      if (e.kind === "panic") s.ended = "panic";
      break;
    case "exit":
      s.ended = "exit";
      for (const id in s.gs) own(s, s.gs, id).state = "done";
      s.running = 0;
      break;
    case "gosched":
      if (actor) actor.state = "runnable";
      if (s.running === e.g) s.running = 0;
      break;
    case "make":
      if (o && (o.kind === "chan" || o.kind === "context")) o.cap = Number(e.value || o.cap || 0);
      if (o && (o.kind === "timer" || o.kind === "ticker")) {
        o.deadline = e.time + Number(e.value || 0);
        if (o.kind === "ticker") o.period = Number(e.value || 0);
      }
      break;

    // Channels: the buffer changed above, as the event said; these are the
    // queues. A hand-off's peer waits no more: its own event follows.
    case "send":
    case "recv":
      if (e.peer && s.gs[e.peer]) leaveWaits(s, s.gs[e.peer]);
      break;
    case "send.block":
      if (o) o.sendq.push({ g: e.g, value: e.value, sel: false });
      break;
    case "recv.block":
      if (o) o.recvq.push({ g: e.g, sel: false });
      break;
    case "close":
      o.closed = true;
      break;
    case "resize":
      o.cap = Number(e.value);
      break;
    case "select.case":
      actor.selCases = [...actor.selCases, e.obj];
      if (o) {
        if (e.flag === 1) o.sendq.push({ g: e.g, value: "", sel: true });
        else o.recvq.push({ g: e.g, sel: true });
      }
      break;
    case "select.default":
      actor.selCases = NONE;
      break;

    // Locks; a Once is one whose holder runs its function.
    case "lock":
      if (e.flag === 1) o.readers.push(e.g);
      else o.holder = e.g;
      break;
    case "lock.block":
      o.queue.push({ g: e.g, read: e.flag === 1 });
      break;
    case "lock.done":
      if (o.kind === "once") break;
      if (e.flag === 1) o.readers.push(actor.id);
      else o.holder = actor.id;
      break;
    case "unlock":
      if (e.flag === 1) {
        const i = o.readers.indexOf(e.g);
        if (i >= 0) o.readers.splice(i, 1);
      } else {
        o.holder = 0;
      }
      break;
    case "trylock":
      if (e.value === "true") {
        if (e.flag === 1) o.readers.push(e.g);
        else o.holder = e.g;
      }
      break;
    case "once":
      if (Number(e.value) === 1) o.holder = e.g;
      break;
    case "once.done":
      o.done = true;
      o.holder = 0;
      break;

    // WaitGroups and Conds.
    case "wg.add":
      o.count = e.peer;
      break;
    case "wg.block":
      o.waiters.push(e.g);
      break;
    case "cond.wait":
      o.waiters.push(e.g);
      break;

    case "atomic":
      o.value = e.value;
      break;

    // Time.
    case "timer.fire":
      o.fired++;
      o.deadline = o.period ? e.time + o.period : null;
      break;
    case "timer.stop":
      o.stopped = true;
      o.deadline = null;
      break;
    case "timer.reset":
      o.stopped = false;
      o.deadline = e.time + Number(e.value);
      break;
    case "cancel":
      o.cancelled = true;
      o.cause = e.value;
      break;

    case "print":
      s.prints++;
      break;

    default:
      applyMemory(s, e, o, actor, log);
  }
  if (e.reason && actor) park(s, actor, e, o);
  if (actor && actor.state !== "running" && s.running === actor.id) s.running = 0;
  return s;
}

/**
 * stateAt returns the state after the first `step` events of the log, as
 * a fresh object the caller may keep (and read: its goroutine and object
 * records are shared with other states, copy on write). Snapshots are
 * taken as it goes.
 */
export function stateAt(log, step) {
  step = Math.max(0, Math.min(step, log.events.length));
  const snaps = log.snapshots;
  if (snaps.length === 0) snaps.push(initialState(log.run));
  const k = Math.min(Math.floor(step / snapEvery(log)), snaps.length - 1);
  // From the last state asked for when it is on the way (playing forward,
  // stepping), else from the snapshot. That state stays private: callers
  // get a clone.
  const s = resume(log._cursor, snaps[k], step);
  while (s.step < step) {
    applyInPlace(s, log.events.at(s.step), log);
    if (snapshotDue(log, s)) keepSnapshot(log, s);
  }
  log._cursor = s;
  return clone(s);
}

// resume is the state to fold on from towards step `to`: the private state
// kept from an earlier fold if it lies between snapshot `from` and `to`,
// else a copy of the snapshot.
function resume(kept, from, to) {
  return kept && kept.step >= from.step && kept.step <= to ? kept : clone(from);
}

/**
 * prepare takes snapshots ahead, folding at most `events` events from the
 * last one taken, so that a later jump anywhere costs at most
 * SNAPSHOT_EVERY events (the page calls it when idle). It returns whether
 * the log has every snapshot it can have yet.
 */
export function prepare(log, events = 4096) {
  const snaps = log.snapshots;
  if (snaps.length === 0) snaps.push(initialState(log.run));
  const want = () => Math.floor(log.events.length / snapEvery(log)) + 1;
  if (snaps.length >= want()) return true;
  // Folded on from where the last call stopped: with snapshots further
  // apart than events, starting each call from the last snapshot would
  // never reach the next.
  const s = resume(log._preparing, snaps[snaps.length - 1], log.events.length);
  for (let n = 0; n < events && snaps.length < want(); n++) {
    applyInPlace(s, log.events.at(s.step), log);
    if (snapshotDue(log, s)) keepSnapshot(log, s);
  }
  log._preparing = snaps.length >= want() ? null : s;
  return snaps.length >= want();
}

/** foldAll folds every event from scratch, without snapshots (for tests and checks). */
export function foldAll(log, step = log.events.length) {
  const s = initialState(log.run);
  for (let i = 0; i < step; i++) applyInPlace(s, log.events.at(i), log);
  return s;
}

/** runnable lists the goroutines that could run next, by id. */
export function runnable(state) {
  return Object.values(state.gs)
    .filter((x) => x.state === "runnable" || x.state === "running")
    .map((x) => x.id)
    .sort((a, b) => a - b);
}

/** consoleAt returns the program's output up to the state's step: [{text, stream, g, seq}]. */
export function consoleAt(log, state) {
  const out = [];
  const prints = printsOf(log);
  for (const p of prints) {
    if (p.seq >= state.step) break;
    out.push(p);
  }
  return out;
}

/**
 * printsOf lists the lines the run printed, {seq, g, text, stream}, in
 * order: seq is the print's index in the log. Kept on the log and
 * extended as it grows.
 */
export function printsOf(log) {
  const c = (log._prints ??= { n: 0, list: [] });
  const kinds = columnsOf(log.events).kind; // a row is made only for a print
  for (; c.n < log.events.length; c.n++) {
    if (kinds[c.n] !== PRINT) continue;
    const r = log.events.at(c.n);
    c.list.push({ seq: c.n, g: r[1], text: String(r[5]), stream: r[6] === 2 ? "stderr" : "stdout" });
  }
  return c.list;
}
const PRINT = EVENT_KINDS.indexOf("print");

/**
 * lanes summarises the whole log for the timeline: for each goroutine the
 * steps at which its state changed and the state it changed to (steps[k]
 * and states[k]: two flat arrays, as a million-event run makes about a
 * million changes, and a pair array each cost four times as much), plus the
 * hand-offs between goroutines ({step, from, to, obj}), the data races
 * and the lost updates (memory.js timelineMark).
 */
export function lanes(log) {
  // Folded on from where the last call stopped: the log only grows.
  let c = log._lanesFold;
  if (!c) {
    c = log._lanesFold = { s: initialState(log.run), out: new Map(), handoffs: [], races: [], lost: [], n: 0 };
    mark(c.out, c.s.gs[1], 0);
  }
  const { s, out, handoffs, races, lost } = c;
  for (let i = c.n; i < log.events.length; i++) {
    const e = ev(log.events.at(i), i);
    const was = s.running;
    applyInPlace(s, e, log);
    if ((e.kind === "send" || e.kind === "recv") && e.peer) {
      handoffs.push(e.kind === "send" ? { step: i + 1, from: e.g, to: e.peer, obj: e.obj } : { step: i + 1, from: e.peer, to: e.g, obj: e.obj });
    }
    const m = timelineMark(e, i);
    if (m?.race) races.push(m.race);
    if (m?.lost) lost.push(m.lost);
    if (e.g && s.gs[e.g]) mark(out, s.gs[e.g], i + 1);
    if (e.peer && s.gs[e.peer]) mark(out, s.gs[e.peer], i + 1);
    if (was && s.gs[was]) mark(out, s.gs[was], i + 1);
    if (s.running && s.gs[s.running]) mark(out, s.gs[s.running], i + 1);
    if (e.kind === "exit") for (const id in s.gs) mark(out, s.gs[id], i + 1);
  }
  c.n = log.events.length;
  const ls = [...out.values()].sort((a, b) => a.id - b.id).map((l) => ({ ...l, steps: l.steps.slice(), states: l.states.slice() }));
  return { lanes: ls, handoffs: handoffs.slice(), races: races.slice(), lost: lost.slice(), steps: log.events.length };
}

// mark records goroutine x's state at step in its lane, if it changed.
function mark(out, x, step) {
  let l = out.get(x.id);
  if (!l) out.set(x.id, (l = { id: x.id, name: x.name, steps: [], states: [] }));
  const st = x.state;
  if (l.states.length === 0 || l.states[l.states.length - 1] !== st) {
    l.steps.push(step);
    l.states.push(st);
  }
}
