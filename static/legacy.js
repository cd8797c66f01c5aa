// legacy.js: the facts a recording written before version 3 left out.
//
// Up to version 2 an event row did not say why its goroutine parked or what
// it did to its channel's buffer: the page inferred both from Go's rules.
// Since version 3 the engine states them (engine/event.go) and fold.js only
// applies them. This module infers them once, when an old recording is
// loaded, so that fold.js has a single way to read every run. Pure.

import { OBJECT_KINDS, WAIT_REASONS, WAIT_REASON, FX } from "./vocab.js";

const reason = (words) => WAIT_REASONS.indexOf(words);

/**
 * withFacts returns rows of 9 fields (version 2) as rows of 11, each with
 * the wait reason (vocab.js WAIT_REASONS number) and the effect bits
 * (vocab.js FX) the engine records today. kinds names the rows' kind
 * numbers; objects are the recording's declarations.
 */
export function withFacts(rows, kinds, objects) {
  const objKind = new Map(objects.map((d) => [d.id, OBJECT_KINDS[d.kind]]));
  const chans = new Map(); // id -> {len, senders, receivers, closed}
  const waits = new Map(); // goroutine -> ids of the channels it waits on
  const chan = (id) => {
    if (!id) return null;
    if (!chans.has(id)) chans.set(id, { len: 0, senders: new Set(), receivers: new Set(), closed: false });
    return chans.get(id);
  };
  const wait = (g, id) => {
    if (!waits.has(g)) waits.set(g, []);
    if (id) waits.get(g).push(id);
  };
  // A woken goroutine leaves every queue it waited in (a select's too).
  const leave = (g) => {
    for (const id of waits.get(g) ?? []) {
      chans.get(id)?.senders.delete(g);
      chans.get(id)?.receivers.delete(g);
    }
    waits.delete(g);
  };
  return rows.map((r) => {
    const [, g, k, obj, peer, value, flag] = r;
    const c = chan(obj);
    let why = 0;
    let fx = 0;
    switch (kinds[k]) {
      case "send":
        if (!peer) [fx, c.len] = [FX.push, c.len + 1];
        break;
      case "send.block":
        why = reason(c ? WAIT_REASON.chanSend : WAIT_REASON.chanSendNilChan);
        c?.senders.add(g);
        wait(g, obj);
        break;
      case "send.done":
        if (c && !c.closed && c.senders.has(g)) [fx, c.len] = [FX.push, c.len + 1];
        leave(g);
        break;
      case "recv":
        if (flag === 1 && !peer) [fx, c.len] = [FX.pop, c.len - 1];
        if (peer) leave(peer);
        break;
      case "recv.block":
        why = reason(c ? WAIT_REASON.chanReceive : WAIT_REASON.chanReceiveNilChan);
        c?.receivers.add(g);
        wait(g, obj);
        break;
      case "recv.done":
      case "lock.done":
      case "wg.done":
      case "cond.wake":
        leave(g);
        break;
      case "close":
        c.closed = true;
        break;
      case "select.case":
        (flag === 1 ? c?.senders : c?.receivers)?.add(g);
        wait(g, obj);
        break;
      case "select.block":
        why = reason(Number(value) === 0 ? WAIT_REASON.selectNoCases : WAIT_REASON.select);
        break;
      case "lock.block":
        why = reason(objKind.get(obj) !== "rwmutex" ? WAIT_REASON.syncMutexLock : flag === 1 ? WAIT_REASON.syncRWMutexRLock : WAIT_REASON.syncRWMutexLock);
        break;
      case "wg.block":
        why = reason(WAIT_REASON.syncWaitGroupWait);
        break;
      case "cond.wait":
        why = reason(WAIT_REASON.syncCondWait);
        break;
      case "sleep":
        why = reason(WAIT_REASON.sleep);
        break;
      case "http":
        why = reason(WAIT_REASON.ioWait);
        break;
      case "timer.fire":
        if (c.receivers.size === 0 && c.len === 0) [fx, c.len] = [FX.push, 1];
        break;
      case "timer.stop":
      case "timer.reset":
        if (c.len > 0) [fx, c.len] = [FX.drain, 0];
        break;
    }
    return [...r.slice(0, 9), why, fx];
  });
}
