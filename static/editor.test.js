// Tests for editor.js: what Tab, Shift+Tab and Enter do to the text, the
// run key, the gutter, and where Go's line and column fall in the text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { indent, newline, isRunKey, gutterHTML, lineCount, offsetOf, TEMPLATE } from "./editor.js";

// edit applies an edit to value, returning the text and the selection.
function edit(value, ed) {
  const text = value.slice(0, ed.from) + ed.text + value.slice(ed.to);
  return [text, text.slice(ed.start, ed.end), ed.start];
}

test("Tab inserts a tab at the caret, or over a selection within a line", () => {
  assert.deepEqual(edit("ab", indent("ab", 1, 1)), ["a\tb", "", 2]);
  assert.deepEqual(edit("abc", indent("abc", 1, 2)), ["a\tc", "", 2]);
});

test("Tab and Shift+Tab indent and outdent every selected line", () => {
  const v = "a\n\tb\nc\nd";
  const [t1, sel1] = edit(v, indent(v, 0, 4)); // a and \tb selected (to the end of b)
  assert.equal(t1, "\ta\n\t\tb\nc\nd");
  assert.equal(sel1, "a\n\t\tb", "the selection grows with the lines");
  const [t2] = edit(t1, indent(t1, 1, 7, true));
  assert.equal(t2, v, "Shift+Tab takes the tab back");
  // A selection ending at the start of a line leaves that line alone.
  const [t3] = edit(v, indent(v, 0, 2));
  assert.equal(t3, "\ta\n\tb\nc\nd");
  // Spaces outdent too, up to four; a line without indentation stays.
  const s = "      x\ny";
  assert.equal(edit(s, indent(s, 0, s.length, true))[0], "  x\ny");
  assert.equal(edit("x", indent("x", 0, 0, true))[0], "x");
});

test("Enter keeps the line's indentation, one more after a brace", () => {
  const v = "func main() {\n\tx := 1";
  assert.equal(edit(v, newline(v, 13, 13))[0], "func main() {\n\t\n\tx := 1");
  assert.equal(edit(v, newline(v, v.length, v.length))[0], v + "\n\t");
  const [t, , caret] = edit("\tgo f(", newline("\tgo f(", 6, 6));
  assert.equal(t, "\tgo f(\n\t\t");
  assert.equal(caret, t.length);
});

test("Ctrl+Enter and Cmd+Enter run; Enter and Alt+Ctrl+Enter do not", () => {
  assert.ok(isRunKey({ key: "Enter", ctrlKey: true }));
  assert.ok(isRunKey({ key: "Enter", metaKey: true }));
  assert.ok(!isRunKey({ key: "Enter" }));
  assert.ok(!isRunKey({ key: "Enter", ctrlKey: true, altKey: true }));
  assert.ok(!isRunKey({ key: "r", ctrlKey: true }));
});

test("the gutter numbers every line and marks the error's", () => {
  assert.equal(lineCount("a\nb\n"), 3);
  assert.equal(lineCount(""), 1);
  assert.equal(gutterHTML(3), "1\n2\n3\n");
  assert.equal(gutterHTML(3, 2), '1\n<span class="ed-err" title="The error is on this line">2</span>\n3\n');
  assert.equal(gutterHTML(lineCount(TEMPLATE)).split("\n").length - 1, lineCount(TEMPLATE));
});

test("Go's line and column (in bytes) fall where Go means", () => {
  const v = "package main\n\tx := \"é\" + y\nz";
  assert.equal(offsetOf(v, 1), 0);
  assert.equal(v.slice(offsetOf(v, 2, 2)), 'x := "é" + y\nz', "a tab is one column");
  // é is two bytes: column 14 is y.
  assert.equal(v.slice(offsetOf(v, 2, 14)), "y\nz");
  assert.equal(offsetOf(v, 3, 1), v.length - 1);
  assert.equal(offsetOf(v, 9, 1), v.length, "a line past the end is the end");
  assert.equal(offsetOf(v, 1, 99), 12, "a column past the line's end is its end");
});

test("the template is a main with two goroutines and a channel", () => {
  assert.match(TEMPLATE, /^package main\n/);
  assert.equal(TEMPLATE.match(/\bgo func/g).length, 2);
  assert.equal(TEMPLATE.match(/make\(chan /g).length, 1);
});
