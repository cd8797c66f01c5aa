// editor.js: the code panel's editor, a textarea as the Go Playground's
// is: line numbers, Tab indents, Enter keeps the line's indentation,
// Ctrl/Cmd+Enter runs, and a build's error marked on its line. The edits
// (`indent`, `newline`) and the gutter are pure and tested with node; the
// Editor puts them on a textarea, through the browser's own editing, so
// undo keeps working.

import { escapeHTML as esc } from "./html.js";

/**
 * TEMPLATE is where "New program" starts: a main with two goroutines and
 * a channel, small enough to read at once.
 */
export const TEMPLATE = [
  "package main",
  "",
  'import "fmt"', // one line of an array: no line of the bundle starts with "import"
  "",
  "// Two goroutines send on one channel; main receives twice.",
  "// Change the program, then press Run (Ctrl+Enter) to watch it.",
  "func main() {",
  "\tch := make(chan string)",
  '\tgo func() { ch <- "ping" }()',
  '\tgo func() { ch <- "pong" }()',
  "\tfmt.Println(<-ch)",
  "\tfmt.Println(<-ch)",
  "}",
  "",
].join("\n");

/**
 * An edit replaces value[from, to) by text, then selects [start, end):
 * what a key does to the text, for the textarea to apply.
 */

// lineStartOf is the index where the line holding index i starts.
function lineStartOf(value, i) {
  return value.lastIndexOf("\n", i - 1) + 1;
}

/**
 * indent is Tab (or Shift+Tab, outdent) on value with the selection
 * [start, end): a tab at the caret, or each selected line indented or
 * outdented by one tab (or up to four spaces).
 */
export function indent(value, start, end, outdent = false) {
  if (!outdent && !value.slice(start, end).includes("\n")) return { from: start, to: end, text: "\t", start: start + 1, end: start + 1 };
  const from = lineStartOf(value, start);
  // A selection ending at a line's start does not take in that line.
  const last = end > start && value[end - 1] === "\n" ? end - 1 : end;
  const nl = value.indexOf("\n", last);
  const to = nl < 0 ? value.length : nl;
  const lines = value.slice(from, to).split("\n");
  let firstDelta = 0;
  const out = lines.map((l, i) => {
    let d;
    let next;
    if (outdent) {
      const m = /^(\t| {1,4})/.exec(l);
      d = m ? -m[1].length : 0;
      next = l.slice(-d);
    } else {
      d = 1;
      next = "\t" + l;
    }
    if (i === 0) firstDelta = d;
    return next;
  });
  const text = out.join("\n");
  return { from, to, text, start: Math.max(from, start + firstDelta), end: end + (text.length - (to - from)) };
}

/**
 * newline is Enter: a new line with the current line's indentation, one
 * tab more after an opening brace or parenthesis.
 */
export function newline(value, start, end) {
  const ls = lineStartOf(value, start);
  const lead = /^[\t ]*/.exec(value.slice(ls, start))[0];
  const more = /[{(]\s*$/.test(value.slice(ls, start)) ? "\t" : "";
  const text = "\n" + lead + more;
  return { from: start, to: end, text, start: start + text.length, end: start + text.length };
}

/** isRunKey says whether a key event asks to run: Ctrl+Enter, or Cmd+Enter on a Mac. */
export function isRunKey(e) {
  return e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.altKey;
}

/** gutterHTML is the line numbers of a text of n lines, errLine (1-based, 0: none) marked. */
export function gutterHTML(n, errLine = 0) {
  let h = "";
  for (let i = 1; i <= Math.max(1, n); i++) h += i === errLine ? `<span class="ed-err" title="The error is on this line">${i}</span>\n` : `${i}\n`;
  return h;
}

/** lineCount is how many lines value has (a text ending in a newline ends a line, as an editor shows it). */
export function lineCount(value) {
  let n = 1;
  for (let i = value.indexOf("\n"); i >= 0; i = value.indexOf("\n", i + 1)) n++;
  return n;
}

/** offsetOf is where line (1-based) and col (1-based, in bytes as Go counts) start in value. */
export function offsetOf(value, line, col = 1) {
  let at = 0;
  for (let l = 1; l < line; l++) {
    const nl = value.indexOf("\n", at);
    if (nl < 0) return value.length;
    at = nl + 1;
  }
  const end = value.indexOf("\n", at) < 0 ? value.length : value.indexOf("\n", at);
  // Go counts columns in bytes: walk the line's characters until that many bytes.
  let bytes = 1;
  let i = at;
  const enc = new TextEncoder();
  while (i < end && bytes < col) {
    const cp = value.codePointAt(i);
    bytes += enc.encode(String.fromCodePoint(cp)).length;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

/**
 * Editor is the textarea in the code panel. `run()` is called for
 * Ctrl/Cmd+Enter. It is made once and opened with a source each time the
 * user edits.
 */
export class Editor {
  constructor(doc, { run }) {
    this.doc = doc;
    this.run = run;
    this.errLine = 0;
    const root = (this.root = doc.createElement("div"));
    root.className = "editor";
    root.hidden = true;
    root.innerHTML = `<div class="ed-wrap"><pre class="ed-gutter" aria-hidden="true"></pre><div class="ed-band" hidden></div><textarea class="ed-text" spellcheck="false" autocomplete="off" autocapitalize="off" wrap="off" aria-label="The program's source: Tab indents, Ctrl+Enter runs"></textarea></div><p class="ed-error" role="alert" hidden></p>`;
    this.gutter = root.querySelector(".ed-gutter");
    this.band = root.querySelector(".ed-band");
    this.text = root.querySelector(".ed-text");
    this.error = root.querySelector(".ed-error");
    this.lines = 0;
    this.text.addEventListener("keydown", (e) => this.key(e));
    this.text.addEventListener("input", () => this.changed());
    this.text.addEventListener("scroll", () => this.scrolled());
    this.error.addEventListener("click", () => this.toError());
  }

  /** open shows the editor with a source. */
  open(source) {
    this.root.hidden = false;
    this.text.value = source;
    this.clearError();
    this.changed();
    // The caret at the start, and the text from its top (setting the value
    // put the caret at the end, and focusing scrolls to the caret).
    this.text.setSelectionRange(0, 0);
    this.text.focus({ preventScroll: true });
    this.text.scrollTop = 0;
    this.scrolled();
  }

  close() {
    this.root.hidden = true;
  }

  get isOpen() {
    return !this.root.hidden;
  }

  get value() {
    return this.text.value;
  }

  // apply makes an edit through the browser's editing (kept for undo),
  // or by setting the text where it has none.
  apply(ed) {
    const t = this.text;
    t.setSelectionRange(ed.from, ed.to);
    if (!this.doc.execCommand?.("insertText", false, ed.text)) t.setRangeText(ed.text, ed.from, ed.to);
    t.setSelectionRange(ed.start, ed.end);
    this.changed();
  }

  key(e) {
    if (isRunKey(e)) {
      e.preventDefault();
      this.run();
      return;
    }
    const t = this.text;
    if (e.key === "Tab" && !e.ctrlKey && !e.metaKey && !e.altKey) {
      // Escape, then Tab, leaves the editor for the keyboard's sake.
      if (this.escaped) return;
      e.preventDefault();
      this.apply(indent(t.value, t.selectionStart, t.selectionEnd, e.shiftKey));
    } else if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.apply(newline(t.value, t.selectionStart, t.selectionEnd));
    }
    this.escaped = e.key === "Escape";
  }

  changed() {
    const n = lineCount(this.text.value);
    if (n !== this.lines || this.errLine) {
      // Lines added or removed above the error move it: the mark is of the
      // text that was built, so it goes once the text's lines change.
      if (n !== this.lines && this.lines) this.errLine = 0;
      this.lines = n;
      this.gutter.innerHTML = gutterHTML(n, this.errLine);
      this.band.hidden = !this.errLine;
    }
    this.scrolled();
  }

  scrolled() {
    this.gutter.scrollTop = this.text.scrollTop;
    if (this.errLine) {
      const lh = parseFloat(getComputedStyle(this.text).lineHeight) || 20;
      const pad = parseFloat(getComputedStyle(this.text).paddingTop) || 0;
      this.band.style.transform = `translateY(${pad + (this.errLine - 1) * lh - this.text.scrollTop}px)`;
      this.band.style.height = `${lh}px`;
    }
  }

  /** showError shows a build's error under the text and marks its line, if it names one. */
  showError(text, line = 0, col = 0) {
    this.errLine = line;
    this.errCol = col;
    this.error.innerHTML = line ? `<button type="button" class="ed-goto" title="Go to line ${line}">${esc(text)}</button>` : esc(text);
    this.error.hidden = false;
    this.lines = lineCount(this.text.value);
    this.gutter.innerHTML = gutterHTML(this.lines, line);
    this.band.hidden = !line;
    this.scrolled();
    if (line) this.toError();
  }

  clearError() {
    this.errLine = 0;
    this.error.hidden = true;
    this.error.textContent = "";
    this.band.hidden = true;
  }

  // toError puts the caret at the error and brings its line into view.
  toError() {
    if (!this.errLine) return;
    const at = offsetOf(this.text.value, this.errLine, this.errCol || 1);
    this.text.focus();
    this.text.setSelectionRange(at, at);
    const lh = parseFloat(getComputedStyle(this.text).lineHeight) || 20;
    const y = (this.errLine - 1) * lh;
    if (y < this.text.scrollTop || y > this.text.scrollTop + this.text.clientHeight - lh) this.text.scrollTop = Math.max(0, y - this.text.clientHeight / 2);
    this.scrolled();
  }
}
