// frames.js: a run's events as the page holds them, and the binary
// messages that bring them (PROTOCOL.md, "Binary events"). The server
// sends the engine's own frames (engine/frame.go): strings, objects,
// goroutines, and events column by column (engine/frame_events.go); this
// module copies each column into an EventStore, one typed array per
// field, growing by doubling. A value stays as its kind and 64 bits and
// becomes text only when a row is read, exactly as the engine's Log.Value
// writes it. Pure: no DOM.

import { EVENT_COLUMNS } from "./vocab.js";

const FRAME = { string: 0x53, object: 0x4f, goroutine: 0x47, events: 0x45 }; // 'S' 'O' 'G' 'E'
/** BINARY_EVENTS is the first byte of a binary events message. */
export const BINARY_EVENTS = 0x45; // 'E'
// Value kinds, as engine/event.go numbers them.
const VK = { none: 0, int: 1, uint: 2, bool: 3, float: 4, string: 5 };
const FIRST_CAP = 1024;
const TRIM_AT_LEAST = 1 << 20; // bytes (EventStore.trim)
// The store's columns: an event's fields, its value as two 32-bit words.
const COLUMNS = [
  ["time", Float64Array],
  ["g", Int32Array],
  ["obj", Int32Array],
  ["peer", Int32Array],
  ["site", Int32Array],
  ["lo", Uint32Array],
  ["hi", Uint32Array],
  ["kind", Uint8Array],
  ["vk", Uint8Array],
  ["flag", Uint8Array],
  ["reason", Uint8Array],
  ["fx", Uint8Array],
];
const TWO32 = 2 ** 32;
const SAFE_HI = 0x200000; // a high word below this keeps a 64-bit integer within 2^53

const utf8 = new TextDecoder();
const f64 = new DataView(new ArrayBuffer(8));
// Go's shortest 'g' format writes an exponent from 10^6 on (strconv: "if
// precision was the shortest possible, use precision 6 for this decision").
const GO_EXP_FROM = 6;

/**
 * goFloat writes a float64 as Go's strconv.FormatFloat(x, 'g', -1, 64):
 * the shortest digits, exponent form below 1e-4 and from 1e6 (with a sign
 * and two digits at least: 1e+06), and NaN, +Inf, -Inf, -0.
 */
export function goFloat(x) {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [m, e] = x.toExponential().split("e");
  const exp = Number(e);
  if (exp < -4 || exp >= GO_EXP_FROM) {
    const a = Math.abs(exp);
    return `${m}e${exp < 0 ? "-" : "+"}${a < 10 ? "0" : ""}${a}`;
  }
  return String(x);
}

/** intText writes 64 bits (two 32-bit words) as a signed or unsigned decimal integer. */
export function intText(lo, hi, signed) {
  if (hi < SAFE_HI) return String(hi * TWO32 + lo);
  if (signed && hi >= TWO32 - SAFE_HI) return String((hi - TWO32) * TWO32 + lo);
  const big = (BigInt(hi) << 32n) | BigInt(lo);
  return (signed ? BigInt.asIntN(64, big) : big).toString();
}

/**
 * EventStore holds a run's events in columns. Its rows, read with at(i),
 * are the arrays the fold reads: [time, g, kind, obj, peer, value, flag,
 * site, vk, reason, fx], the value as the engine's text. Plain arrays of
 * rows read the same way (length and at), so tests may pass either.
 */
export class EventStore {
  constructor(cap = FIRST_CAP) {
    this.length = 0;
    this.strings = []; // interned as the engine interns them: ValString values index it
    this.alloc(cap);
  }

  alloc(cap) {
    const old = this.cap ? this : null;
    this.cap = cap;
    for (const [col, T] of COLUMNS) {
      const a = new T(cap);
      if (old) a.set(old[col].subarray(0, this.length));
      this[col] = a;
    }
    this.text ??= new Map(); // values of rows added as text that the bits do not give back
  }

  /** bytes is the memory the columns hold, as allocated. */
  get bytes() {
    return COLUMNS.reduce((n, [col]) => n + this[col].byteLength, 0);
  }

  /**
   * trim gives back the room the store grew into and will not use (the run
   * is complete), if that is TRIM_AT_LEAST bytes or more: less is not worth
   * the copy. Trimming the 124,000 events of the browser benchmark's run, to
   * give back 240 KB, took the page 20 ms (new memory is slow to touch),
   * between its last events and its outcome; its million-event run gives
   * back 5 MB.
   */
  trim() {
    if ((this.cap - this.length) * this.bytes / this.cap >= TRIM_AT_LEAST) this.alloc(Math.max(1, this.length));
  }

  reserve(n) {
    if (this.length + n <= this.cap) return;
    let cap = this.cap;
    while (cap < this.length + n) cap *= 2;
    this.alloc(cap);
  }

  /** value is event i's value as the engine's Log.Value writes it. */
  value(i) {
    if (this.text.size) {
      const t = this.text.get(i);
      if (t !== undefined) return t;
    }
    const lo = this.lo[i];
    switch (this.vk[i]) {
      case VK.none:
        return "";
      case VK.int:
        return intText(lo, this.hi[i], true);
      case VK.uint:
        return intText(lo, this.hi[i], false);
      case VK.bool:
        return lo !== 0 || this.hi[i] !== 0 ? "true" : "false";
      case VK.float:
        f64.setUint32(0, lo, true);
        f64.setUint32(4, this.hi[i], true);
        return goFloat(f64.getFloat64(0, true));
      case VK.string:
        return this.strings[lo] ?? "";
    }
    return "";
  }

  /** at returns row i (a new array), or undefined past the end. */
  at(i) {
    if (i < 0) i += this.length;
    if (!(i >= 0 && i < this.length)) return undefined;
    return [this.time[i], this.g[i], this.kind[i], this.obj[i], this.peer[i], this.value(i), this.flag[i], this.site[i], this.vk[i], this.reason[i], this.fx[i]];
  }

  /** slice returns rows from..to-1 as an array, as an array of rows would. */
  slice(from = 0, to = this.length) {
    const out = [];
    for (let i = Math.max(0, from); i < Math.min(to, this.length); i++) out.push(this.at(i));
    return out;
  }

  *[Symbol.iterator]() {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  /**
   * pushRow appends a row as the JSON protocol and recordings write it
   * (the value as text; a number kept as its bits only when its text is
   * what the engine would write for them).
   */
  pushRow(r) {
    this.reserve(1);
    const i = this.length++;
    this.time[i] = r[0];
    this.g[i] = r[1];
    this.kind[i] = r[2];
    this.obj[i] = r[3];
    this.peer[i] = r[4];
    this.flag[i] = r[6];
    this.site[i] = r[7];
    this.reason[i] = r[9] ?? 0;
    this.fx[i] = r[10] ?? 0;
    this.vk[i] = r[8] ?? 0;
    // A row carries text: it is kept as bits when it is an integer that
    // they give back (the common case), else as text beside the columns.
    const text = String(r[5] ?? "");
    const n = (this.vk[i] === VK.int || this.vk[i] === VK.uint) && /^-?\d{1,15}$/.test(text) ? Number(text) : NaN;
    if (Number.isSafeInteger(n) && String(n) === text) {
      this.lo[i] = n >>> 0;
      this.hi[i] = Math.floor(n / TWO32) >>> 0;
    } else {
      this.lo[i] = this.hi[i] = 0;
      this.text.set(i, text);
    }
  }
}

/**
 * columnsOf returns events as an EventStore: itself if it is one, else
 * (rows in a plain array, as tests write them) a store filled from them.
 * Whole-log scans read its columns, not rows.
 */
export function columnsOf(events) {
  if (events instanceof EventStore) return events;
  const s = new EventStore(Math.max(1, events.length));
  for (const r of events) s.pushRow(r);
  return s;
}

/**
 * readUvarint reads an unsigned varint (Go's encoding/binary) at off that
 * a count or length must fit in (below 2^53), returning [value, next
 * offset].
 */
function readUvarint(bytes, off) {
  const [lo, hi, next] = readUvarint64(bytes, off);
  if (hi >= SAFE_HI) throw new Error("binary events: a count past 2^53");
  return [hi * TWO32 + lo, next];
}

/**
 * decodeEvents reads a binary events message (an ArrayBuffer or a typed
 * array view): {id, from, strings, frames}, frames being [{type, payload}]
 * with payload a Uint8Array over the message's bytes.
 */
export function decodeEvents(data) {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data.buffer ?? data, data.byteOffset ?? 0, data.byteLength);
  if (bytes[0] !== BINARY_EVENTS) throw new Error(`binary events: message type ${bytes[0]}`);
  let off = 1;
  let n;
  [n, off] = readUvarint(bytes, off);
  const id = utf8.decode(bytes.subarray(off, off + n));
  off += n;
  let from, strings;
  [from, off] = readUvarint(bytes, off);
  [strings, off] = readUvarint(bytes, off);
  const frames = [];
  while (off < bytes.length) {
    const type = bytes[off++];
    [n, off] = readUvarint(bytes, off);
    if (off + n > bytes.length) throw new Error("binary events: truncated frame");
    frames.push({ type, payload: bytes.subarray(off, off + n) });
    off += n;
  }
  return { id, from, strings, frames };
}

/**
 * addFrames appends a decoded binary events message to a log (runlog.js):
 * its strings to the store's, its objects and goroutines to the log's
 * maps, its events to the store. Events the log already holds (a batch
 * sent again after a reconnect) are skipped; a gap is an error.
 */
export function addFrames(log, msg) {
  const store = log.events;
  let str = msg.strings;
  let seq = msg.from;
  if (seq > store.length) throw new Error(`events from ${seq} leave a gap after ${store.length}`);
  // Room for the whole message at once: its frames hold a few thousand
  // events each, and growing frame by frame copied the columns again and
  // again (new memory, slow to touch).
  let total = 0;
  for (const { type, payload } of msg.frames) if (type === FRAME.events) total += readUvarint(payload, 0)[0];
  store.reserve(seq + total - store.length);
  for (const { type, payload } of msg.frames) {
    switch (type) {
      case FRAME.string:
        if (str === store.strings.length) store.strings.push(utf8.decode(payload));
        str++;
        break;
      case FRAME.object: {
        const d = JSON.parse(utf8.decode(payload));
        log.objects.set(d.id, d);
        break;
      }
      case FRAME.goroutine: {
        const d = JSON.parse(utf8.decode(payload));
        log.goroutines.set(d.id, d);
        break;
      }
      case FRAME.events:
        seq += appendColumns(store, payload, store.length - seq);
        break;
      default:
        throw new Error(`binary events: unknown frame type ${type}`);
    }
  }
}

// INTO is the store's column each events frame column fills, by the
// engine's name for it (vocab.js EVENT_COLUMNS); value fills lo and hi. A
// column the engine adds that is not here is skipped.
export const INTO = Object.freeze({ time: "time", value: "value", g: "g", obj: "obj", peer: "peer", pos: "site", kind: "kind", "value kind": "vk", flag: "flag", "wait reason": "reason", effects: "fx" });
const COLUMN_INTO = EVENT_COLUMNS.map((c) => INTO[c.name]);
const WIDTHS = new Set([0, 1, 2, 4, 8]);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// appendColumns appends an events frame's events (layout:
// engine/frame_events.go) to the store, all but the first skip (the store
// has them already), and returns how many events the frame holds. A
// column the page does not know is skipped; a column the frame lacks
// leaves its field zero.
function appendColumns(store, payload, skip) {
  let off = 0;
  let n, cols;
  [n, off] = readUvarint(payload, off);
  [cols, off] = readUvarint(payload, off);
  skip = Math.max(0, Math.min(skip, n));
  const count = n - skip;
  store.reserve(count);
  const at = store.length;
  for (let c = 0; c < cols; c++) {
    if (off >= payload.length) throw new Error("binary events: truncated events frame");
    const width = payload[off++];
    if (!WIDTHS.has(width)) throw new Error(`binary events: a column of width ${width}`);
    let lo, hi;
    [lo, hi, off] = (EVENT_COLUMNS[c]?.signed ? readVarint64 : readUvarint64)(payload, off);
    if (off + n * width > payload.length) throw new Error("binary events: truncated events frame");
    const into = COLUMN_INTO[c];
    if (into && count > 0) fill(store, into, at, count, { lo, hi }, width ? numbersOf(payload, off + skip * width, count, width) : null);
    off += n * width;
  }
  if (off !== payload.length) throw new Error("binary events: an events frame longer than its columns");
  // Columns a writer did not send: their fields are zero.
  for (let c = cols; c < COLUMN_INTO.length; c++) if (COLUMN_INTO[c]) fill(store, COLUMN_INTO[c], at, count, { lo: 0, hi: 0 }, null);
  store.length = at + count;
  return n;
}

// fill writes count events' field into the store's column(s) from at:
// base plus each number (nums, a typed array of the width's unsigned
// integers, two 32-bit words each for width 8), or base alone (nums null).
// The numbers are copied at once (TypedArray set converts them) and the
// base added after, in loops of one typed array each: this runs as a page
// loads, its code not yet optimized.
function fill(store, into, at, count, base, nums) {
  const end = at + count;
  if (nums !== null && nums.length === 2 * count) return fillWide(store, into, at, count, base, nums);
  if (into === "time") {
    const t = store.time;
    const b = (base.hi | 0) * TWO32 + base.lo;
    if (nums === null) t.fill(b, at, end);
    else {
      t.set(nums, at);
      if (b !== 0) for (let i = at; i < end; i++) t[i] += b;
    }
    return;
  }
  if (into === "value") {
    const { lo, hi } = store;
    hi.fill(base.hi, at, end);
    if (nums === null) return void lo.fill(base.lo, at, end);
    lo.set(nums, at);
    if (base.lo === 0) return;
    // A carry out of the low word: only where the number reaches past 2^32.
    const next = (base.hi + 1) >>> 0;
    for (let i = at; i < end; i++) {
      const sum = lo[i] + base.lo;
      if (sum > 0xffffffff) {
        lo[i] = sum - TWO32;
        hi[i] = next;
      } else lo[i] = sum;
    }
    return;
  }
  // A 32-bit or 8-bit field: the low word of the sum is its value, as the
  // typed array keeps it.
  const col = store[into];
  if (nums === null) return void col.fill(base.lo, at, end);
  col.set(nums, at);
  if (base.lo !== 0) for (let i = at; i < end; i++) col[i] += base.lo;
}

// fillWide is fill for a column of width 8: 64-bit sums, word by word.
function fillWide(store, into, at, count, base, nums) {
  for (let i = at, k = 0; k < count; i++, k++) {
    const sum = base.lo + nums[2 * k];
    const lo = sum >>> 0;
    const hi = (base.hi + nums[2 * k + 1] + (sum > 0xffffffff ? 1 : 0)) >>> 0;
    if (into === "value") {
      store.lo[i] = lo;
      store.hi[i] = hi;
    } else if (into === "time") {
      store.time[i] = (hi | 0) * TWO32 + lo;
    } else {
      store[into][i] = lo;
    }
  }
}

// numbersOf returns count unsigned numbers of width bytes at off in
// payload as a typed array (width 8: two 32-bit words each, low first),
// copied where they do not lie at a multiple of their width.
function numbersOf(payload, off, count, width) {
  const bytes = count * width;
  if (width === 1) return payload.subarray(off, off + bytes);
  const words = width === 8 ? 2 * count : count;
  if (!LITTLE_ENDIAN) {
    const dv = new DataView(payload.buffer, payload.byteOffset + off, bytes);
    const out = width === 2 ? new Uint16Array(words) : new Uint32Array(words);
    for (let i = 0; i < words; i++) out[i] = width === 2 ? dv.getUint16(2 * i, true) : dv.getUint32(4 * i, true);
    return out;
  }
  const T = width === 2 ? Uint16Array : Uint32Array;
  const abs = payload.byteOffset + off;
  if (abs % T.BYTES_PER_ELEMENT === 0) return new T(payload.buffer, abs, words);
  const copy = new Uint8Array(bytes); // not payload.slice: a Node Buffer's slice is a view
  copy.set(payload.subarray(off, off + bytes));
  return new T(copy.buffer, 0, words);
}

// readUvarint64 reads an unsigned varint of up to 64 bits at off,
// returning [low word, high word, next offset].
function readUvarint64(bytes, off) {
  let lo = 0;
  let hi = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    if (off >= bytes.length) throw new Error("binary events: truncated varint");
    const b = bytes[off++];
    const v = b & 0x7f;
    if (shift < 32) {
      lo = (lo | (v << shift)) >>> 0;
      if (shift > 25) hi = (hi | (v >>> (32 - shift))) >>> 0;
    } else {
      hi = (hi | (v << (shift - 32))) >>> 0;
    }
    if (b < 0x80) return [lo, hi, off];
  }
  throw new Error("binary events: varint too long");
}

// readVarint64 reads a signed (zig-zag) varint, as readUvarint64 does.
function readVarint64(bytes, off) {
  let [lo, hi, next] = readUvarint64(bytes, off);
  const neg = lo & 1;
  lo = ((lo >>> 1) | (hi << 31)) >>> 0;
  hi = hi >>> 1;
  if (neg) {
    lo = ~lo >>> 0;
    hi = ~hi >>> 0;
  }
  return [lo, hi, next];
}
