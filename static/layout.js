// layout.js: where each goroutine, channel and object of a run goes in the
// graph (graph.js draws them there). Channels and goroutines go in columns
// by data flow, starting from main; other objects on a shelf below;
// philosophers round a table. The layout is computed from the whole log
// once (so nothing jumps while the run plays) and fitted to the size of
// the view. Pure: no DOM.

import { objectKind } from "./runlog.js";
import { columnsOf } from "./frames.js";
import { EVENT_KINDS } from "./vocab.js";

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
  let currentScore = -1;
  const crowd = Math.max(0, ...[...an.cols.values()].map((col) => col.filter((n) => n.type === "g" && !n.ghost).length).filter((n) => n > CROWD));
  const rows = crowd ? [8, 12, 16, 20, 25, 30, 40, 50, 64].filter((r) => r <= Math.max(8, crowd)) : [PERROW];
  // A ring's shape follows the view's; columns do not depend on it.
  const aspect = an.ring ? Math.round((width / height) * 5) / 5 : 0;
  // The candidates are compared by their sizes alone: placing a crowd's
  // every dot (a thousand positions) is left to the one chosen.
  DENSITY.forEach((P, d) => {
    for (const perrow of rows) {
      const key = `${d}:${perrow}:${aspect}`;
      let size = an.sizes.get(key);
      if (!size) an.sizes.set(key, (size = place(an, P, perrow, aspect || 1.6, { sizeOnly: true })));
      const scale = Math.min(width / size.width, height / size.height);
      const score = Math.min(scale, MAX_SCALE) * (1 - 0.03 * d);
      if (score > bestScore) {
        best = { key, P, perrow };
        bestScore = score;
      }
      if (key === an.current?.key) currentScore = score;
    }
  });
  if (currentScore >= 0 && currentScore >= bestScore * 0.92) best = an.current;
  an.current = best;
  let placed = an.placed.get(best.key);
  if (!placed) an.placed.set(best.key, (placed = place(an, best.P, best.perrow, aspect || 1.6)));
  best = placed;
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
const isLock = (kind) => kind === "mutex" || kind === "rwmutex";

// The event kinds flowOf reads, by number.
const K = Object.fromEntries(
  Object.entries({ go: "go", send: "send", sendBlock: "send.block", recv: "recv", recvBlock: "recv.block", selectCase: "select.case" }).map(([k, name]) => [k, EVENT_KINDS.indexOf(name)]),
);

// DIR is the direction an event of each kind meets its channel in: 1 a
// send, 2 a receive (a select's case is a send case when its flag is 1).
const DIR = new Uint8Array(EVENT_KINDS.length);
DIR[K.send] = DIR[K.sendBlock] = 1;
DIR[K.recv] = DIR[K.recvBlock] = DIR[K.selectCase] = 2;

// flowOf reads who sends on and receives from each channel, and who started
// whom: kept on the log and read on from where it stopped, so laying out a
// log that grows costs its new events only.
//
// Its loop over the events reads the columns and two typed arrays, nothing
// else: what is new (a channel, a goroutine met on it in a direction, a
// parent) is rare and done in functions of its own. It runs as a page
// loads, its code not yet optimized: on the browser benchmark's 124,000
// events, a first pass took 6.8 ms this way, 10.5 ms with a map lookup
// for each event (node, a new process each time).
function flowOf(log) {
  // out: g -> Set(chan) it sends on; inn: chan -> Set(g) receiving; parent:
  // g -> its starter. met holds, by channel id, the directions each
  // goroutine (by id) met it in, bits of DIR; null for an object that is
  // not a channel.
  const f = (log._flow ??= { n: 0, out: new Map(), inn: new Map(), parent: new Map(), edges: 0, met: [] });
  const E = columnsOf(log.events);
  const { g: gs, obj: objs, kind, peer, flag } = E;
  const met = f.met;
  for (let i = f.n, n = E.length; i < n; i++) {
    const k = kind[i];
    if (k === K.go && peer[i]) started(f, peer[i], gs[i] || 1);
    const obj = objs[i];
    let dir = DIR[k];
    if (!obj || !dir) continue;
    if (k === K.selectCase && flag[i] === 1) dir = 1;
    let dirs = met[obj];
    if (dirs === undefined) dirs = meet(f, log, obj);
    if (dirs === null) continue;
    const g = gs[i];
    if (g < dirs.length && dirs[g] & dir) continue;
    flows(f, obj, g, dir);
  }
  f.n = E.length;
  return f;
}

// MET_FIRST is how many goroutines a channel's directions have room for at
// first (flows grows them as ids come).
const MET_FIRST = 64;

// started records that goroutine by started child, if flowOf did not know.
function started(f, child, by) {
  if (f.parent.get(child) === by) return;
  f.parent.set(child, by);
  f.edges++;
}

// meet returns flowOf's directions of object obj, null if it is not a
// channel (or not declared yet: then it is asked again).
function meet(f, log, obj) {
  const d = log.objects.get(obj);
  if (!d) return null;
  return (f.met[obj] = objectKind(d) === "chan" ? new Uint8Array(MET_FIRST) : null);
}

// flows records that goroutine g met channel obj in direction dir.
function flows(f, obj, g, dir) {
  let dirs = f.met[obj];
  if (g >= dirs.length) {
    const more = new Uint8Array(Math.max(g + 1, 2 * dirs.length));
    more.set(dirs);
    dirs = f.met[obj] = more;
  }
  dirs[g] |= dir;
  f.edges++;
  const [m, k, v] = dir === 1 ? [f.out, g, obj] : [f.inn, obj, g];
  (m.get(k) ?? m.set(k, new Set()).get(k)).add(v);
}

/**
 * layoutKey names what a log's layout is made of (its goroutines, its
 * objects, its data flow so far): while it stays the same, laying the
 * log out again gives the same layout.
 */
export function layoutKey(log) {
  return `${log.goroutines.size} ${log.objects.size} ${flowOf(log).edges}`;
}

// analyse reads the log's data flow into columns, once per log.
function analyse(log, hint) {
  const gids = [1, ...[...log.goroutines.keys()].filter((id) => id !== 1).sort((a, b) => a - b)];
  const chans = [...log.objects.values()].filter((o) => objectKind(o) === "chan").map((o) => o.id);
  const shelf = [...log.objects.values()].filter((o) => objectKind(o) !== "chan").map((o) => o.id);
  const { out, inn, parent } = flowOf(log);
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

  const ring = hint === "free" && chans.length === 0 && shelf.filter((id) => isLock(objectKind(log.objects.get(id)))).length >= 2;
  const cols = new Map();
  for (const n of nodes) (cols.get(n.col) ?? cols.set(n.col, []).get(n.col)).push(n);
  const caps = new Map(chans.map((c) => [c, log.objects.get(c).cap || 0]));
  const kinds = new Map(shelf.map((id) => [id, objectKind(log.objects.get(id))]));
  return { gids, chans, shelf, kinds, caps, cols, ghosts, ring, edges: dataEdges(out, inn, ghosts), fits: new Map(), sizes: new Map(), placed: new Map(), current: null };
}

// place lays the analysed graph out with the spacing P and crowds of
// perrow dots a row; with sizeOnly, only as far as its width and height.
function place(an, P, perrow, aspect = 1.6, { sizeOnly = false } = {}) {
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
    const locks = shelf.filter((id) => isLock(kinds.get(id)));
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
  const STEP = dotStep(P);
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
  if (!sizeOnly) settle(cols, colKeys, crowds, pos, height, P);
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

// dotStep is the distance from one dot of a crowd to the next.
const dotStep = (P) => P.dot + P.dotgap;

// settle centres each column of a placement vertically in its height and
// seats each crowd's dots in its box: what a placement's size does not
// depend on, so fitTo's candidates skip it.
function settle(cols, colKeys, crowds, pos, height, P) {
  const PAD = P.pad;
  const STEP = dotStep(P);
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
      pos.g.set(id, { x: left + q * STEP, y: c.top + r * STEP, w: P.dot, h: P.dot, crowd: c.index });
    });
  }
}

function dataEdges(out, inn, ghosts) {
  const e = [];
  for (const [g, cs] of out) for (const c of cs) e.push({ from: ["g", g], to: ["c", c] });
  for (const [c, gs] of inn) for (const g of gs) e.push({ from: ["c", c], to: [ghosts.has(g) ? "ghost" : "g", g] });
  return e;
}
