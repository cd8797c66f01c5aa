// Tests for program.js: the program link as the Go side writes it
// (testdata/program_link.json, kept by server.TestProgramLinkFixture), its
// round trip, and the build's reply lines.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { encodeSource, decodeSource, isProgramID, programPath, build, BuildError, errorText, readLines } from "./program.js";

const fixture = JSON.parse(readFileSync(new URL("./testdata/program_link.json", import.meta.url)));

test("a link written by server.ProgramURL reads back as its source", async () => {
  const u = new URL(fixture.url);
  assert.equal(await decodeSource(u.hash), fixture.source);
  const id = u.pathname.slice("/s/".length);
  assert.ok(isProgramID(id), id);
  assert.equal(programPath(id, u.search.slice(1)), u.pathname + u.search, "the page writes the path and query as Go does");
});

test("what the page writes reads back, in the link's alphabet", async () => {
  for (const src of ["", fixture.source, "package main\n\n// ünïcode ✓, tabs\t and a long line " + "x".repeat(70000) + "\n"]) {
    const frag = await encodeSource(src);
    assert.match(frag, /^src=[A-Za-z0-9_-]*$/, "base64url without padding");
    assert.equal(await decodeSource("#" + frag), src);
  }
});

test("a fragment without a program is none; a broken or huge one is a sentence", async () => {
  assert.equal(await decodeSource(""), "");
  assert.equal(await decodeSource("#step=3"), "");
  await assert.rejects(decodeSource("#src=not+base64"), /not base64url/);
  await assert.rejects(decodeSource("#src=AAAA"), /not raw DEFLATE/);
  const big = await encodeSource("a".repeat(5000));
  await assert.rejects(decodeSource(big, 1000), /over 1000 bytes/);
});

test("program ids are the server's, catalog ids are not", () => {
  assert.ok(isProgramID("p-0123456789abcdef01234567"));
  for (const id of ["worker-pool-deadlock", "p-0123", "p-0123456789ABCDEF01234567", ""]) assert.ok(!isProgramID(id), id);
});

// reply makes a fetch whose body streams the lines in the given chunks.
function reply(chunks, status = 200) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    const body = new ReadableStream({
      start(c) {
        for (const ch of chunks) c.enqueue(new TextEncoder().encode(ch));
        c.close();
      },
    });
    return { status, body };
  };
  return { fetch, calls };
}

test("a build reports its progress and gives the program", async () => {
  const { fetch, calls } = reply(['{"state":"queued"}\n{"sta', 'te":"building"}\n', '{"state":"ready","program":"p-0123456789abcdef01234567","knobs":[{"name":"jobs","kind":"cap"}]}\n']);
  const seen = [];
  const r = await build("package main", { fetch, progress: (s) => seen.push(s) });
  assert.deepEqual(seen, ["queued", "building"]);
  assert.equal(r.program, "p-0123456789abcdef01234567");
  assert.equal(r.knobs[0].name, "jobs");
  assert.equal(calls[0].url, "/build");
  assert.equal(calls[0].init.method, "POST");
  assert.equal(calls[0].init.body, "package main");
});

test("a program that does not compile is Go's line, at its line", async () => {
  const { fetch } = reply(['{"state":"building"}\n{"state":"error","error":{"code":"compile","message":"main.go:12:3: undefined: x","line":12,"col":3,"more":2}}\n']);
  const err = await build("package main", { fetch }).catch((e) => e);
  assert.ok(err instanceof BuildError);
  assert.equal(err.code, "compile");
  assert.equal(err.line, 12);
  assert.equal(err.col, 3);
  assert.equal(errorText(err), "main.go:12:3: undefined: x (and 2 more errors)");
});

test("a refusal before building is its sentence; an empty answer says so", async () => {
  const refused = await build("x", { fetch: reply(['{"state":"error","error":{"code":"forbidden","message":"This server builds programs only for browsers on its own machine."}}\n'], 403).fetch }).catch((e) => e);
  assert.equal(refused.code, "forbidden");
  assert.equal(refused.line, 0);
  assert.match(errorText(refused), /only for browsers on its own machine/);
  const empty = await build("x", { fetch: reply([], 502).fetch }).catch((e) => e);
  assert.equal(empty.code, "failed");
  assert.match(empty.message, /502/);
  const down = await build("x", { fetch: async () => { throw new Error("connection refused"); } }).catch((e) => e);
  assert.match(down.message, /could not be reached: connection refused/);
});

test("reply lines split anywhere arrive whole", async () => {
  const text = '{"a":1}\n{"b":"é"}\n{"c":3}';
  const bytes = new TextEncoder().encode(text);
  const got = [];
  const body = new ReadableStream({
    start(c) {
      for (const b of bytes) c.enqueue(new Uint8Array([b])); // é split between chunks
      c.close();
    },
  });
  await readLines(body, (m) => got.push(m));
  assert.deepEqual(got, [{ a: 1 }, { b: "é" }, { c: 3 }]);
});
