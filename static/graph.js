// graph.js: draws the state of a run as an SVG graph: goroutines as cards,
// channels as queues of buffer slots with their waiting senders and
// receivers, and the other objects (mutexes, WaitGroups, timers, contexts)
// on a shelf below, where the layout (layout.js) put them; each piece's
// markup is made by pieces.js.
//
// Drawing is in two parts. scene() is pure: it turns a state into keyed
// pieces of SVG markup, layer by layer. render() compares them with the
// pieces on screen (diff) and replaces only those that changed, so a step
// that moves one goroutine touches one card, not the whole picture.

import { waitEdges } from "./runlog.js";
import { canvasMarkup, dotsLayer, drawDots, runAt } from "./crowd.js";
import { sameShape, morph, morphMarkup } from "./morph.js";
import { escapeHTML as esc } from "./html.js";
import { STATE_WORD, clip, center, dot, pickDot, nearest, waitLine, crowdBox, gNode, chanNode, objNode } from "./pieces.js";
import { accessOf } from "./memory.js";

function box(lay, [t, id]) {
  return t === "g" ? lay.pos.g.get(id) : t === "ghost" ? lay.pos.ghost.get(id) : t === "c" ? lay.pos.c.get(id) : lay.pos.o.get(id);
}

function edgePath(a, b) {
  const x1 = a.x + a.w;
  const y1 = a.y + a.h / 2;
  const x2 = b.x;
  const y2 = b.y + b.h / 2;
  if (x2 > x1) {
    const m = (x1 + x2) / 2;
    return `M${x1},${y1} C${m},${y1} ${m},${y2} ${x2},${y2}`;
  }
  // Backwards (or same column): loop under.
  const ax = a.x + a.w / 2;
  const bx = b.x + b.w / 2;
  return `M${ax},${a.y + a.h} C${ax},${a.y + a.h + 60} ${bx},${b.y + b.h + 60} ${bx},${b.y + b.h}`;
}


// The layers of the picture, bottom to top. Tokens (animated values) have
// a layer of their own that drawing leaves alone.
export const LAYERS = ["edges", "waits", "crowds", "dots", "nodes"];

const DEFS = `<defs>
    <marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker>
    <marker id="arr-wait" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead wait"/></marker>
    <marker id="arr-dead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead dead"/></marker>
    <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" class="hatch-bg"/><line x1="0" y1="0" x2="0" y2="6" class="hatch-line"/></pattern>
  </defs>`;

/**
 * scene is the picture of a state, pure: for each layer (LAYERS) a Map
 * from a key that names a piece (a card, an edge, a crowd's dots of one
 * state) to the piece's SVG markup, one element each; and the view box.
 * Two scenes of the same layout differ exactly where the pictures do.
 * Options: names (Map id -> name), outcome and atEnd (to draw a deadlock's
 * wait-for graph on the last step), choosable (Set of goroutine ids the
 * user may run next), canResize (channels get − and + buttons).
 */
export function scene(lay, state, log, opts = {}) {
  const { names, outcome, atEnd, choosable = new Set(), canResize = false } = opts;
  const name = (id) => names?.get(id) ?? (id === 1 ? "main" : `goroutine ${id}`);
  const layers = Object.fromEntries(LAYERS.map((l) => [l, new Map()]));
  // Data-flow edges, the current event's highlighted.
  const last = state.last;
  const E = edgesOf(lay);
  for (const [k, d] of E.paths) layers.edges.set(k, `<path class="edge" d="${d}" marker-end="url(#arr)"/>`);
  if (last && last.obj) {
    const k = /^send/.test(last.kind) ? E.sends.get(`${last.g}>${last.obj}`) : /^recv/.test(last.kind) ? E.recvs.get(`${last.obj}>${last.g}`) : undefined;
    if (k !== undefined) layers.edges.set(k, `<path class="edge hot" d="${E.paths.get(k)}" marker-end="url(#arr)"/>`);
    // A goroutine's access to a shared variable: a short arrow to its box
    // (from it, for a read), for the step that made it.
    const acc = accessOf(state, last.obj);
    const v = acc && lay.pos.o.get(last.obj);
    const a = v && nearest(lay, acc.g, v);
    if (a) layers.edges.set("access", acc.cls === "read" ? waitLine(v, a, `access ${acc.cls}`, "arr") : waitLine(a, v, `access ${acc.cls}`, "arr"));
  }
  // Waits: each blocked goroutine to what it waits on. A wait line is
  // there or not: its markup is its key.
  const waits = layers.waits;
  const dead = atEnd && outcome && (outcome.outcome === "deadlock" || outcome.outcome === "leak");
  const addWait = (html) => waits.set(html, html);
  if (!dead) {
    for (const id in state.gs) {
      const x = state.gs[id];
      if (x.state !== "blocked" || lay.pos.g.get(x.id)?.crowd !== undefined) continue;
      for (const oid of x.waitOn) {
        const b = lay.pos.c.get(oid) ?? lay.pos.o.get(oid);
        const a = b && nearest(lay, x.id, b);
        if (a && b) addWait(waitLine(a, b, "wait"));
      }
    }
  } else {
    for (const w of waitEdges(outcome)) {
      const b = lay.pos.c.get(w.obj) ?? lay.pos.o.get(w.obj);
      const a = b && nearest(lay, w.g, b);
      if (!a || !b) continue;
      addWait(waitLine(a, b, "dead"));
      for (const by of w.by) {
        const c = lay.pos.g.get(by);
        if (c) addWait(waitLine(b, c, "could"));
      }
    }
  }
  // Goroutines.
  const deadSet = new Set(dead ? (outcome.blocked ?? []).map((b) => b.g) : []);
  // A crowd's frame does not change as it plays; its tally does, and is a
  // piece of its own (redrawing the frame would repaint every dot in it).
  for (const c of lay.crowds ?? []) {
    const [frame, tally] = crowdBox(state, c, name);
    layers.crowds.set(`crowd:${c.index}`, frame);
    layers.crowds.set(`tally:${c.index}`, tally);
  }
  // A crowd's goroutines are dots, a small element each (a shape per
  // state, so colour is not the only cue): a step that changes a goroutine
  // replaces its dot, and the browser paints that dot again, no more. Those
  // the user may run next are buttons.
  for (const c of lay.crowds ?? []) {
    for (const id of c.ids) {
      const p = lay.pos.g.get(id);
      const st = deadSet.has(id) ? `${state.gs[id]?.state ?? "unborn"} deadlocked` : (state.gs[id]?.state ?? "unborn");
      layers.dots.set(id, choosable.has(id) ? pickDot(id, p, name(id)) : ((p.d ??= {})[st] ??= dot(st, p)));
    }
  }
  const nodes = layers.nodes;
  for (const [id, p] of lay.pos.g) if (p.crowd === undefined) nodes.set(`g:${id}`, gNode(state, id, p, name(id), { deadlocked: deadSet.has(id), choose: choosable.has(id) }));
  for (const [id, p] of lay.pos.ghost) nodes.set(`ghost:${id}`, gNode(state, id, p, name(id), { ghost: true, deadlocked: deadSet.has(id) }));
  for (const [id, p] of lay.pos.c) nodes.set(`c:${id}`, chanNode(state, id, p, name, { canResize, deadlocked: dead && waitEdges(outcome).some((w) => w.obj === id), maxslots: lay.P.maxslots, slot: lay.P.slot, decl: log?.objects?.get(id) }));
  for (const [id, p] of lay.pos.o) nodes.set(`o:${id}`, objNode(state, id, p, name, log));
  return { vb: lay.vb ?? `0 0 ${Math.ceil(lay.width)} ${Math.ceil(lay.height)}`, layers, crowds: lay.crowds ?? [] };
}

// edgesOf is the layout's data-flow edges as drawn, once per layout: one
// path per pair of boxes (a crowd's goroutines share theirs), and which
// path a send by g on c (sends "g>c") or a receive (recvs "c>g") takes.
function edgesOf(lay) {
  const home = lay.placed ?? lay;
  if (home.drawnEdges) return home.drawnEdges;
  const paths = new Map();
  const sends = new Map();
  const recvs = new Map();
  const crowdOf = (p) => (p && p.crowd !== undefined ? lay.crowds[p.crowd] : p);
  for (const e of lay.edges) {
    const a = crowdOf(box(lay, e.from));
    const b = crowdOf(box(lay, e.to));
    if (!a || !b) continue;
    const k = `${a.x},${a.y}>${b.x},${b.y}`;
    if (!paths.has(k)) paths.set(k, edgePath(a, b));
    if (e.from[0] === "g") sends.set(`${e.from[1]}>${e.to[1]}`, k);
    else if (e.from[0] === "c") recvs.set(`${e.from[1]}>${e.to[1]}`, k);
  }
  return (home.drawnEdges = { paths, sends, recvs });
}

/**
 * markup is a scene as one SVG document body (defs, layers, tokens). With
 * canvases, crowds get a canvas each to draw their dots on (crowd.js), in
 * place of the dots' elements.
 */
export function markup(sc, { canvases = false } = {}) {
  const body = (l) => (canvases && l === "dots" ? canvasMarkup(sc.crowds) : [...sc.layers[l].values()].join(""));
  return DEFS + LAYERS.map((l) => `<g class="${l}">${body(l)}</g>`).join("") + `<g class="tokens"></g>`;
}

/**
 * diff compares two layers of scenes (Maps key -> markup): the keys of
 * pieces to add, to change and to remove, in the new layer's order.
 */
export function diff(prev, next) {
  const add = [];
  const change = [];
  const remove = [];
  for (const [k, html] of next) {
    const old = prev.get(k);
    if (old === undefined) add.push(k);
    else if (old !== html) change.push(k);
  }
  for (const k of prev.keys()) if (!next.has(k)) remove.push(k);
  return { add, change, remove };
}

const NS = "http://www.w3.org/2000/svg";
const views = new WeakMap(); // svg -> what is on it: {lay, vb, layers: {name: {g, html, els}}}

/**
 * render draws a state into the SVG element: static edges, nodes, waits,
 * and, when the run's outcome is known and the state is the last one, the
 * wait-for graph of a deadlock or a leak. It changes only the pieces of
 * the picture that differ from what the element shows (the whole picture
 * when the layout changed), and returns the scene.
 */
export function render(svg, lay, state, log, opts = {}) {
  const sc = scene(lay, state, log, opts);
  if (typeof svg.querySelector !== "function") {
    // Not a live element (tests): the whole picture as markup.
    svg.setAttribute("viewBox", sc.vb);
    svg.innerHTML = markup(sc);
    return sc;
  }
  let v = views.get(svg);
  const placed = lay.placed ?? lay; // a fitted layout's placement
  // A new layout of a growing run is often the very picture on screen (a
  // thousand workers where they were): then it is patched like a step,
  // not drawn again whole. The crowds' canvases are what patching cannot
  // change. The key is made only when the layout is new, once.
  const crowds = v?.lay !== placed ? crowdsKey(sc.crowds) : v.crowds;
  if (v && v.lay !== placed && v.layers.edges.g.parentNode === svg && v.crowds === crowds) {
    v.lay = placed;
    v.layers.dots.crowds = sc.crowds;
  }
  if (!v || v.lay !== placed || v.layers.edges.g.parentNode !== svg) {
    svg.innerHTML = markup(sc, { canvases: true });
    v = { lay: placed, vb: "", layers: {}, crowds };
    for (const l of LAYERS) {
      const g = svg.querySelector(`:scope > g.${l}`);
      v.layers[l] = l === "dots" ? dotsLayer(g, sc.crowds) : { g, html: sc.layers[l], els: index(g, sc.layers[l]) };
    }
    views.set(svg, v);
  } else {
    for (const l of LAYERS) if (l !== "dots") patch(v.layers[l], sc.layers[l]);
  }
  if (v.vb !== sc.vb) {
    svg.setAttribute("viewBox", sc.vb);
    v.vb = sc.vb;
  }
  if (sc.crowds.length) {
    drawDots(v.layers.dots, sc.layers.dots, lay, {
      k: pixelsPerUnit(svg, lay, sc.vb),
      look: svg.ownerDocument.body?.className ?? "",
      describe: (id, choose) => dotTitle(state, id, opts.names?.get(id) ?? `goroutine ${id}`, choose),
    });
  }
  return sc;
}

// crowdsKey names the crowds of a scene: where each one's canvas is and
// which goroutines it holds, in order.
function crowdsKey(crowds) {
  return canvasMarkup(crowds) + crowds.map((c) => [c.left, c.top, c.step, c.per, c.gap, c.ids.join(",")].join(" ")).join("|");
}

// pixelsPerUnit is how many of the screen's pixels one unit of the graph
// takes: the view's size (known from the fit, so nothing is measured while
// the page changes) over the view box's, as the SVG shows it ("meet").
function pixelsPerUnit(svg, lay, vb) {
  const [, , w, h] = vb.split(" ").map(Number);
  const view = lay.view ?? { width: svg.clientWidth, height: svg.clientHeight };
  const scale = w > 0 && h > 0 && view.width > 0 && view.height > 0 ? Math.min(view.width / w, view.height / h) : 1;
  return scale * (globalThis.devicePixelRatio || 1);
}

// dotTitle is the tooltip of a crowd's dot: who, in what state, where.
function dotTitle(state, id, label, choose) {
  const x = state.gs[id];
  if (!x) return `${label}: not started yet`;
  let what = STATE_WORD[x.state] ?? x.state;
  if (x.state === "blocked" || x.state === "sleeping") what = `${what} (${x.reason})`;
  const where = x.line && x.state !== "done" ? ` at line ${x.line}` : "";
  return `${label}: ${what}${where}${choose ? ". Click to run it next." : ""}`;
}

/**
 * runTarget is the goroutine a click (or Enter) on the graph asks to run
 * next: that of a card or a crowd's dot the user may choose; 0 for none.
 */
export function runTarget(e) {
  const el = e.target.closest?.("[data-run]");
  if (el) return Number(el.dataset.run);
  return e.target.matches?.("canvas[data-crowd]") ? runAt(e.target, e.clientX, e.clientY) : 0;
}

/**
 * withDotsAsSVG calls fn while the crowds of a graph drawn by render are
 * SVG elements again, not canvases, and returns what fn returns: an export
 * of the graph as SVG needs its dots as shapes. The page does not paint in
 * between; the canvases come back as they were.
 */
export function withDotsAsSVG(svg, fn) {
  const dots = views.get(svg)?.layers.dots;
  if (!dots?.canvases?.length) return fn();
  const kept = [...dots.g.childNodes];
  dots.g.replaceChildren(...parse(dots.g, [...dots.html.values()]));
  try {
    return fn();
  } finally {
    dots.g.replaceChildren(...kept);
  }
}

// index pairs a layer's elements with the keys of its pieces, in order.
function index(g, html) {
  const els = new Map();
  const kids = g.children;
  let i = 0;
  for (const k of html.keys()) els.set(k, kids[i++]);
  return els;
}

// patch brings one layer on screen to the new pieces.
function patch(layer, next) {
  const { add, change, remove } = diff(layer.html, next);
  if (add.length + change.length + remove.length === 0) return;
  if (add.length > 24 && add.length > next.size / 2) {
    // Most of it changed: one parse is cheaper.
    layer.g.innerHTML = [...next.values()].join("");
    layer.els = index(layer.g, next);
    layer.html = next;
    return;
  }
  for (const k of remove) {
    layer.els.get(k)?.remove();
    layer.els.delete(k);
  }
  // Most changes keep a piece's shape (a card's state, a line of it filled
  // or emptied, a card becoming a button, a channel's values, an edge
  // turning hot): then only the attributes and texts that differ change,
  // read from the markup, and the browser lays out those texts alone. The
  // others are parsed and, if they still have the piece's shape, morphed
  // into it, or else replace it.
  const remake = change.filter((k) => !morphMarkup(layer.els.get(k), layer.html.get(k), next.get(k)));
  const made = parse(layer.g, [...remake, ...add].map((k) => next.get(k)));
  remake.forEach((k, i) => {
    const old = layer.els.get(k);
    const el = made[i];
    if (sameShape(old, el)) {
      morph(old, el);
      return;
    }
    const focus = focusIndex(old);
    old.replaceWith(el);
    if (focus >= 0) focusables(el)[focus]?.focus({ preventScroll: true });
    layer.els.set(k, el);
  });
  add.forEach((k, i) => {
    const el = made[remake.length + i];
    layer.g.appendChild(el);
    layer.els.set(k, el);
  });
  layer.html = next;
}

// parse makes SVG elements of pieces of markup, in one go.
function parse(g, pieces) {
  if (!pieces.length) return [];
  const host = g.ownerDocument.createElementNS(NS, "g");
  host.innerHTML = pieces.join("");
  return [...host.children];
}

// A piece replaced while it (or a button in it) has the keyboard focus
// passes the focus on to its successor.
function focusables(el) {
  return [el, ...el.querySelectorAll("[tabindex]")].filter((x) => x.hasAttribute("tabindex"));
}
function focusIndex(el) {
  const a = el.ownerDocument.activeElement;
  return a && el.contains(a) ? focusables(el).indexOf(a) : -1;
}

/**
 * animateToken moves a value token for event e (a send or receive), from
 * where the value was to where it went, over ms milliseconds.
 */
export function animateToken(svg, lay, e, ms) {
  if (!e || !e.obj || ms < 60 || typeof svg.querySelector !== "function") return;
  const c = lay.pos.c.get(e.obj);
  if (!c) return;
  let from;
  let to;
  const gp = (id) => lay.pos.g.get(id);
  const gq = (id) => lay.pos.ghost.get(id) ?? lay.pos.g.get(id);
  switch (e.kind) {
    case "send":
      from = gp(e.g);
      to = e.peer ? gq(e.peer) : c;
      break;
    case "recv":
      if (e.flag !== 1) return;
      from = e.peer ? gp(e.peer) : c;
      to = gq(e.g);
      break;
    case "recv.done":
      if (e.flag !== 1) return;
      from = c;
      to = gq(e.g);
      break;
    default:
      return;
  }
  if (!from || !to) return;
  const layer = svg.querySelector(".tokens");
  if (!layer) return;
  const a = center(from);
  const b = center(to);
  const ns = "http://www.w3.org/2000/svg";
  const t = document.createElementNS(ns, "g");
  t.setAttribute("class", "token");
  t.innerHTML = `<circle r="14"/><text y="5" text-anchor="middle">${esc(clip(e.value, 4))}</text>`;
  layer.appendChild(t);
  const anim = t.animate(
    [{ transform: `translate(${a.x}px, ${a.y}px)` }, { transform: `translate(${b.x}px, ${b.y}px)` }],
    { duration: ms, easing: "ease-in-out", fill: "forwards" },
  );
  anim.onfinish = () => t.remove();
}
