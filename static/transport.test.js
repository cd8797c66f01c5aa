// Tests for transport.js and html.js: which key presses move through the
// run, and text made safe for markup.
import { test } from "node:test";
import assert from "node:assert/strict";
import { keyAction } from "./transport.js";
import { escapeHTML } from "./html.js";

// press is a key press on an element that is (or is in) tag.
const press = (key, tag = "body", mods = {}) => ({ key, ...mods, target: { closest: (sel) => sel.split(", ").includes(tag) } });

test("keys move through the run, except while typing, with modifiers, or pressing a button", () => {
  const cases = [
    [press(" "), "toggle"],
    [press("ArrowLeft"), "back"],
    [press("ArrowRight"), "forward"],
    [press("Home"), "start"],
    [press("End"), "end"],
    [press("p"), "projector"],
    [press("x"), ""],
    [press("constructor"), ""],
    [press("ArrowRight", "input"), ""],
    [press("ArrowRight", "body", { ctrlKey: true }), ""],
    [press(" ", "button"), ""],
    [press("ArrowRight", "button"), "forward"],
  ];
  for (const [e, want] of cases) assert.equal(keyAction(e), want, `${e.key} on ${e.target.closest("button") ? "a button" : "the page"}`);
});

test("escapeHTML makes any text safe in an element or a quoted attribute", () => {
  assert.equal(escapeHTML(`<a href="x">Tom & Jerry</a>`), "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&lt;/a&gt;");
  assert.equal(escapeHTML(42), "42");
  assert.equal(escapeHTML("it's"), "it's", "single quotes are left: the page quotes attributes with double ones");
});
