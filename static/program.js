// program.js: programs from the page (PROTOCOL.md, "Programs from the
// page"): the link that carries a program's source, and the build over
// POST /build. No DOM: the page gives `build` its fetch.
//
// The link's format is the Go side's (server.ProgramURL writes it,
// server.ProgramSource reads it, static/testdata/program_link.json is one
// it wrote): /s/{id}?{settings}#src={base64url, no padding, of the
// source's raw DEFLATE}. This module reads and writes that, nothing more.

/** FRAGMENT starts a program link's fragment (after the #). */
export const FRAGMENT = "src=";

/**
 * DECODE_LIMIT is the most bytes a link's program inflates to here: a
 * guard against a link that inflates without end. The server's own limit
 * (GET /build's maxSource, 64 KiB by default) refuses a long source with
 * a sentence when it is built.
 */
export const DECODE_LIMIT = 1 << 20;

/** isProgramID says whether id names a program built from a source (server.ProgramID), not a catalog scenario. */
export function isProgramID(id) {
  return /^p-[0-9a-f]{24}$/.test(String(id));
}

function base64url(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("the link's program is not base64url");
  const b = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
  return out;
}

// through pipes bytes through a (de)compression stream, stopping once the
// output passes limit bytes.
async function through(stream, bytes, limit = Infinity) {
  const w = stream.writable.getWriter();
  w.write(bytes).catch(() => {});
  w.close().catch(() => {});
  const parts = [];
  let n = 0;
  const r = stream.readable.getReader();
  for (;;) {
    const { done, value } = await r.read();
    if (done) break;
    parts.push(value);
    n += value.length;
    if (n > limit) {
      r.cancel().catch(() => {});
      throw new Error(`the link's program is over ${limit} bytes`);
    }
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** encodeSource is a source as a link's fragment: "src=" and its raw DEFLATE in base64url. */
export async function encodeSource(src) {
  const z = await through(new CompressionStream("deflate-raw"), new TextEncoder().encode(src));
  return FRAGMENT + base64url(z);
}

/**
 * decodeSource reads the source back from a link's fragment (location.hash,
 * with or without its "#"); it returns "" when the fragment carries no
 * program, and throws a sentence when it carries a broken one.
 */
export async function decodeSource(fragment, limit = DECODE_LIMIT) {
  const f = String(fragment ?? "").replace(/^#/, "");
  if (!f.startsWith(FRAGMENT)) return "";
  let bytes;
  try {
    bytes = await through(new DecompressionStream("deflate-raw"), fromBase64url(f.slice(FRAGMENT.length)), limit);
  } catch (err) {
    throw new Error(err.message.startsWith("the link's") ? err.message : `the link's program is not raw DEFLATE: ${err.message}`);
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}

/** programPath is where a built program's page is, with the page's settings query (without "?"). */
export function programPath(id, query = "") {
  return `/s/${encodeURIComponent(id)}${query ? "?" + query : ""}`;
}

/**
 * BuildError is a build that did not give a program: the reply's error,
 * {code, message, line, col, more}, as PROTOCOL.md gives it.
 */
export class BuildError extends Error {
  constructor({ code = "failed", message = "", line = 0, col = 0, more = 0 } = {}) {
    super(message || "The server could not build the program.");
    this.code = code;
    this.line = line || 0;
    this.col = col || 0;
    this.more = more || 0;
  }
}

/**
 * readLines calls each(line) with every JSON line of an NDJSON body (a
 * ReadableStream of bytes), as the lines arrive.
 */
export async function readLines(body, each) {
  const r = body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { done, value } = await r.read();
    buf += done ? dec.decode() : dec.decode(value, { stream: true });
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) each(JSON.parse(line));
    }
    if (done) break;
  }
  if (buf.trim()) each(JSON.parse(buf));
}

/**
 * build sends a source to POST /build and returns the ready line
 * ({program, cached, knobs}); progress(state) hears "queued" and
 * "building" as they come. A program that is not built throws BuildError.
 */
export async function build(src, { fetch = globalThis.fetch, progress = () => {}, signal } = {}) {
  let resp;
  try {
    resp = await fetch("/build", { method: "POST", body: src, headers: { "Content-Type": "text/plain; charset=utf-8" }, signal });
  } catch (err) {
    throw new BuildError({ code: "failed", message: `The server could not be reached: ${err.message}` });
  }
  let ready = null;
  let failed = null;
  await readLines(resp.body, (m) => {
    if (m.state === "ready") ready = m;
    else if (m.state === "error") failed = m.error ?? {};
    else progress(m.state);
  });
  if (ready) return ready;
  throw new BuildError(failed ?? { code: "failed", message: `The server answered ${resp.status} without a program.` });
}

/** errorText is a build error as the page shows it: Go's line, and how many more errors there are. */
export function errorText(err) {
  return err.more ? `${err.message} (and ${err.more} more error${err.more === 1 ? "" : "s"})` : err.message;
}
