// testkit.js: helpers the JS tests share to write runs by hand.
import { KIND_NAMES, newLog, addEvents } from "./fold.js";

/** row builds a protocol event row: [time, g, kind, obj, peer, value, flag, site, vk]. */
export function row(kind, g, { obj = 0, peer = 0, value = "", flag = 0, site = 0, time = 0 } = {}) {
  const k = KIND_NAMES.indexOf(kind);
  if (k < 0) throw new Error(`no kind ${kind}`);
  return [time, g, k, obj, peer, String(value), flag, site, value === "" ? 0 : 1];
}

/** handLog builds a log of hand-written rows with the given declarations. */
export function handLog(rows, { objects = [], goroutines = [], sites = [{ line: 0 }] } = {}) {
  const log = newLog({ type: "run", id: "t", sites });
  addEvents(log, { from: 0, events: rows, objects, goroutines });
  return log;
}

/** chan declares a channel object. */
export const chan = (ID, Name, Cap) => ({ ID, Kind: 1, Name, Cap, Elem: "int" });
/** gor declares a goroutine. */
export const gor = (ID, Name, Parent = 1) => ({ ID, Name, Parent });

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
  for (let id = 2; id <= 41; id++) rows.push(row("recv.block", id, { obj: 1 }));
  return handLog(rows, { objects: [chan(1, "jobs", 2)], goroutines });
}
