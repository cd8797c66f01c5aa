// graph.js: draws the state of a run as an SVG graph: goroutines as cards,
// channels as queues of buffer slots with their waiting senders and
// receivers, and the other objects (mutexes, WaitGroups, timers, contexts)
// on a shelf below. The layout is computed from the whole log once (so
// nothing jumps while the run plays) and fitted to the size of the view;
// the drawing from one state.
//
// Drawing is in two parts. scene() is pure: it turns a state into keyed
// pieces of SVG markup, layer by layer. render() compares them with the
// pieces on screen (diff) and replaces only those that changed, so a step
// that moves one goroutine touches one card, not the whole picture.

import { kindName, waitEdges } from "./fold.js";
import { duration } from "./narrate.js";
import { canvasMarkup, dotsLayer, drawDots, runAt } from "./crowd.js";
import { sameShape, morph, morphMarkup } from "./morph.js";

const GH = 62; // goroutine card height
const CROWD = 16; // more goroutines than this in a column become a crowd of dots
const PERROW = 30; // dots per row of a crowd, before fitting
const MAX_SCALE = 1.6; // a small graph grows to fill its view, up to this

// Spacing from roomy to tight: fit() takes the roomiest that makes the
// graph as large as it can be in the view, so that text stays legible on
// a small screen.
const DENSITY = [
  { gw: 146, colgap: 40, rowgap: 18, pad: 24, maxslots: 10, slot: 30, chanw: 150, objw: 150, objgap: 16, dot: 9, dotgap: 3 },
  { gw: 138, colgap: 30, rowgap: 14, pad: 16, maxslots: 8, slot: 28, chanw: 140, objw: 144, objgap: 12, dot: 9, dotgap: 3 },
  { gw: 128, colgap: 22, rowgap: 12, pad: 12, maxslots: 8, slot: 26, chanw: 130, objw: 136, objgap: 10, dot: 8, dotgap: 2 },
  { gw: 120, colgap: 16, rowgap: 10, pad: 8, maxslots: 6, slot: 24, chanw: 122, objw: 128, objgap: 8, dot: 8, dotgap: 2 },
];

export const ICON = { running: "▶", runnable: "○", blocked: "■", sleeping: "☾", done: "✓" };
export const STATE_WORD = { running: "running", runnable: "ready to run", blocked: "blocked", sleeping: "sleeping", done: "done" };

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const clip = (s, n) => (String(s).length > n ? String(s).slice(0, n - 1) + "…" : String(s));
// How many characters of text of a given size fit in w units of a card.
const fits = (w, perChar) => Math.max(6, Math.floor((w - 22) / perChar));

/**
 * layout places every goroutine and object the log declares. Channels and
 * goroutines go in columns by data flow (producer → channel → consumer),
 * starting from main; a goroutine that also receives downstream of where
 * it sits (main as the collector of a worker pool) gets a second card, a
 * "ghost", at the end of the flow. Other objects sit on a shelf below.
 * With a size ({width, height} of the view) the layout is fitted to it
 * (see fit).
 */
export function layout(log, hint = "free", size = null) {
  const an = analyse(log, hint);
  return size ? fitTo(an, size.width, size.height) : place(an, DENSITY[0], PERROW);
}

/**
 * fit returns the layout placed for a view of width × height pixels: the
 * spacing (and how many dots a crowd has per row) that shows the graph
 * largest, so its text stays legible. Cheap to call on every drawing: the
 * analysis of the log is done once, and fitted placements are kept.
 */
export function fit(lay, width, height) {
  if (!lay?.an || !(width > 0 && height > 0)) return lay;
  const key = `${Math.round(width / 8)}x${Math.round(height / 8)}`;
  const memo = lay.an.fits;
  let f = memo.get(key);
  if (!f) {
    f = fitTo(lay.an, width, height);
    memo.set(key, f);
    if (memo.size > 6) memo.delete(memo.keys().next().value);
  }
  return f;
}

// fitTo tries each density, and for crowds a few row lengths, and keeps
// the placement that is largest in the view (a little in favour of the
// roomier ones, and of the one on screen: a view that changes size a
// little, as when the choice panel comes and goes, keeps its picture).
function fitTo(an, width, height) {
  let best = null;
  let bestScore = -1;
  let current = null;
  let currentScore = -1;
  const crowd = Math.max(0, ...[...an.cols.values()].map((col) => col.filter((n) => n.type === "g" && !n.ghost).length).filter((n) => n > CROWD));
  const rows = crowd ? [8, 12, 16, 20, 25, 30, 40, 50, 64].filter((r) => r <= Math.max(8, crowd)) : [PERROW];
  // A ring's shape follows the view's; columns do not depend on it.
  const aspect = an.ring ? Math.round((width / height) * 5) / 5 : 0;
  DENSITY.forEach((P, d) => {
    for (const perrow of rows) {
      const key = `${d}:${perrow}:${aspect}`;
      let lay = an.placed.get(key);
      if (!lay) an.placed.set(key, (lay = place(an, P, perrow, aspect || 1.6)));
      const scale = Math.min(width / lay.width, height / lay.height);
      const score = Math.min(scale, MAX_SCALE) * (1 - 0.03 * d);
      if (score > bestScore) {
        best = lay;
        bestScore = score;
      }
      if (lay === an.current) {
        current = lay;
        currentScore = score;
      }
    }
  });
  if (current && currentScore >= bestScore * 0.92) best = current;
  an.current = best;
  // A small graph grows up to MAX_SCALE: the view box is then larger than
  // the graph, which sits in its middle.
  const scale = Math.min(width / best.width, height / best.height);
  let vb = best.vb;
  if (scale > MAX_SCALE) {
    const w = width / MAX_SCALE;
    const h = height / MAX_SCALE;
    vb = `${fmt((best.width - w) / 2)} ${fmt((best.height - h) / 2)} ${fmt(w)} ${fmt(h)}`;
  }
  // The same placement in another view box: drawing it changes only that.
  return { ...best, vb, view: { width, height }, placed: best };
}

const fmt = (x) => String(Math.round(x * 10) / 10);

// analyse reads the log's data flow into columns, once per log.
function analyse(log, hint) {
  const gids = [1, ...[...log.goroutines.keys()].filter((id) => id !== 1).sort((a, b) => a - b)];
  const chans = [...log.objects.values()].filter((o) => o.Kind === 1).map((o) => o.ID);
  const shelf = [...log.objects.values()].filter((o) => o.Kind !== 1).map((o) => o.ID);
  const out = new Map(); // g -> Set(chan)
  const inn = new Map(); // chan -> Set(g) receivers
  const parent = new Map();
  const add = (m, k, v) => (m.get(k) ?? m.set(k, new Set()).get(k)).add(v);
  for (const r of log.events) {
    const [, g, k, obj, peer, , flag] = r;
    const kind = kindName(k);
    if (kind === "go" && peer) parent.set(peer, g || 1);
    if (!obj || !log.objects.get(obj) || log.objects.get(obj).Kind !== 1) continue;
    if (kind === "send" || kind === "send.block" || (kind === "select.case" && flag === 1)) {
      add(out, g, obj);
    } else if (kind === "recv" || kind === "recv.block" || (kind === "select.case" && flag !== 1)) {
      add(inn, obj, g);
    }
  }
  // Columns: the longest data-flow path from main (a goroutine starts at
  // least one column after the one that started it). Edges that close a
  // cycle, and every edge into main, are set aside: a goroutine receiving
  // over such an edge (main collecting a pool's results) gets a ghost card
  // one column after that channel.
  const key = (t, id) => t + id;
  const succ = new Map(); // node -> [{to, recv}]
  const addEdge = (a, b, recv) => (succ.get(a) ?? succ.set(a, []).get(a)).push({ to: b, recv });
  for (const [g, cs] of out) for (const c of cs) addEdge(key("g", g), key("c", c), false);
  for (const [c, gs] of inn) for (const g of gs) addEdge(key("c", c), key("g", g), true);
  for (const g of gids) if (parent.has(g) && g !== 1) addEdge(key("g", parent.get(g)), key("g", g), false);
  const all = [...gids.map((g) => key("g", g)), ...chans.map((c) => key("c", c))];
  const state = new Map(); // 1: on the DFS stack, 2: done
  const kept = new Map(); // node -> [to]
  const setAside = []; // [from, to] receive edges that close a cycle
  const visit = (n) => {
    state.set(n, 1);
    for (const e of succ.get(n) ?? []) {
      if (e.to === "g1" || state.get(e.to) === 1) {
        if (e.recv) setAside.push([n, e.to]);
        continue;
      }
      (kept.get(n) ?? kept.set(n, []).get(n)).push(e.to);
      if (!state.has(e.to)) visit(e.to);
    }
    state.set(n, 2);
  };
  for (const n of all) if (!state.has(n)) visit(n);
  const order = []; // topological order of the kept edges
  const seen = new Set();
  const topo = (n) => {
    seen.add(n);
    for (const m of kept.get(n) ?? []) if (!seen.has(m)) topo(m);
    order.push(n);
  };
  for (const n of all) if (!seen.has(n)) topo(n);
  order.reverse();
  const layer = new Map(all.map((n) => [n, 0]));
  for (const n of order) for (const m of kept.get(n) ?? []) layer.set(m, Math.max(layer.get(m), layer.get(n) + 1));
  const ghosts = new Map(); // g -> column
  for (const [c, g] of setAside) {
    const id = Number(g.slice(1));
    ghosts.set(id, Math.max(ghosts.get(id) ?? 0, layer.get(c) + 1));
  }
  const nodes = [];
  for (const g of gids) nodes.push({ type: "g", id: g, col: layer.get(key("g", g)) });
  for (const [g, col] of ghosts) nodes.push({ type: "g", id: g, col, ghost: true });
  for (const c of chans) nodes.push({ type: "c", id: c, col: layer.get(key("c", c)) });

  const ring = hint === "free" && chans.length === 0 && shelf.filter((id) => [2, 3].includes(log.objects.get(id).Kind)).length >= 2;
  const cols = new Map();
  for (const n of nodes) (cols.get(n.col) ?? cols.set(n.col, []).get(n.col)).push(n);
  const caps = new Map(chans.map((c) => [c, log.objects.get(c).Cap || 0]));
  const kinds = new Map(shelf.map((id) => [id, log.objects.get(id).Kind]));
  return { gids, chans, shelf, kinds, caps, cols, ghosts, ring, edges: dataEdges(out, inn, ghosts), fits: new Map(), placed: new Map(), current: null };
}

// place lays the analysed graph out with the spacing P and crowds of
// perrow dots a row.
function place(an, P, perrow, aspect = 1.6) {
  const { gids, shelf, kinds, caps, ghosts } = an;
  const GW = P.gw;
  const pos = { g: new Map(), ghost: new Map(), c: new Map(), o: new Map() };
  let width = 0;
  let height = 0;
  const PAD = P.pad;
  if (an.ring) {
    // Philosophers and forks round a table: each goroutine between the
    // locks it takes, main in the middle.
    const gs = gids.filter((id) => id !== 1);
    const locks = shelf.filter((id) => [2, 3].includes(kinds.get(id)));
    // The table is an ellipse as wide as the view allows (aspect: the
    // view's width over its height), just big enough to seat everyone.
    const n = Math.max(gs.length, locks.length, 3);
    const R = Math.max(150, n * 42);
    const f = Math.sqrt(Math.min(Math.max(aspect * 0.8, 0.8), 2.5));
    const Rx = R * f;
    const Ry = R / f;
    const cx = PAD + Rx + GW / 2;
    const cy = PAD + Ry + GH / 2;
    gs.forEach((id, i) => {
      const a = (2 * Math.PI * i) / gs.length - Math.PI / 2;
      pos.g.set(id, { x: cx + Rx * Math.cos(a) - GW / 2, y: cy + Ry * Math.sin(a) - GH / 2, w: GW, h: GH });
    });
    locks.forEach((id, i) => {
      const a = (2 * Math.PI * (i + 0.5)) / locks.length - Math.PI / 2;
      pos.o.set(id, { x: cx + Rx * 0.7 * Math.cos(a) - 60, y: cy + Ry * 0.7 * Math.sin(a) - 28, w: 120, h: 56 });
    });
    pos.g.set(1, { x: cx - GW / 2, y: cy - GH / 2, w: GW, h: GH });
    width = 2 * cx;
    height = 2 * cy;
    const rest = shelf.filter((id) => !locks.includes(id));
    let x = PAD;
    for (const id of rest) {
      pos.o.set(id, { x, y: height, w: P.objw, h: 64 });
      x += P.objw + P.objgap;
    }
    if (rest.length) height += 64 + PAD;
    width = Math.max(width, x);
    return { pos, width, height, ghosts, crowds: [], edges: an.edges, ring: true, P, an, vb: `0 0 ${Math.ceil(width)} ${Math.ceil(height)}` };
  }
  const DOT = P.dot;
  const STEP = P.dot + P.dotgap;
  const cols = new Map();
  for (const [k, c] of an.cols) cols.set(k, c);
  const colKeys = [...cols.keys()].sort((a, b) => a - b);
  const crowds = [];
  let x = PAD;
  for (const k of colKeys) {
    let col = cols.get(k);
    // A crowd: the column's many goroutines as one box of dots.
    const many = col.filter((n) => n.type === "g" && !n.ghost);
    if (many.length > CROWD) {
      const per = Math.min(perrow, many.length);
      const rows = Math.ceil(many.length / per);
      const crowd = { type: "crowd", ids: many.map((n) => n.id), rows, per };
      col = [...col.filter((n) => !(n.type === "g" && !n.ghost)), crowd];
      cols.set(k, col);
    }
    let w = 0;
    const sizes = col.map((n) => {
      if (n.type === "g") return { w: GW, h: GH };
      if (n.type === "crowd") return { w: Math.max(GW + 30, n.per * STEP + 20), h: n.rows * STEP + 52 };
      const slots = Math.max(1, Math.min(P.maxslots, caps.get(n.id)));
      return { w: Math.max(P.chanw, slots * (P.slot + 4) + 32), h: 88 };
    });
    for (const s of sizes) w = Math.max(w, s.w);
    const total = sizes.reduce((t, s) => t + s.h, 0) + P.rowgap * (col.length - 1);
    let y = PAD;
    col.forEach((n, i) => {
      const s = sizes[i];
      const p = { x: x + (w - s.w) / 2, y, w: s.w, h: s.h };
      if (n.type === "c") pos.c.set(n.id, p);
      else if (n.type === "crowd") {
        p.ids = n.ids;
        p.per = n.per;
        p.index = crowds.length;
        crowds.push(p);
      } else if (n.ghost) pos.ghost.set(n.id, p);
      else pos.g.set(n.id, p);
      y += s.h + P.rowgap;
    });
    height = Math.max(height, total + 2 * PAD);
    x += w + P.colgap;
  }
  width = Math.max(x - P.colgap + PAD, 320);
  // Centre each column vertically.
  for (const k of colKeys) {
    const col = cols.get(k);
    const ps = col.map((n) => (n.type === "crowd" ? crowds.find((c) => c.ids === n.ids) : n.type === "c" ? pos.c.get(n.id) : n.ghost ? pos.ghost.get(n.id) : pos.g.get(n.id)));
    const bottom = Math.max(...ps.map((p) => p.y + p.h));
    const shift = (height - PAD - bottom) / 2;
    for (const p of ps) p.y += shift;
  }
  for (const c of crowds) {
    // The dots sit centred in the box.
    const left = c.x + (c.w - Math.min(c.per, c.ids.length) * STEP + P.dotgap) / 2;
    // Where the dots are, to find the one under the pointer (crowd.js).
    Object.assign(c, { left, top: c.y + 42, step: STEP, gap: P.dotgap });
    c.ids.forEach((id, i) => {
      const r = Math.floor(i / c.per);
      const q = i % c.per;
      pos.g.set(id, { x: left + q * STEP, y: c.top + r * STEP, w: DOT, h: DOT, crowd: c.index });
    });
  }
  if (shelf.length) {
    // The shelf wraps onto more rows rather than widen the picture.
    const perRow = Math.max(1, Math.floor((Math.max(width, P.objw + 2 * PAD) - 2 * PAD + P.objgap) / (P.objw + P.objgap)));
    const sy = height + 8;
    shelf.forEach((id, i) => {
      const r = Math.floor(i / perRow);
      const q = i % perRow;
      pos.o.set(id, { x: PAD + q * (P.objw + P.objgap), y: sy + r * (64 + P.objgap), w: P.objw, h: 64 });
    });
    const rows = Math.ceil(shelf.length / perRow);
    height = sy + rows * 64 + (rows - 1) * P.objgap + PAD;
    width = Math.max(width, PAD + Math.min(shelf.length, perRow) * (P.objw + P.objgap) - P.objgap + PAD);
  }
  return { pos, width, height, ghosts, crowds, edges: an.edges, P, an, vb: `0 0 ${Math.ceil(width)} ${Math.ceil(height)}` };
}

function dataEdges(out, inn, ghosts) {
  const e = [];
  for (const [g, cs] of out) for (const c of cs) e.push({ from: ["g", g], to: ["c", c] });
  for (const [c, gs] of inn) for (const g of gs) e.push({ from: ["c", c], to: [ghosts.has(g) ? "ghost" : "g", g] });
  return e;
}

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

function center(p) {
  return { x: p.x + p.w / 2, y: p.y + p.h / 2 };
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
      const b = lay.pos.c.get(w.Obj) ?? lay.pos.o.get(w.Obj);
      const a = b && nearest(lay, w.G, b);
      if (!a || !b) continue;
      addWait(waitLine(a, b, "dead"));
      for (const by of w.By ?? []) {
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
  for (const [id, p] of lay.pos.g) if (p.crowd === undefined) nodes.set(`g:${id}`, gNode(state, log, id, p, name(id), { deadlocked: deadSet.has(id), choose: choosable.has(id) }));
  for (const [id, p] of lay.pos.ghost) nodes.set(`ghost:${id}`, gNode(state, log, id, p, name(id), { ghost: true, deadlocked: deadSet.has(id) }));
  for (const [id, p] of lay.pos.c) nodes.set(`c:${id}`, chanNode(state, id, p, name, { canResize, deadlocked: dead && waitEdges(outcome).some((w) => w.Obj === id), maxslots: lay.P?.maxslots ?? 10, slot: lay.P?.slot ?? 30 }));
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
  if (!v || v.lay !== placed || v.layers.edges.g.parentNode !== svg) {
    svg.innerHTML = markup(sc, { canvases: true });
    v = { lay: placed, vb: "", layers: {} };
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
  // Most changes keep a piece's shape (a card's state, a channel's values,
  // an edge turning hot): then only the attributes and texts that differ
  // change, read from the markup, and the browser lays out those texts
  // alone. The others are parsed and, if they still have the piece's
  // shape (an empty text filled), morphed into it, or else replace it.
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

// dot draws one goroutine of a crowd, a path whatever its state (so that a
// change of state is a change of two attributes): a square blocked, a
// diamond asleep, an octagon (near enough a circle) running or ready (a
// ring, by its style), a small one done or not started.
function dot(st, p) {
  return `<path class="gdot ${st}" d="${dotPath(st, p)}"/>`;
}

function dotPath(st, p) {
  const D = p.w;
  const r = D / 2;
  const cx = p.x + r;
  const cy = p.y + r;
  const f = (x) => Math.round(x * 100) / 100;
  if (st.startsWith("blocked")) return `M${f(p.x)},${f(p.y)}h${D}v${D}h${-D}z`;
  if (st.startsWith("sleeping")) return `M${f(cx)},${f(p.y)}L${f(p.x + D)},${f(cy)}L${f(cx)},${f(p.y + D)}L${f(p.x)},${f(cy)}z`;
  const rr = st.startsWith("done") || st.startsWith("unborn") ? r / 2 : r - 0.6;
  let d = "";
  for (let k = 0; k < 8; k++) {
    const a = ((k + 0.5) * Math.PI) / 4;
    d += `${k ? "L" : "M"}${f(cx + rr * Math.cos(a))},${f(cy + rr * Math.sin(a))}`;
  }
  return `${d}z`;
}

// pickDot is a crowd's dot for a goroutine the user may run next: a
// button (the panel above the graph lists them too, for the keyboard).
function pickDot(id, p, label) {
  return `<path class="gdot runnable choosable" d="${dotPath("runnable", p)}" data-run="${id}" role="button" tabindex="-1" aria-label="Run ${esc(label)} next"><title>${esc(label)}: ready to run. Click to run it next.</title></path>`;
}

// nearest is goroutine g's card (or its ghost) closest to box b.
function nearest(lay, g, b) {
  const cands = [lay.pos.g.get(g), lay.pos.ghost.get(g)].filter(Boolean);
  const d = (p) => Math.hypot(center(p).x - center(b).x, center(p).y - center(b).y);
  return cands.sort((p, q) => d(p) - d(q))[0];
}

function waitLine(a, b, cls) {
  const p = center(a);
  const q = center(b);
  // Stop at b's edge (roughly) so the arrowhead shows.
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  const t = Math.max(0, 1 - Math.min(b.w / 2 / Math.abs(dx || 1e-9), b.h / 2 / Math.abs(dy || 1e-9)) - 0.02);
  const s = Math.min(a.w / 2 / Math.abs(dx || 1e-9), a.h / 2 / Math.abs(dy || 1e-9));
  const x1 = p.x + dx * Math.min(s, 0.5);
  const y1 = p.y + dy * Math.min(s, 0.5);
  return `<path class="waitfor ${cls}" d="M${x1},${y1} L${p.x + dx * t},${p.y + dy * t}" marker-end="url(#arr-${cls === "could" ? "wait" : cls})"/>`;
}

// crowdBox frames a crowd of goroutines and counts them by state: the
// frame and the tally, two pieces.
function crowdBox(state, c, name) {
  const count = { running: 0, runnable: 0, blocked: 0, sleeping: 0, done: 0, unborn: 0 };
  for (const id of c.ids) count[state.gs[id]?.state ?? "unborn"]++;
  const first = name(c.ids[0]);
  // The frame is the same at every step: made once per name.
  if (c.frameOf !== first) {
    const label = `${c.ids.length} × ${first.replace(/ \d+$/, "")}`;
    c.frameOf = first;
    c.frame = `<g class="crowd" transform="translate(${c.x},${c.y})"><title>${esc(label)}</title>
    <rect class="crowd-box" width="${c.w}" height="${c.h}" rx="10"/>
    <text x="10" y="18" class="gname">${esc(label)}</text></g>`;
  }
  const tally = ["running", "runnable", "blocked", "sleeping", "done"].filter((k) => count[k]).map((k) => `${ICON[k]} ${count[k]}`).join("  ");
  return [c.frame, `<text class="crowd-tally gstate" x="${c.x + 10}" y="${c.y + 34}">${esc(tally || "not started yet")}</text>`];
}

function gNode(state, log, id, p, label, { ghost = false, deadlocked = false, choose = false } = {}) {
  const x = state.gs[id];
  const st = x ? x.state : "unborn";
  // Bold states take more room a character.
  const room2 = fits(p.w, st === "blocked" || st === "running" ? 7.8 : 7);
  let line2 = "";
  let line3 = "";
  if (!x) {
    line2 = "not started yet";
  } else {
    line2 = `${ICON[st]} ${STATE_WORD[st]}`;
    if (st === "blocked") line2 = blockedLine(x.reason, room2);
    if (st === "sleeping") line2 = `${ICON[st]} ${x.reason === "sleep" && x.wake != null ? `asleep until ${duration(x.wake)}` : x.reason}`;
    if (x.line && st !== "done") line3 = `line ${x.line}`;
    if (st === "blocked") {
      for (const oid of x.waitOn) {
        const o = state.objs[oid];
        const w = o?.sendq?.find((s) => s.g === id);
        if (w && w.value !== "") line3 = `holds ${clip(w.value, 10)} · line ${x.line}`;
      }
    }
  }
  const title = ghost ? `${label} ↩` : label;
  const cls = `gnode ${st}${ghost ? " ghost" : ""}${deadlocked ? " deadlocked" : ""}${choose ? " choosable" : ""}${state.running === id ? " current" : ""}`;
  const attrs = choose ? ` role="button" tabindex="0" data-run="${id}" aria-label="Run ${esc(label)} next"` : "";
  const shape = st === "blocked" || st === "unborn" ? `<rect class="card" width="${p.w}" height="${p.h}" rx="4"/>` : `<rect class="card" width="${p.w}" height="${p.h}" rx="14"/>`;
  return `<g class="${cls}" data-g="${id}" transform="translate(${p.x},${p.y})"${attrs}>
    <title>${esc(label)}: ${esc(line2)}${line3 ? ", " + esc(line3) : ""}</title>
    ${shape}<rect class="stripe" width="${st === "blocked" ? 6 : 0}" height="${p.h}" rx="2"/>
    <text x="14" y="21" class="gname">${esc(clip(title, fits(p.w, 7.6)))}</text>
    <text x="14" y="39" class="gstate">${esc(clip(line2, room2))}</text>
    <text x="14" y="55" class="gline">${esc(clip(line3, fits(p.w, 6.9) - (choose ? 6 : 0)))}</text>
    <text x="${p.w - 10}" y="55" class="choose-hint" text-anchor="end">${choose ? "run ▸" : ""}</text>
  </g>`;
}

/**
 * blockedLine is a blocked card's state: Go's wait reason after the icon,
 * shortened to fit n characters: "sync." dropped first, then the icon (the
 * card's square corners and stripe say blocked too).
 */
export function blockedLine(reason, n) {
  const short = reason.replace(/^sync\./, "");
  return [`${ICON.blocked} ${reason}`, `${ICON.blocked} ${short}`, reason, short].find((s) => s.length <= n) ?? short;
}

function chanNode(state, id, p, name, { canResize, deadlocked, maxslots, slot: SLOT = 30 }) {
  const o = state.objs[id];
  const cap = o ? o.cap : 0;
  const buf = o ? o.buf : [];
  // As many slots as the layout made room for (a resize may have grown the
  // buffer since).
  const n = Math.max(1, Math.min(maxslots, cap, Math.floor((p.w - 16) / (SLOT + 4))));
  const slotsW = n * (SLOT + 4) - 4;
  const sx = (p.w - slotsW) / 2;
  const parts = [];
  const label = o ? o.name : `chan ${id}`;
  parts.push(`<g class="chan${o?.closed ? " closed" : ""}${deadlocked ? " deadlocked" : ""}" data-chan="${id}" transform="translate(${p.x},${p.y})">`);
  parts.push(`<title>channel ${esc(label)}: ${cap === 0 ? "unbuffered" : `${buf.length} of ${cap} slots full`}${o?.closed ? ", closed" : ""}</title>`);
  parts.push(`<rect class="chan-box" width="${p.w}" height="${p.h}" rx="8"/>`);
  // Closed is said under the slots, where it has room (next to the name,
  // a short name and "⊘ closed · 0/3" ran into each other).
  const capText = cap === 0 ? "unbuffered" : `${buf.length}/${cap}`;
  const closed = o?.closed ? "⊘ closed" : "";
  // The name gets the room the capacity leaves (and the − + buttons above).
  parts.push(`<text x="10" y="18" class="cname">${esc(clip(label, Math.max(4, Math.floor((p.w - 26 - capText.length * 7) / 8.6))))}</text>`);
  parts.push(`<text x="${p.w - 10}" y="18" class="ccap" text-anchor="end">${capText}</text>`);
  if (cap === 0) {
    parts.push(`<rect class="slot handoff" x="${(p.w - SLOT) / 2}" y="30" width="${SLOT}" height="${SLOT}" rx="4"/><text x="${p.w / 2}" y="${30 + SLOT + 11}" class="slot-note" text-anchor="middle">${closed ? `${closed} · ` : ""}hand-off only</text>`);
  } else {
    // The head of the queue (received next) is the rightmost slot.
    for (let i = 0; i < n; i++) {
      const bi = n - 1 - i; // buffer index shown in slot i
      const v = buf[bi];
      const x = sx + i * (SLOT + 4);
      // Every slot has its text, empty or not, so that a piece keeps its
      // shape as values come and go (morph.js).
      parts.push(`<rect class="slot${v !== undefined ? " full" : ""}" x="${x}" y="30" width="${SLOT}" height="${SLOT}" rx="4"/>`);
      parts.push(`<text class="val" x="${x + SLOT / 2}" y="${30 + SLOT / 2 + 5}" text-anchor="middle">${v !== undefined ? esc(clip(v, SLOT < 28 ? 3 : 4)) : ""}</text>`);
    }
    parts.push(`<text x="${p.w / 2}" y="${30 + SLOT + 11}" class="slot-note${closed ? " closed" : ""}" text-anchor="middle">${esc(clip([closed, cap > n ? `showing ${n} of ${cap} slots` : ""].filter(Boolean).join(" · "), Math.floor((p.w - 8) / 5.8)))}</text>`);
  }
  // Who waits on each side; an empty text when nobody does, so that the
  // piece keeps its shape.
  const waiting = (q, side) => {
    const at = `x="${side === "s" ? 10 : p.w - 10}" y="${p.h - 6}" class="waiting ${side}" text-anchor="${side === "s" ? "start" : "end"}"`;
    if (!q.length) return `<text ${at}></text>`;
    const names = q.slice(0, 3).map((w) => name(w.g) + (side === "s" && w.value !== "" ? `: ${clip(w.value, 6)}` : "")).join(", ");
    const more = q.length > 3 ? ` +${q.length - 3}` : "";
    const room = Math.max(8, Math.floor((o.sendq.length && o.recvq.length ? p.w / 2 : p.w) / 6.6) - 4);
    return `<text ${at}>${side === "s" ? "⇢ " : ""}${esc(clip(names + more, room))}${side === "r" ? " ⇠" : ""}</text>`;
  };
  if (o) {
    parts.push(waiting(o.sendq, "s"));
    parts.push(waiting(o.recvq, "r"));
  }
  if (canResize && o && !o.closed) {
    parts.push(`<g class="resize minus" role="button" tabindex="0" data-resize="${id}" data-cap="${Math.max(0, cap - 1)}" aria-label="Shrink ${esc(label)}'s buffer to ${Math.max(0, cap - 1)} from this step" transform="translate(${p.w - 50},${-11})"><circle cx="10" cy="10" r="10"/><text x="10" y="15" text-anchor="middle">−</text></g>`);
    parts.push(`<g class="resize plus" role="button" tabindex="0" data-resize="${id}" data-cap="${cap + 1}" aria-label="Grow ${esc(label)}'s buffer to ${cap + 1} from this step" transform="translate(${p.w - 24},${-11})"><circle cx="10" cy="10" r="10"/><text x="10" y="15" text-anchor="middle">+</text></g>`);
  }
  parts.push(`</g>`);
  return parts.join("");
}

function objNode(state, id, p, name, log) {
  const o = state.objs[id];
  const d = log.objects.get(id);
  const kind = o?.kind ?? ({ 2: "mutex", 3: "rwmutex", 4: "waitgroup", 5: "once", 6: "cond", 7: "timer", 8: "ticker", 9: "context", 10: "atomic" })[d?.Kind] ?? "object";
  const label = o?.name ?? d?.Name ?? `${kind} ${id}`;
  let l1 = "";
  let l2 = "";
  let icon = "";
  switch (kind) {
    case "mutex":
    case "rwmutex":
      // Drawn, not a character: the lock emoji is missing from many
      // fonts (and would be a box on screen).
      icon = lockIcon(!(o?.holder || o?.readers?.length));
      l1 = o?.holder ? `held by ${name(o.holder)}` : o?.readers?.length ? `read by ${o.readers.map(name).join(", ")}` : "free";
      l2 = o?.queue?.length ? `waiting: ${o.queue.map((w) => name(w.g)).join(", ")}` : "";
      break;
    case "waitgroup":
      icon = "Σ";
      l1 = `counter ${o?.count ?? 0}`;
      l2 = o?.waiters?.length ? `waiting: ${o.waiters.map(name).join(", ")}` : "";
      break;
    case "once":
      icon = "1";
      l1 = o?.done ? "done" : "not run";
      break;
    case "cond":
      icon = "⋯";
      l1 = o?.waiters?.length ? `waiting: ${o.waiters.map(name).join(", ")}` : "nobody waiting";
      break;
    case "timer":
    case "ticker":
      icon = "◷";
      l1 = o?.deadline != null ? `due at ${duration(o.deadline)}` : o?.stopped ? "stopped" : o?.fired ? "fired" : "not set";
      l2 = o?.fired ? `fired ${o.fired}×` : "";
      break;
    case "context":
      icon = o?.cancelled ? "⊘" : "◎";
      l1 = o?.cancelled ? `cancelled` : "live";
      l2 = o?.cancelled ? clip(o.cause, 24) : o?.recvq?.length ? `waiting: ${o.recvq.map((w) => name(w.g)).join(", ")}` : "";
      break;
    case "atomic":
      icon = "⚛";
      l1 = `value ${clip(o?.value ?? "", 16)}`;
      break;
  }
  const busy = (o?.queue?.length || o?.waiters?.length || 0) > 0;
  return `<g class="obj ${kind}${busy ? " busy" : ""}${o?.cancelled ? " cancelled" : ""}" data-obj="${id}" transform="translate(${p.x},${p.y})">
    <title>${esc(kind)} ${esc(label)}: ${esc(l1)}${l2 ? ", " + esc(l2) : ""}</title>
    <rect class="obj-box" width="${p.w}" height="${p.h}" rx="6"/>
    ${icon.startsWith("<") ? `${icon}<text x="26" y="19" class="oname">` : `<text x="10" y="19" class="oname"><tspan class="oicon">${icon}</tspan> `}${esc(clip(label, fits(p.w, 9)))}</text>
    <text x="10" y="38" class="ostate">${esc(clip(l1, fits(p.w, 6.2)))}</text>
    <text x="10" y="54" class="owait">${esc(clip(l2, fits(p.w, 5.6)))}</text>
  </g>`;
}

// lockIcon is a padlock, open or shut, in the place of the name's icon.
function lockIcon(open) {
  const shackle = open ? "M3.5,7.5V3.2a2.6,2.6 0 0 1 5.2,0V4.4" : "M3.5,7.5V5a2.6,2.6 0 0 1 5.2,0V7.5";
  return `<g class="lock-icon${open ? " open" : ""}" transform="translate(10,5)"><path class="shackle" d="${shackle}"/><rect class="lock-body" x="1" y="7.5" width="10.2" height="7.5" rx="1.5"/></g>`;
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

