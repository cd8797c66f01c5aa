// digest.js: a folded state in the engine's canonical form (engine/digest.go's
// Digest), so a test can require the page's state to equal the engine's at
// every step (server/digest_test.go runs static/testdata/digestcheck.mjs).
//
// Pure. Both sides are normalised by `canonical`: objects the fold has not
// met yet and the engine holds empty are left out, as are empty fields.

import { WAIT_REASON } from "./vocab.js";
import { isShared } from "./memory.js";

// The object kinds whose state a digest shows, and the fields each has.
const CHANNELS = new Set(["chan", "context", "timer", "ticker"]);
const LOCKS = new Set(["mutex", "rwmutex"]);

/** digest returns state's goroutines and objects as the engine's Digest has them. */
export function digest(state) {
  const gs = Object.values(state.gs)
    .sort((a, b) => a.id - b.id)
    .map((x) => ({ id: x.id, state: gstate(x), reason: greason(x), line: x.line, wake: x.reason === WAIT_REASON.sleep ? x.wake : 0 }));
  const objs = [];
  for (const o of Object.values(state.objs).sort((a, b) => a.id - b.id)) {
    if (CHANNELS.has(o.kind)) {
      objs.push({ id: o.id, buf: o.buf, sendq: ids(o.sendq), recvq: ids(o.recvq), closed: o.closed, fires: o.deadline });
    } else if (LOCKS.has(o.kind)) {
      const q = o.queue.filter((w) => !w.read).concat(o.queue.filter((w) => w.read));
      objs.push({ id: o.id, holder: o.holder, readers: o.readers.length, queue: ids(q) });
    } else if (o.kind === "waitgroup") {
      objs.push({ id: o.id, count: o.count, waiters: o.waiters });
    } else if (o.kind === "once") {
      objs.push({ id: o.id, queue: ids(o.queue), called: o.done || o.holder !== 0, done: o.done });
    } else if (o.kind === "cond") {
      objs.push({ id: o.id, waiters: o.waiters });
    } else if (isShared(o.kind)) {
      objs.push({ id: o.id, value: o.value, writer: o.writer });
    }
  }
  return canonical({ step: state.step, gs, objs });
}

function gstate(x) {
  if (x.state === "running" || x.state === "runnable") return "ready";
  if (x.state === "sleeping") return "blocked";
  return x.state;
}

// greason: the page shows an HTTP wait with its URL; the engine's reason is Go's words alone.
function greason(x) {
  if (x.state !== "blocked" && x.state !== "sleeping") return "";
  return x.reason.startsWith(WAIT_REASON.ioWait) ? WAIT_REASON.ioWait : x.reason;
}

const ids = (q) => q.map((w) => (typeof w === "number" ? w : w.g));

/**
 * canonical drops empty fields (as Go's omitempty does) and objects with
 * nothing but an id, so that a digest from Go and one from `digest` compare
 * as JSON text.
 */
export function canonical(d) {
  const strip = (x) => {
    const out = {};
    for (const [k, v] of Object.entries(x)) {
      if (v === "" || v === 0 || v === false || v == null || (Array.isArray(v) && v.length === 0)) continue;
      out[k] = v;
    }
    return out;
  };
  const gs = (d.gs ?? []).map((x) => ({ id: x.id, ...strip(x) }));
  const objs = (d.objs ?? []).map((o) => ({ id: o.id, ...strip(o) })).filter((o) => Object.keys(o).length > 1);
  return { step: d.step, gs, objs };
}

/**
 * firstDifference returns the path and the two values of the first place
 * where digests a and b differ, or null when they are equal.
 */
export function firstDifference(a, b, path = "") {
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return a === b ? null : { path, a, b };
  }
  if (Array.isArray(a) !== Array.isArray(b)) return { path, a, b };
  const keys = Array.isArray(a) ? [...Array(Math.max(a.length, b.length)).keys()] : [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const k of keys) {
    const id = Array.isArray(a) ? (a[k] ?? b[k])?.id : undefined;
    const at = id !== undefined ? `${path}[id ${id}]` : `${path}.${k}`;
    const d = firstDifference(a[k], b[k], at);
    if (d) return d;
  }
  return null;
}
