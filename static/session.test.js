// Tests for session.js, driven through a fake socket: hello, run
// requests, batches of events, the outcome, errors, and reconnecting. The
// protocol's numbers come from vocab.js, generated from the server's Go
// (server/vocab_test.go fails while it is stale).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Session, RECONNECT_MS } from "./session.js";
import { PROTOCOL_VERSION, CLOSE_CODES as CLOSE } from "./vocab.js";
import { row } from "./testkit.js";
import { readFileSync } from "node:fs";

// A run's binary events messages as the server encodes them (server's TestFramesFixture), for run id "1".
const frames = JSON.parse(readFileSync(new URL("./testdata/frames.json", import.meta.url), "utf8"));
const binary = (b64) => new Uint8Array(Buffer.from(b64, "base64"));

// FakeSocket records what the page sends; the test plays the server.
class FakeSocket {
  constructor() {
    this.readyState = 0;
    this.sent = [];
    this.listeners = {};
  }
  addEventListener(type, fn) {
    (this.listeners[type] ??= []).push(fn);
  }
  send(text) {
    this.sent.push(JSON.parse(text));
  }
  emit(type, e = {}) {
    for (const fn of this.listeners[type] ?? []) fn(e);
  }
  opened() {
    this.readyState = 1;
    this.emit("open");
  }
  serve(m) {
    this.emit("message", { data: JSON.stringify(m) });
  }
  serveBinary(bytes) {
    this.emit("message", { data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }
  closed(code, reason = "") {
    this.readyState = 3;
    this.emit("close", { code, reason });
  }
}

// harness is a session on fake sockets; calls lists what its hooks saw.
function harness({ other = () => false } = {}) {
  const sockets = [];
  const timers = [];
  const calls = [];
  const session = new Session({
    open: () => sockets[sockets.push(new FakeSocket()) - 1],
    later: (fn, ms) => timers.push({ fn, ms }),
    hooks: {
      opened: () => calls.push(["opened"]),
      ready: (limits) => calls.push(["ready", limits]),
      other: (m) => other(m) && calls.push(["other", m.type]),
      runError: (m) => calls.push(["runError", m.code]),
      progress: (log) => calls.push(["progress", log.events.length, log.outcome?.outcome ?? null]),
      status: (text) => calls.push(["status", text]),
      closed: (code, reason) => calls.push(["closed", code, reason]),
    },
  });
  const ask = (from = 0) => session.run((id, from) => ({ type: "run", id, scenario: "pool", ...(from ? { from } : {}) }), from);
  return { session, sockets, timers, calls, ask, ws: () => sockets.at(-1) };
}

const LIMITS = { maxEvents: 1000000, maxCap: 1000, maxInterventions: 1000, maxMessage: 65536, wallMillis: 10000 };
const hello = { type: "hello", version: PROTOCOL_VERSION, limits: LIMITS };

test("the page says hello and may ask for runs at once, before the server's hello", () => {
  const h = harness();
  h.session.connect();
  assert.equal(h.ask(), false, "not connected yet");
  h.ws().opened();
  assert.deepEqual(h.ws().sent, [{ type: "hello", version: PROTOCOL_VERSION, binary: true }], "hello first");
  assert.deepEqual(h.calls, [["opened"]], "the page is told it may ask");
  assert.equal(h.ask(), true, "asked before the server's hello: the server reads messages in order");
  assert.deepEqual(h.ws().sent.at(-1), { type: "run", id: "1", scenario: "pool" });
  h.ws().serve({ type: "run", id: "1", run: "k1", sites: [] });
  h.ws().serve(hello);
  assert.deepEqual(h.calls.slice(1), [["ready", LIMITS]], "the server's hello brings its limits");
  assert.deepEqual(h.session.limits, LIMITS);
  assert.equal(h.session.pending.run.run, "k1", "the run is received whatever the order");
});

test("a run arrives as run, batches of events and an outcome; older runs are dropped", () => {
  const h = harness();
  h.session.connect();
  h.ws().opened();
  h.ws().serve(hello);
  h.ask();
  h.ask(); // the user changed a knob: run 2 replaces run 1
  assert.deepEqual(h.ws().sent.slice(1).map((m) => m.id), ["1", "2"]);
  h.ws().serve({ type: "run", id: "1", run: "k1", sites: [] });
  h.ws().serve({ type: "events", id: "1", from: 0, events: [row("go", 1)] });
  assert.equal(h.session.pending, null, "run 1's messages are leftovers");
  h.ws().serve({ type: "run", id: "2", run: "k2", sites: [] });
  h.ws().serve({ type: "events", id: "2", from: 0, events: [row("go", 1), row("goend", 2)] });
  h.ws().serve({ type: "events", id: "2", from: 2, events: [row("goend", 1)] });
  h.ws().serve({ type: "outcome", id: "2", outcome: "ok", events: 3 });
  assert.deepEqual(h.calls.slice(2), [["progress", 2, null], ["progress", 3, null], ["status", ""], ["progress", 3, "ok"]]);
  assert.equal(h.session.pending.run.run, "k2");
});

test("errors: about this run they are said, about an older run dropped, about rooms passed on", () => {
  const h = harness({ other: (m) => m.type === "error" && m.request === "follow" });
  h.session.connect();
  h.ws().opened();
  h.ws().serve(hello);
  h.ask();
  h.ask();
  h.ws().serve({ type: "error", id: "1", request: "run", code: "busy", message: "busy" });
  h.ws().serve({ type: "error", id: "2", request: "run", code: "timeout", message: "too long" });
  h.ws().serve({ type: "error", request: "follow", code: "unknown_room", message: "no room" });
  h.ws().serve({ type: "error", code: "bad_json", message: "not JSON" });
  assert.deepEqual(h.calls.slice(2), [["runError", "timeout"], ["other", "error"], ["runError", "bad_json"]]);
});

test("after going away, being too slow or losing the network, the page resumes the run it was receiving", () => {
  for (const [code, status] of [[CLOSE.slowClient, "catching up…"], [CLOSE.goingAway, "reconnecting…"], [CLOSE.abnormal, "reconnecting…"]]) {
    const h = harness();
    h.session.connect();
    h.ws().opened();
    h.ws().serve(hello);
    h.ask();
    h.ws().serve({ type: "run", id: "1", run: "k1", sites: [] });
    h.ws().serve({ type: "events", id: "1", from: 0, events: [row("go", 1), row("goend", 2)] });
    h.ws().closed(code, "bye");
    assert.deepEqual(h.calls.at(-1), ["status", status], code);
    assert.equal(h.ask(), false, `${code}: closed, nothing is asked`);
    assert.equal(h.timers.length, 1);
    assert.equal(h.timers[0].ms, code === CLOSE.slowClient ? RECONNECT_MS[CLOSE.slowClient] : RECONNECT_MS.other);
    h.timers[0].fn();
    assert.equal(h.sockets.length, 2, `${code}: a new connection`);
    h.ws().opened();
    h.ws().serve(hello);
    assert.equal(h.session.resumeFrom(), 2);
    h.ask(h.session.resumeFrom());
    assert.deepEqual(h.ws().sent, [{ type: "hello", version: PROTOCOL_VERSION, binary: true }, { type: "run", id: "1", scenario: "pool", from: 2 }], "the same run, from where it stopped");
    h.ws().serve({ type: "run", id: "1", run: "k1", sites: [] }); // the resumed stream starts again
    h.ws().serve({ type: "events", id: "1", from: 1, events: [row("goend", 2), row("goend", 1)] });
    assert.equal(h.session.pending.events.length, 3, `${code}: the log continues, without the resent event twice`);
  }
});

test("any other close is for good, and says why", () => {
  const h = harness();
  h.session.connect();
  h.ws().opened();
  h.ws().closed(CLOSE.messageTooBig, "message too big");
  assert.deepEqual(h.calls, [["opened"], ["closed", CLOSE.messageTooBig, "message too big"]]);
  assert.equal(h.timers.length, 0);
});

test("events may come as binary messages: they grow the pending log, an older run's are dropped", () => {
  const h = harness();
  h.session.connect();
  h.ws().opened();
  assert.equal(h.ws().binaryType, "arraybuffer");
  h.ws().serve(hello);
  h.ask();
  h.ws().serve({ type: "run", id: "1", run: "k1", sites: [] });
  for (const m of frames.messages) h.ws().serveBinary(binary(m));
  assert.equal(h.session.pending.events.length, frames.rows.length);
  assert.deepEqual(h.session.pending.events.at(-1), frames.rows.at(-1));
  assert.deepEqual(h.calls.at(-1), ["progress", frames.rows.length, null]);
  h.ask(); // run 2 replaces run 1
  h.ws().serve({ type: "run", id: "2", run: "k2", sites: [] });
  h.ws().serveBinary(binary(frames.messages[0]));
  assert.equal(h.session.pending.events.length, 0, "run 1's events are leftovers");
});
