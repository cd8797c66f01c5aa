// Tests for panels.js's tables: each is keyed by names vocab.js declares
// (generated from Go), so an outcome or an error code added or renamed in
// Go fails here until the page says something of it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OUTCOME, RUN_ERRORS, ROOM_ERRORS, badgeOf } from "./panels.js";
import { OUTCOME_KINDS, ERROR_CODES } from "./vocab.js";

test("every way a run can end has its icon and word, and only those", () => {
  assert.deepEqual(Object.keys(OUTCOME).sort(), [...OUTCOME_KINDS].sort());
  assert.match(badgeOf({ outcome: "deadlock" }).html, /deadlock/);
});

test("the page's sentences for errors are about codes the server sends", () => {
  const codes = new Set(Object.values(ERROR_CODES));
  for (const [table, sentences] of [["RUN_ERRORS", RUN_ERRORS], ["ROOM_ERRORS", ROOM_ERRORS]]) {
    for (const code of Object.keys(sentences)) assert.ok(codes.has(code), `${table} has a sentence for “${code}”, which the server never sends`);
  }
  assert.match(ROOM_ERRORS.rate_limited, /Too many wrong codes/, "keyed by the code as sent");
});
