// session.js: the page's connection to the server (PROTOCOL.md) and the
// run it is receiving. No DOM: the socket comes from the `open` function
// it is given (the page's opens a WebSocket on /ws; tests pass a fake), and
// what the page shows is up to the hooks it calls.
//
// A session says hello and may ask for runs at once, without waiting for
// the server's hello (its run limits): the server reads a connection's
// messages in order, so a run asked for right after the hello is answered
// after it (PROTOCOL.md). Each run gets a new id; messages of
// older runs are dropped. A run's `run` message starts its log, `events`
// grow it, `outcome` ends it. When the server goes away, finds the page
// too slow, or the network drops, the session connects again and asks for
// the rest of the run it was receiving.

import { newLog, addEvents } from "./runlog.js";
import { decodeEvents, addFrames } from "./frames.js";
import { PROTOCOL_VERSION, CLOSE_CODES as CLOSE } from "./vocab.js";

/**
 * How long the page waits before connecting again, in milliseconds: a
 * client the server found too slow (CLOSE.slowClient) comes back at once
 * and resumes; after the server went away or the network dropped, later.
 */
export const RECONNECT_MS = { [CLOSE.slowClient]: 50, other: 1500 };

const OPEN = 1; // WebSocket.OPEN

// mark notes when a run's messages arrive, for the benchmark to read
// (performance.getEntriesByType("mark"), names "concviz:…").
const mark = (what) => globalThis.performance?.mark?.(`concviz:${what}`);

/**
 * Session is the state machine of the page's connection and its run.
 *
 * open() returns a new socket (addEventListener, send, readyState).
 * later(fn, ms) schedules a reconnect (setTimeout). The hooks:
 *   opened()            the connection is open and the page said hello:
 *                       runs may be asked for now
 *   ready(limits)       the server said hello, with its limits
 *   other(m)            any message not about runs (rooms); true if used
 *   runError(m)         an error about this session's run (or no run)
 *   progress(log)       the pending log grew, or has its outcome
 *   status(text)        "reconnecting…", "catching up…" or "" (finished)
 *   closed(code, reason) the connection closed for good
 */
export class Session {
  constructor({ open, later = (fn, ms) => setTimeout(fn, ms), hooks = {} }) {
    this.open = open;
    this.later = later;
    this.hooks = hooks;
    this.ws = null;
    this.said = false; // the page's hello went out on this connection
    this.limits = null; // hello.limits
    this.seq = 0;
    this.runID = ""; // the id of the run asked for last
    this.pending = null; // the log of that run, as it arrives
  }

  /** connect opens a connection and says hello. */
  connect() {
    const ws = (this.ws = this.open());
    this.said = false;
    // Events come as binary messages (the engine's frames), everything
    // else as JSON text.
    ws.binaryType = "arraybuffer";
    ws.addEventListener("open", () => {
      ws.send(JSON.stringify({ type: "hello", version: PROTOCOL_VERSION, binary: true }));
      this.said = true;
      this.hooks.opened?.();
    });
    ws.addEventListener("message", (e) => (typeof e.data === "string" ? this.receive(JSON.parse(e.data)) : this.receiveEvents(decodeEvents(e.data))));
    ws.addEventListener("close", (e) => this.onClose(e.code, e.reason));
  }

  /** send sends a message if the connection is open, and says whether it did. */
  send(m) {
    if (this.ws?.readyState !== OPEN) return false;
    this.ws.send(JSON.stringify(m));
    return true;
  }

  /**
   * run asks for a run: request(id) is its run message (settings.js
   * runRequest). With from 0 it is a new run with a new id; with from > 0,
   * the rest of the pending run, from that event on. It returns false
   * when the server cannot be asked yet (it will be once the connection
   * opens: the hook opened).
   */
  run(request, from = 0) {
    if (!this.said || this.ws?.readyState !== OPEN) return false;
    if (from === 0) {
      this.runID = String(++this.seq);
      this.pending = null;
    }
    return this.send(request(this.runID, from));
  }

  /** resumeFrom is the event the pending run would resume from: what has arrived. */
  resumeFrom() {
    return this.pending?.events.length ?? 0;
  }

  // receive takes one message from the server.
  receive(m) {
    if (m.type === "hello") {
      this.limits = m.limits ?? null;
      this.hooks.ready?.(this.limits);
      return;
    }
    if (this.hooks.other?.(m)) return;
    if (m.type === "error") {
      if (m.id && m.id !== this.runID) return; // about an older run
      this.hooks.runError?.(m);
      return;
    }
    if (m.id !== this.runID) return; // an older run's leftovers
    if (m.type === "run") {
      if (this.pending && this.pending.run.run === m.run) return; // a resumed stream
      this.pending = newLog(m);
      mark("run");
      return;
    }
    if (!this.pending) return;
    if (m.type === "events") {
      addEvents(this.pending, m);
    } else if (m.type === "outcome") {
      this.pending.outcome = m;
      this.pending.events.trim?.(); // no more events come: up to half the columns were room to grow
      mark("outcome");
      this.hooks.status?.("");
    }
    this.hooks.progress?.(this.pending);
  }

  // receiveEvents takes one binary events message.
  receiveEvents(m) {
    if (m.id !== this.runID || !this.pending) return; // an older run's leftovers
    if (this.pending.events.length === 0) mark("first-events");
    addFrames(this.pending, m);
    this.hooks.progress?.(this.pending);
  }

  // onClose comes back after going away, being too slow, or a dropped
  // network; any other close is for good.
  onClose(code, reason) {
    this.said = false;
    if (code === CLOSE.goingAway || code === CLOSE.slowClient || code === CLOSE.abnormal) {
      this.hooks.status?.(code === CLOSE.slowClient ? "catching up…" : "reconnecting…");
      this.later(() => this.connect(), RECONNECT_MS[code] ?? RECONNECT_MS.other);
      return;
    }
    this.hooks.closed?.(code, reason);
  }
}
