// Tests for frames.js: the page decodes the bytes the server's Go encoder
// wrote (static/testdata/frames.json, kept fresh by
// server/digest_test.go's TestFramesFixture) into the rows the engine
// writes, values as Go formats them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { decodeEvents, addFrames, EventStore, goFloat, intText, INTO } from "./frames.js";
import { EVENT_COLUMNS } from "./vocab.js";
import { newLog, addEvents } from "./runlog.js";

const fixture = JSON.parse(readFileSync(new URL("./testdata/frames.json", import.meta.url), "utf8"));
const bytes = (b64) => new Uint8Array(Buffer.from(b64, "base64"));
const rowsOf = (store) => Array.from({ length: store.length }, (_, i) => store.at(i));

function received(messages) {
  const log = newLog({ type: "run", id: "frames", sites: [] });
  for (const m of messages) addFrames(log, decodeEvents(bytes(m)));
  return log;
}

test("the page reads the Go encoder's events as the engine's rows, values written as Go writes them", () => {
  const log = received(fixture.messages);
  assert.equal(log.events.length, fixture.rows.length);
  assert.deepEqual(rowsOf(log.events), fixture.rows);
  assert.deepEqual([...log.objects.keys()], [1, 2, 3, 4, 5]);
  assert.equal(log.objects.get(2).elem, "int64");
  assert.equal(log.goroutines.get(1).name, "main.main");
});

test("a run asked for again from event 20 continues the log: nothing twice, strings not doubled", () => {
  const log = received(fixture.messages);
  const strings = log.events.strings.length;
  for (const m of fixture.resumed) {
    const msg = decodeEvents(bytes(m));
    assert.equal(msg.from, 20);
    assert.equal(msg.strings, 0, "strings are sent from the first on each connection");
    addFrames(log, msg);
  }
  assert.equal(log.events.strings.length, strings);
  assert.deepEqual(rowsOf(log.events), fixture.rows);
});

// The events frames of static/testdata/columns.json (engine's
// TestEventsFrameColumnsFixture), each in a message as the server sends
// one: the shapes of columns a run may not show, read as the Go reader
// reads them.
const columns = JSON.parse(readFileSync(new URL("./testdata/columns.json", import.meta.url), "utf8"));
const uvarint = (n) => {
  const out = [];
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n % 0x80) | 0x80);
  return [...out, n];
};
const message = (payload) => new Uint8Array([0x45, 1, 0x31, 0, 0, 0x45, ...uvarint(payload.length), ...payload]);

for (const c of columns.cases) {
  test(`events frame: ${c.name}`, () => {
    // A Node Buffer, as digestcheck.mjs passes: its slice is a view, and
    // its bytes lie at any offset of a shared pool.
    for (const data of [message(bytes(c.payload)), Buffer.from(message(bytes(c.payload)))]) {
      const log = newLog({ type: "run", id: "1", sites: [] });
      addFrames(log, decodeEvents(data));
      assert.deepEqual(rowsOf(log.events), c.rows, data.constructor.name);
    }
  });
}

test("the page stores every column the engine sends", () => {
  // A reader skips a column it does not know, so a field the engine adds
  // would be lost without a word: INTO must name its store column.
  for (const c of EVENT_COLUMNS) assert.ok(Object.hasOwn(INTO, c.name), `frames.js INTO has no store column for "${c.name}"`);
});

test("an events frame that does not hold what it says is refused", () => {
  const good = bytes(columns.cases[0].payload);
  for (const [what, payload, want] of [
    ["truncated", good.subarray(0, good.length - 1), /truncated events frame/],
    ["longer", new Uint8Array([...good, 0]), /longer than its columns/],
    ["a width of 3", new Uint8Array([1, 1, 3, 0, 0, 0, 0]), /a column of width 3/],
  ]) {
    const log = newLog({ type: "run", id: "1", sites: [] });
    assert.throws(() => addFrames(log, decodeEvents(message(payload))), want, what);
  }
});

test("a batch that leaves a gap is refused", () => {
  const log = newLog({ type: "run", id: "frames", sites: [] });
  assert.throws(() => addFrames(log, decodeEvents(bytes(fixture.resumed[0]))), /gap/);
});

test("rows (JSON messages, recordings) fill the same store and read back unchanged", () => {
  const log = newLog({ type: "run", id: "frames", sites: [] });
  addEvents(log, { from: 0, events: fixture.rows.slice(0, 10) });
  addEvents(log, { from: 5, events: fixture.rows.slice(5) });
  assert.deepEqual(rowsOf(log.events), fixture.rows);
});

test("the store grows past its first allocation and reads back every event", () => {
  const s = new EventStore(2);
  for (let i = 0; i < 1000; i++) s.pushRow([i * 1e9, i % 7, 5, 1, 0, String(-i), 0, 1, 1, 0, 0]);
  assert.equal(s.length, 1000);
  assert.ok(s.cap >= 1000 && s.cap < 2048);
  assert.deepEqual(s.at(999), [999e9, 999 % 7, 5, 1, 0, "-999", 0, 1, 1, 0, 0]);
  assert.deepEqual(s.at(-1), s.at(999));
  assert.equal(s.at(1000), undefined);
  assert.equal([...s].length, 1000);
  assert.equal(s.bytes / s.cap, 37, "an event takes 37 bytes in the columns, as PROTOCOL.md says");
});

test("a complete run's store gives back the room it will not use when that is a megabyte or more", () => {
  const grown = (n) => {
    const s = new EventStore(2);
    for (let i = 0; i < n; i++) s.pushRow([i * 1e9, i % 7, 5, 1, 0, String(-i), 0, 1, 1, 0, 0]);
    assert.equal(s.cap, 65536);
    s.trim();
    return s;
  };
  const near = grown(60000); // 5,536 events of room: 205 KB
  assert.equal(near.cap, 65536, "not copied for less");
  const far = grown(33000); // 32,536 events of room: 1.2 MB
  assert.equal(far.bytes, 33000 * 37, "trimmed to the events it holds");
  assert.deepEqual(far.at(32999), [32999e9, 32999 % 7, 5, 1, 0, "-32999", 0, 1, 1, 0, 0]);
});

test("floats and 64-bit integers are written as Go writes them", () => {
  const cases = [
    [100000, "100000"],
    [999999.5, "999999.5"],
    [1e6, "1e+06"],
    [-1.5e-7, "-1.5e-07"],
    [1e100, "1e+100"],
    [0.00012, "0.00012"],
  ];
  for (const [x, want] of cases) assert.equal(goFloat(x), want, String(x));
  assert.equal(intText(0xffffffff, 0xffffffff, true), "-1");
  assert.equal(intText(0xffffffff, 0xffffffff, false), "18446744073709551615");
  assert.equal(intText(0, 0x80000000, true), "-9223372036854775808");
});
