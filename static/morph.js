// morph.js: turns a piece of the page into a new version of itself in
// place. Replacing a piece makes the browser build, lay out and paint all
// of it again; most new versions keep the piece's shape (a goroutine's card
// with another state, a channel with other values, a line's badges with
// other counts), and changing only the attributes and texts that differ
// costs the browser those texts alone.

import { ENTITIES } from "./html.js";

/**
 * sameShape tells whether node b can be morphed into node a: the same
 * kind, the same tag, the same children all the way down, where an
 * element holding only text counts as one shape whatever its text.
 */
export function sameShape(a, b) {
  if (a.nodeType !== b.nodeType) return false;
  if (a.nodeType !== 1) return true;
  if (a.tagName !== b.tagName) return false;
  if (!a.firstElementChild && !b.firstElementChild) return true;
  if (a.childNodes.length !== b.childNodes.length) return false;
  for (let i = 0; i < a.childNodes.length; i++) if (!sameShape(a.childNodes[i], b.childNodes[i])) return false;
  return true;
}

/** morph makes node a, of the same shape as b (sameShape), equal to b. */
export function morph(a, b) {
  if (a.nodeType !== 1) {
    if (a.data !== b.data) a.data = b.data;
    return;
  }
  for (const { name, value } of b.attributes) if (a.getAttribute(name) !== value) a.setAttribute(name, value);
  for (const { name } of [...a.attributes]) if (!b.hasAttribute(name)) a.removeAttribute(name);
  if (!a.firstElementChild && !b.firstElementChild) {
    setText(a, b.textContent);
    return;
  }
  for (let i = 0; i < a.childNodes.length; i++) morph(a.childNodes[i], b.childNodes[i]);
}

/**
 * setText makes an element's text (an element holding text alone, or
 * nothing) text, when it differs. A text that stays is changed in place:
 * a new text node would make the browser build its layout again.
 */
export function setText(el, text) {
  if (el.textContent === text) return;
  const t = el.firstChild;
  if (t && t === el.lastChild && t.nodeType === 3 && text) t.data = text;
  else el.textContent = text;
}

/**
 * setChildren makes the children of an HTML element those the markup
 * describes (was: the markup they were made from, if known): changed in
 * place when they keep their shape, replaced when not.
 */
export function setChildren(el, html, was) {
  if (was !== undefined && morphMarkup(el, was, html, { self: false })) return;
  const t = el.ownerDocument.createElement("template");
  t.innerHTML = html;
  const now = t.content.childNodes;
  const kids = el.childNodes;
  if (now.length === kids.length && [...now].every((n, i) => sameShape(kids[i], n))) {
    now.forEach((n, i) => morph(kids[i], n));
    return;
  }
  el.replaceChildren(...now);
}

// Markup as this page writes it: tags with their attributes in double
// quotes, text between tags, and the entities escapeHTML makes (html.js).
const TOKEN = /<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z:-]+="[^"<>]*")*)\s*(\/?)>|([^<]+)/g;
const ATTR = /\s+([a-zA-Z:-]+)="([^"]*)"/g;
const ENTITY = Object.fromEntries(Object.entries(ENTITIES).map(([c, e]) => [e, c]));
const ENTITY_RE = new RegExp(Object.keys(ENTITY).join("|"), "g");
const decode = (s) => (s.includes("&") ? s.replace(ENTITY_RE, (e) => ENTITY[e]) : s);

// tokens reads markup into its tags and texts: [kind, name, attrs|text],
// kind "<" an opening tag, "/" a closing one, "t" a text, and "l" an
// element that holds text alone or nothing (a leaf: [kind, name, attrs,
// text]); null if the markup is not all tags and texts as the page writes
// them. A leaf is one token whatever its text, so that a label that comes
// and goes (an empty line of a card filled) keeps the piece's shape.
function tokens(html) {
  const out = [];
  let at = 0;
  for (const m of html.matchAll(TOKEN)) {
    if (m.index !== at) return null;
    at = m.index + m[0].length;
    if (m[5] !== undefined) out.push(["t", "", m[5]]);
    else if (m[1]) {
      const n = out.length;
      if (out[n - 1]?.[0] === "<" && out[n - 1][1] === m[2]) out[n - 1] = ["l", m[2], out[n - 1][2], ""];
      else if (out[n - 1]?.[0] === "t" && out[n - 2]?.[0] === "<" && out[n - 2][1] === m[2]) out.splice(n - 2, 2, ["l", m[2], out[n - 2][2], out[n - 1][2]]);
      else out.push(["/", m[2], ""]);
    } else out.push(m[4] ? ["l", m[2], m[3], ""] : ["<", m[2], m[3]]);
  }
  return at === html.length ? out : null;
}

/**
 * morphMarkup changes the nodes on screen that markup was drew into those
 * markup now describes, without parsing it into new nodes: possible when
 * the two have the same tags and texts in the same places (attributes may
 * differ, and an element holding only text may hold another, or none; it
 * then returns true); otherwise it changes nothing and returns false.
 * With self, root is the markup's first element; without, the markup is
 * root's children.
 */
export function morphMarkup(root, was, now, { self = true } = {}) {
  const a = tokens(was);
  const b = a && tokens(now);
  if (!b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i][0] !== b[i][0] || a[i][1] !== b[i][1]) return false;
  }
  // The nodes in document order, as the tokens are (a leaf's text, if it
  // has one, goes with it).
  const walk = root.ownerDocument.createTreeWalker(root, 5 /* elements and texts */);
  const nodes = self ? [root] : [];
  while (walk.nextNode()) nodes.push(walk.currentNode);
  const at = [];
  let n = 0;
  for (const [kind, tag] of a) {
    if (kind === "/") continue;
    const node = nodes[n++];
    if (!node || (kind === "t" ? node.nodeType !== 3 : node.nodeType !== 1 || node.localName !== tag)) return false;
    if (kind === "l" && nodes[n]?.parentNode === node) {
      if (nodes[n].nodeType !== 3 || nodes[n + 1]?.parentNode === node) return false;
      n++;
    }
    at.push(node);
  }
  if (n !== nodes.length) return false;
  n = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i][0] === "/") continue;
    const node = at[n++];
    if (a[i][0] === "t") {
      if (a[i][2] !== b[i][2]) node.data = decode(b[i][2]);
      continue;
    }
    if (a[i][2] !== b[i][2]) {
      const kept = new Set();
      for (const m of b[i][2].matchAll(ATTR)) {
        kept.add(m[1]);
        if (node.getAttribute(m[1]) !== decode(m[2])) node.setAttribute(m[1], decode(m[2]));
      }
      for (const m of a[i][2].matchAll(ATTR)) if (!kept.has(m[1])) node.removeAttribute(m[1]);
    }
    if (a[i][0] === "l" && a[i][3] !== b[i][3]) setText(node, decode(b[i][3]));
  }
  return true;
}
