// narrate.js: one plain sentence per event, for the page's ARIA live
// region and the step caption ("worker 2 blocked sending 16 on results:
// buffer full 3/3"). Pure: it reads the event and the states around it.


import { ev, shortName } from "./runlog.js";
import { FX } from "./vocab.js";
import { MEM, LOST, RACE_WRITE, RACE_PREV_WRITE, isShared } from "./memory.js";

/**
 * narrate describes event e (a row or an ev object), given the state before
 * it and the state after it. `who` names goroutines (a Map from fold's
 * names(log)); without it the states' own names are used.
 */
export function narrate(e, before, after, who) {
  if (Array.isArray(e)) e = ev(e, before?.step ?? 0);
  const name = (id) => {
    if (!id) return "the runtime";
    return who?.get(id) ?? shortName(after?.gs?.[id] ?? before?.gs?.[id]) ?? `goroutine ${id}`;
  };
  const o = after?.objs?.[e.obj] ?? before?.objs?.[e.obj];
  const on = o ? o.name : "a nil channel";
  const v = e.value === "" ? "a value" : e.value;
  const G = name(e.g);
  const P = name(e.peer);
  const fill = (c) => `${c.buf.length}/${c.cap}`;
  switch (e.kind) {
    case "go":
      return e.g ? `${G} started ${P}` : `a timer started ${P}`;
    case "goend":
      return `${G} finished`;
    case "gosched":
      return `${G} yielded the processor`;
    case "make":
      if (!o) return `${G} made an object`;
      if (o.kind === "chan") return `${G} made channel ${o.name} (${o.cap === 0 ? "unbuffered" : `buffer of ${o.cap}`})`;
      if (o.kind === "timer" || o.kind === "ticker") return `${G} made ${o.kind} ${o.name}, due in ${duration(Number(e.value))}`;
      if (isShared(o.kind)) return `${o.name} is shared memory: ${G} is the first goroutine to touch it`;
      return `${G} made ${o.kind} ${o.name}`;
    case "send":
      if (e.peer) return `${G} handed ${v} to ${P} over ${on}`;
      return `${G} sent ${v} on ${on}: buffer ${fill(o)}`;
    case "send.block":
      if (!o) return `${G} blocked forever sending on a nil channel`;
      if (o.cap === 0) return `${G} blocked sending ${v} on ${on}: no receiver is waiting (unbuffered)`;
      return `${G} blocked sending ${v} on ${on}: buffer full ${o.buf.length}/${o.cap}`;
    case "send.done":
      if (o?.closed) return `${G} was woken by close(${on}) while sending: it panics`;
      if (e.fx & FX.push && !e.peer) return `${G}'s ${v} went into ${on}'s new room: buffer ${fill(o)}`;
      if (e.fx & FX.push) return `${G}'s waiting ${v} moved into ${on}'s buffer (${fill(o)}); ${G} can run again`;
      return `${G}'s send of ${v} on ${on} completed; ${G} can run again`;
    case "recv":
      if (e.flag !== 1) return `${G} received the zero value from closed ${on}`;
      if (e.peer) return `${G} received ${v} from ${P} over ${on}`;
      return `${G} received ${v} from ${on}'s buffer: ${fill(o)} left`;
    case "recv.block":
      if (!o) return `${G} blocked forever receiving from a nil channel`;
      return `${G} blocked receiving from ${on}: ${o.closed ? "closed" : "nothing to receive"}`;
    case "recv.done":
      if (e.flag !== 1) return `${G} woke: ${on} was closed, so it got the zero value`;
      if (!e.peer) return `${G} received ${v} from ${on} (from the runtime)`;
      return `${G} received ${v} from ${P} over ${on}`;
    case "close":
      return e.g ? `${G} closed ${on}` : `${on} was closed`;
    case "select.case":
      return `${G}'s select waits to ${e.flag === 1 ? "send on" : "receive from"} ${on}`;
    case "select.block":
      return Number(e.value) === 0 ? `${G} blocked forever in an empty select` : `${G} blocked in a select over ${e.value} cases`;
    case "select.default":
      return `${G}'s select took its default case: nothing was ready`;
    case "lock":
      return `${G} locked ${on}${e.flag === 1 ? " for reading" : ""}`;
    case "lock.block":
      if (o?.kind === "once") return `${G} waits for ${on}'s function to finish`;
      return `${G} blocked locking ${on}: ${e.peer ? `held by ${P}` : "it is held"}${o?.queue?.length > 1 ? `, ${o.queue.length} waiting` : ""}`;
    case "lock.done":
      if (o?.kind === "once") return `${G} goes on: ${on}'s function finished`;
      return `${G} got ${on}${e.peer ? ` from ${P}` : ""} and can run again`;
    case "unlock":
      return `${G} unlocked ${on}${e.flag === 1 ? " (read lock)" : ""}`;
    case "trylock":
      return e.value === "true" ? `${G} tried ${on} and got it` : `${G} tried ${on}: it was held`;
    case "once":
      return Number(e.value) === 1 ? `${G} ran ${on}'s function` : `${G} found ${on} already done`;
    case "once.done":
      return `${G}'s call of ${on}'s function returned: ${on} is done`;
    case "wg.add": {
      const d = Number(e.value);
      if (d === -1) return `${G} called Done on ${on}: counter ${e.peer}`;
      return `${G} added ${d} to ${on}: counter ${e.peer}`;
    }
    case "wg.wait":
      return `${G} waited on ${on}: the counter was already 0`;
    case "wg.block":
      return `${G} blocked waiting for ${on}: counter ${e.value}`;
    case "wg.done":
      return `${G} goes on: ${on} reached 0 (by ${P})`;
    case "cond.wait":
      return `${G} waits on ${on}`;
    case "cond.wake":
      return `${G} was woken on ${on} by ${P}`;
    case "cond.signal":
      return `${G} signalled ${on}, waking ${e.value}`;
    case "atomic":
      return `${G} updated ${on} atomically: ${e.value}`;
    case "sleep":
      return `${G} sleeps for ${duration(Number(e.value))}`;
    case "wake":
      return `${G} woke up`;
    case "timer.fire":
      return `${on} fired`;
    case "timer.stop":
      return `${G} stopped ${on}`;
    case "timer.reset":
      return `${G} reset ${on} to ${duration(Number(e.value))}`;
    case "cancel":
      return `${on} was cancelled${e.g ? ` by ${G}` : ""}: ${e.value}`;
    case "print":
      return `${G} printed ${JSON.stringify(String(e.value).replace(/\n$/, ""))}`;
    case "resize":
      return `you set ${on}'s buffer to ${e.value}`;
    case "schedule":
      return `you chose ${G} to run next`;
    case "http":
      return `${G} requested ${e.value}`;
    case "http.done":
      return `${G}'s request finished: ${e.value}`;
    case "panic":
      return `${G} panicked: ${e.value}`;
    case "exit":
      return `${G} called os.Exit(${e.value})`;
    case MEM.read:
    case MEM.write:
    case MEM.race:
    case MEM.preempt:
      return narrateMemory(e, before, o, G, P);
  }
  return `${G}: ${e.kind}`;
}

/** duration formats nanoseconds as Go's time.Duration prints them (roughly). */
export function duration(ns) {
  if (!Number.isFinite(ns)) return "?";
  if (ns === 0) return "0s";
  const a = Math.abs(ns);
  const trim = (x) => String(Number(x.toFixed(3)));
  if (a < 1e3) return `${ns}ns`;
  if (a < 1e6) return `${trim(ns / 1e3)}µs`;
  if (a < 1e9) return `${trim(ns / 1e6)}ms`;
  if (a < 60e9) return `${trim(ns / 1e9)}s`;
  const m = Math.trunc(ns / 60e9);
  return `${m}m${trim((ns - m * 60e9) / 1e9)}s`;
}

// narrateMemory says what a shared-memory event did: a read with the value
// seen, a write (naming a lost update when it is one), a data race, a
// preemption.
function narrateMemory(e, before, o, G, P) {
  const on = o?.name ?? "a variable";
  const isMap = o?.kind === "map";
  switch (e.kind) {
    case MEM.read:
      return isMap ? `${G} read ${e.value === "" ? "from" : `${e.value} from`} map ${on}` : `${G} read ${on} = ${e.value}`;
    case MEM.write: {
      if (e.value === "" && isMap) return `${G} deleted an entry of map ${on}`;
      const into = isMap ? `map ${on}` : on;
      if (!(e.flag & LOST)) return `${G} wrote ${e.value} to ${into}`;
      // The value overwritten is the latest one read or written, the peer's.
      const was = before?.objs?.[e.obj]?.value ?? "";
      return `${G} wrote ${e.value} over ${P}'s ${was === "" ? "value" : was}: ${lostWhat(e, before)} lost`;
    }
    case MEM.race: {
      const mine = e.flag & RACE_WRITE ? "write" : "read";
      const theirs = e.flag & RACE_PREV_WRITE ? "write" : "read";
      return `data race on ${on}: ${G}'s ${mine} and ${P}'s ${theirs} at step ${Number(e.value) + 1}, neither happens before the other`;
    }
    case MEM.preempt:
      return `${G} was preempted after ${duration(Number(e.value))} of computing`;
  }
  return `${G}: ${e.kind}`;
}

// lostWhat names the update a lost write undid: an increment when the
// writer added one to the value it read (count++ on a stale count), a
// decrement when it took one away, else an update.
function lostWhat(e, before) {
  const seen = before?.gs?.[e.g]?.lastRead;
  const d = seen?.obj === e.obj ? Number(e.value) - Number(seen.value) : NaN;
  return d === 1 ? "one increment" : d === -1 ? "one decrement" : "one update";
}
