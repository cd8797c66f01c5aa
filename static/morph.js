// morph.js: turns a piece of the page into a new version of itself in
// place. Replacing a piece makes the browser build, lay out and paint all
// of it again; most new versions keep the piece's shape (a goroutine's card
// with another state, a channel with other values, a line's badges with
// other counts), and changing only the attributes and texts that differ
// costs the browser those texts alone.

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
 * describes: morphed in place when they keep their shape, replaced when
 * not.
 */
export function setChildren(el, html) {
  const t = el.ownerDocument.createElement("template");
  t.innerHTML = html;
  const now = t.content.childNodes;
  const was = el.childNodes;
  if (now.length === was.length && [...now].every((n, i) => sameShape(was[i], n))) {
    now.forEach((n, i) => morph(was[i], n));
    return;
  }
  el.replaceChildren(...now);
}
