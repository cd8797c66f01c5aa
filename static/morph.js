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
    if (a.textContent !== b.textContent) a.textContent = b.textContent;
    return;
  }
  for (let i = 0; i < a.childNodes.length; i++) morph(a.childNodes[i], b.childNodes[i]);
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
// kind "<" an opening tag, "/" a closing one, "t" a text; null if the
// markup is not all tags and texts as the page writes them.
function tokens(html) {
  const out = [];
  let at = 0;
  for (const m of html.matchAll(TOKEN)) {
    if (m.index !== at) return null;
    at = m.index + m[0].length;
    if (m[5] !== undefined) out.push(["t", "", m[5]]);
    else if (m[1]) out.push(["/", m[2], ""]);
    else {
      out.push(["<", m[2], m[3]]);
      if (m[4]) out.push(["/", m[2], ""]);
    }
  }
  return at === html.length ? out : null;
}

/**
 * morphMarkup changes the nodes on screen that markup was drew into those
 * markup now describes, without parsing it into new nodes: possible when
 * the two have the same tags, attribute names and texts in the same places
 * (it then returns true); otherwise it changes nothing and returns false.
 * With self, root is the markup's first element; without, the markup is
 * root's children.
 */
export function morphMarkup(root, was, now, { self = true } = {}) {
  const a = tokens(was);
  const b = a && tokens(now);
  if (!b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i][0] !== b[i][0] || a[i][1] !== b[i][1]) return false;
    if (a[i][0] === "<" && a[i][2] !== b[i][2] && names(a[i][2]) !== names(b[i][2])) return false;
  }
  // The nodes in document order, as the tokens are.
  const walk = root.ownerDocument.createTreeWalker(root, 5 /* elements and texts */);
  const nodes = self ? [root] : [];
  while (walk.nextNode()) nodes.push(walk.currentNode);
  const opened = a.filter((t) => t[0] !== "/").length;
  if (nodes.length !== opened) return false;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const [kind, tag] = a[i];
    if (kind === "/") continue;
    const node = nodes[n++];
    if (kind === "t" ? node.nodeType !== 3 : node.nodeType !== 1 || node.localName !== tag) return false;
  }
  n = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i][0] === "/") continue;
    const node = nodes[n++];
    if (a[i][2] === b[i][2]) continue;
    if (a[i][0] === "t") node.data = decode(b[i][2]);
    else for (const m of b[i][2].matchAll(ATTR)) if (node.getAttribute(m[1]) !== decode(m[2])) node.setAttribute(m[1], decode(m[2]));
  }
  return true;
}

// names is the attribute names of an opening tag's attributes.
function names(attrs) {
  return [...attrs.matchAll(ATTR)].map((m) => m[1]).join(" ");
}
