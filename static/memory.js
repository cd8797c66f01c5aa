// memory.js: shared variables and maps (issue 13). What a read, a write, a
// data race and a preemption do to a folded state (fold.js calls in), the
// lines of a race for the code panel, and the marks of races and lost
// updates for the timeline. Pure: no DOM.
//
// The events state their facts (engine/event.go): a write's Peer is the
// goroutine whose value it overwrote and its flag says an update was lost;
// a race event follows the access that races, with the other goroutine as
// Peer and the other access's event index as its value. The page applies
// them and detects nothing itself.

import { EVENT_KINDS, OBJECT_KINDS } from "./vocab.js";
import { ev, lineOf } from "./runlog.js";

// known returns name after checking that vocab.js (generated from Go)
// declares it: a kind renamed in Go fails here, at import, not silently.
function known(list, name) {
  if (!list.includes(name)) throw new Error(`vocab.js declares no kind “${name}”: memory.js is stale`);
  return name;
}

/** MEM is the event kinds of shared memory, by the names vocab.js gives them. */
export const MEM = Object.freeze({
  read: known(EVENT_KINDS, "read"),
  write: known(EVENT_KINDS, "write"),
  race: known(EVENT_KINDS, "race"),
  preempt: known(EVENT_KINDS, "preempt"),
});

/** SHARED is the object kinds that hold shared memory: a variable and a map. */
export const SHARED = Object.freeze({ var: known(OBJECT_KINDS, "var"), map: known(OBJECT_KINDS, "map") });

const sharedKinds = new Set(Object.values(SHARED));

/** isShared says whether an object kind (a name) is shared memory. */
export const isShared = (kind) => sharedKinds.has(kind);

// The bits of an event's flag (engine/event.go).
/** LOST is a write's flag bit: the writer's last read saw an older write than the one it overwrote. */
export const LOST = 1;
/** RACE_WRITE is a race event's flag bit: the access that raced (just before the event) is a write. */
export const RACE_WRITE = 1;
/** RACE_PREV_WRITE is a race event's flag bit: the other, earlier access is a write. */
export const RACE_PREV_WRITE = 2;

/**
 * initMemory gives a new variable or map record its fields: the text of
 * its latest read or written value, its last writer (0: none yet), and how
 * many lost updates and races it has had.
 */
export function initMemory(o) {
  o.value = "";
  o.writer = 0;
  o.lost = 0;
  o.races = 0;
  return o;
}

/**
 * applyMemory folds a shared-memory event into state s (mutating it, as
 * fold.applyInPlace does): o is the event's object and actor its
 * goroutine, both records s owns. Other events are left alone.
 */
export function applyMemory(s, e, o, actor, log) {
  switch (e.kind) {
    case MEM.read:
      if (o) o.value = e.value;
      // What the reader saw, to tell an increment lost from another update.
      if (actor) actor.lastRead = { obj: e.obj, value: e.value };
      break;
    case MEM.write:
      if (o) {
        o.value = e.value;
        o.writer = e.g;
      }
      if (e.flag & LOST) {
        if (o) o.lost++;
        s.lost++;
      }
      break;
    case MEM.race: {
      if (o) o.races++;
      s.races++;
      const pair = raceLines(e, actor, log ?? s);
      // A pair of lines is kept once, as Go reports each pair once: the
      // list is replaced, never changed, so states that share it keep theirs.
      const had = s.raceLines;
      if (pair[0] && pair[1] && !had.some((p) => p[0] === pair[0] && p[1] === pair[1])) s.raceLines = [...had, pair];
      break;
    }
    case MEM.preempt:
      // As a yield: another goroutine may run now.
      if (actor && actor.state === "running") actor.state = "runnable";
      if (s.running === e.g) s.running = 0;
      break;
  }
}

// raceLines is a race's two source lines, the earlier access's first: the
// other access is the event the race names, this one the racing
// goroutine's line (applyInPlace has set it from the event's site).
function raceLines(e, actor, log) {
  const other = Number(e.value);
  const row = Number.isInteger(other) && other >= 0 && log.events?.at ? log.events.at(other) : null;
  const before = row ? lineOf(log, ev(row).site) : 0;
  return [before, actor?.line ?? 0];
}

/**
 * accessOf is what the step of state s did to shared variable id: null, or
 * {g, cls} for a read ("read"), a write ("wrote", "wrote lost" when it lost
 * an update) or a race found at that access ("race-now"), by goroutine g.
 */
export function accessOf(s, id) {
  const e = s.last;
  if (!e || e.obj !== id) return null;
  switch (e.kind) {
    case MEM.read:
      return { g: e.g, cls: "read" };
    case MEM.write:
      return { g: e.g, cls: e.flag & LOST ? "wrote lost" : "wrote" };
    case MEM.race:
      return { g: e.g, cls: "race-now" };
  }
  return null;
}

/** raceLinesOf is the set of source lines in a race so far in state s (both lines of each). */
export function raceLinesOf(s) {
  const out = new Set();
  for (const [a, b] of s.raceLines ?? []) out.add(a).add(b);
  return out;
}

/**
 * timelineMark returns what the timeline marks for event e at index i:
 * {race: {step, from, to, fromStep, obj}} for a race (the earlier access by
 * from at fromStep, the later by to at step: each drawn where the step its
 * access made begins), {lost: {step, g, obj}} for a write that lost an
 * update, or null.
 */
export function timelineMark(e, i) {
  if (e.kind === MEM.race) return { race: { step: i, from: e.peer, to: e.g, fromStep: Number(e.value) + 1, obj: e.obj } };
  if (e.kind === MEM.write && e.flag & LOST) return { lost: { step: i + 1, g: e.g, obj: e.obj } };
  return null;
}
