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
