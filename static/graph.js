// graph.js: draws the state of a run as an SVG graph: goroutines as cards,
// channels as queues of buffer slots with their waiting senders and
// receivers, and the other objects (mutexes, WaitGroups, timers, contexts)
// on a shelf below. The layout is computed from the whole log once (so
// nothing jumps while the run plays); the drawing from one state.

import { kindName, waitEdges } from "./fold.js";
import { duration } from "./narrate.js";

const GW = 146; // goroutine card
const GH = 62;
const SLOT = 30;
const MAXSLOTS = 10;
const COLGAP = 40;
const ROWGAP = 18;
const PAD = 24;
const CROWD = 16; // more goroutines than this in a column become a crowd of dots
const DOT = 9;
const DOTGAP = 3;
const PERROW = 30;

export const ICON = { running: "▶", runnable: "○", blocked: "■", sleeping: "☾", done: "✓" };
export const STATE_WORD = { running: "running", runnable: "ready to run", blocked: "blocked", sleeping: "sleeping", done: "done" };

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const clip = (s, n) => (String(s).length > n ? String(s).slice(0, n - 1) + "…" : String(s));

/**
 * layout places every goroutine and object the log declares. Channels and
 * goroutines go in columns by data flow (producer → channel → consumer),
 * starting from main; a goroutine that also receives downstream of where
 * it sits (main as the collector of a worker pool) gets a second card, a
 * "ghost", at the end of the flow. Other objects sit on a shelf below.
 */
export function layout(log, hint = "free") {
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
  const pos = { g: new Map(), ghost: new Map(), c: new Map(), o: new Map() };
  let width = 0;
  let height = 0;
  if (ring) {
    // Philosophers and forks round a table: each goroutine between the
    // locks it takes, main in the middle.
    const gs = gids.filter((id) => id !== 1);
    const locks = shelf.filter((id) => [2, 3].includes(log.objects.get(id).Kind));
    const n = Math.max(gs.length, locks.length);
    const R = Math.max(170, n * 48);
    const cx = PAD + R + GW / 2;
    const cy = PAD + R + GH / 2;
    gs.forEach((id, i) => {
      const a = (2 * Math.PI * i) / gs.length - Math.PI / 2;
      pos.g.set(id, { x: cx + R * Math.cos(a) - GW / 2, y: cy + R * Math.sin(a) - GH / 2, w: GW, h: GH });
    });
    locks.forEach((id, i) => {
      const a = (2 * Math.PI * (i + 0.5)) / locks.length - Math.PI / 2;
      pos.o.set(id, { x: cx + R * 0.78 * Math.cos(a) - 60, y: cy + R * 0.78 * Math.sin(a) - 28, w: 120, h: 56 });
    });
    pos.g.set(1, { x: cx - GW / 2, y: cy - GH / 2, w: GW, h: GH });
    width = 2 * cx;
    height = 2 * cy;
    const rest = shelf.filter((id) => !locks.includes(id));
    let x = PAD;
    for (const id of rest) {
      pos.o.set(id, { x, y: height, w: 150, h: 64 });
      x += 170;
    }
    if (rest.length) height += 64 + PAD;
    width = Math.max(width, x);
    return { pos, width, height, ghosts, edges: dataEdges(out, inn, ghosts), ring: true };
  }
  const cols = new Map();
  for (const n of nodes) (cols.get(n.col) ?? cols.set(n.col, []).get(n.col)).push(n);
  const colKeys = [...cols.keys()].sort((a, b) => a - b);
  const crowds = [];
  let x = PAD;
  for (const k of colKeys) {
    let col = cols.get(k);
    // A crowd: the column's many goroutines as one box of dots.
    const many = col.filter((n) => n.type === "g" && !n.ghost);
    if (many.length > CROWD) {
      const rows = Math.ceil(many.length / PERROW);
      const crowd = { type: "crowd", ids: many.map((n) => n.id), rows };
      col = [...col.filter((n) => !(n.type === "g" && !n.ghost)), crowd];
      cols.set(k, col);
    }
    let w = 0;
    const sizes = col.map((n) => {
      if (n.type === "g") return { w: GW, h: GH };
      if (n.type === "crowd") return { w: PERROW * (DOT + DOTGAP) + 20, h: n.rows * (DOT + DOTGAP) + 52 };
      const o = log.objects.get(n.id);
      const slots = Math.max(1, Math.min(MAXSLOTS, o.Cap || 0, MAXSLOTS));
      return { w: Math.max(150, slots * (SLOT + 4) + 40), h: 88 };
    });
    for (const s of sizes) w = Math.max(w, s.w);
    const total = sizes.reduce((t, s) => t + s.h, 0) + ROWGAP * (col.length - 1);
    let y = PAD;
    col.forEach((n, i) => {
      const s = sizes[i];
      const p = { x: x + (w - s.w) / 2, y, w: s.w, h: s.h };
      if (n.type === "c") pos.c.set(n.id, p);
      else if (n.type === "crowd") {
        p.ids = n.ids;
        p.index = crowds.length;
        crowds.push(p);
      } else if (n.ghost) pos.ghost.set(n.id, p);
      else pos.g.set(n.id, p);
      y += s.h + ROWGAP;
    });
    height = Math.max(height, total + 2 * PAD);
    x += w + COLGAP;
  }
  width = Math.max(x - COLGAP + PAD, 480);
  // Centre each column vertically.
  for (const k of colKeys) {
    const col = cols.get(k);
    const ps = col.map((n) => (n.type === "crowd" ? crowds.find((c) => c.ids === n.ids) : n.type === "c" ? pos.c.get(n.id) : n.ghost ? pos.ghost.get(n.id) : pos.g.get(n.id)));
    const bottom = Math.max(...ps.map((p) => p.y + p.h));
    const shift = (height - PAD - bottom) / 2;
    for (const p of ps) p.y += shift;
  }
  for (const c of crowds) {
    c.ids.forEach((id, i) => {
      const r = Math.floor(i / PERROW);
      const q = i % PERROW;
      pos.g.set(id, { x: c.x + 10 + q * (DOT + DOTGAP), y: c.y + 42 + r * (DOT + DOTGAP), w: DOT, h: DOT, crowd: c.index });
    });
  }
  if (shelf.length) {
    let sx = PAD;
    const sy = height + 8;
    for (const id of shelf) {
      pos.o.set(id, { x: sx, y: sy, w: 150, h: 64 });
      sx += 166;
    }
    height = sy + 64 + PAD;
    width = Math.max(width, sx + PAD);
  }
  return { pos, width, height, ghosts, crowds, edges: dataEdges(out, inn, ghosts) };
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

/**
 * render draws a state into the SVG element: static edges, nodes, waits,
 * and, when the run's outcome is known and the state is the last one, the
 * wait-for graph of a deadlock or a leak.
 */
export function render(svg, lay, state, log, opts = {}) {
  const { names, outcome, atEnd, choosable = new Set(), canResize = false } = opts;
  const name = (id) => names?.get(id) ?? (id === 1 ? "main" : `goroutine ${id}`);
  const parts = [];
  parts.push(`<defs>
    <marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker>
    <marker id="arr-wait" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead wait"/></marker>
    <marker id="arr-dead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead dead"/></marker>
    <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" class="hatch-bg"/><line x1="0" y1="0" x2="0" y2="6" class="hatch-line"/></pattern>
  </defs>`);
  // Data-flow edges, the current event's highlighted.
  const last = state.last;
  parts.push(`<g class="edges">`);
  const drawn = new Set();
  const crowdOf = (p) => (p && p.crowd !== undefined ? lay.crowds[p.crowd] : p);
  for (const e of lay.edges) {
    const a = crowdOf(box(lay, e.from));
    const b = crowdOf(box(lay, e.to));
    if (!a || !b) continue;
    const k = `${a.x},${a.y}>${b.x},${b.y}`;
    if (drawn.has(k)) continue;
    drawn.add(k);
    const hot = last && last.obj && ((e.from[0] === "g" && e.from[1] === last.g && e.to[1] === last.obj && /^send/.test(last.kind)) ||
      (e.from[0] === "c" && e.from[1] === last.obj && e.to[1] === last.g && /^recv/.test(last.kind)));
    parts.push(`<path class="edge${hot ? " hot" : ""}" d="${edgePath(a, b)}" marker-end="url(#arr)"/>`);
  }
  parts.push(`</g>`);
  // Waits: each blocked goroutine to what it waits on.
  parts.push(`<g class="waits">`);
  const dead = atEnd && outcome && (outcome.outcome === "deadlock" || outcome.outcome === "leak");
  if (!dead) {
    for (const x of Object.values(state.gs)) {
      if (x.state !== "blocked" || lay.pos.g.get(x.id)?.crowd !== undefined) continue;
      for (const oid of x.waitOn) {
        const b = lay.pos.c.get(oid) ?? lay.pos.o.get(oid);
        const a = b && nearest(lay, x.id, b);
        if (a && b) parts.push(waitLine(a, b, "wait"));
      }
    }
  } else {
    for (const w of waitEdges(outcome)) {
      const b = lay.pos.c.get(w.Obj) ?? lay.pos.o.get(w.Obj);
      const a = b && nearest(lay, w.G, b);
      if (!a || !b) continue;
      parts.push(waitLine(a, b, "dead"));
      for (const by of w.By ?? []) {
        const c = lay.pos.g.get(by);
        if (c) parts.push(waitLine(b, c, "could"));
      }
    }
  }
  parts.push(`</g>`);
  // Goroutines.
  const deadSet = new Set(dead ? (outcome.blocked ?? []).map((b) => b.g) : []);
  parts.push(`<g class="nodes">`);
  for (const c of lay.crowds ?? []) parts.push(crowdBox(state, c, name));
  // A crowd's dots are one path per state: a thousand goroutines cost a
  // handful of elements. (Choosing one to run is the panel's job there.)
  const dots = new Map();
  for (const [id, p] of lay.pos.g) {
    if (p.crowd === undefined) continue;
    const st = (state.gs[id]?.state ?? "unborn") + (deadSet.has(id) ? " deadlocked" : "");
    dots.set(st, (dots.get(st) ?? "") + dotPath(st, p));
  }
  for (const [st, d] of dots) parts.push(`<path class="gdots ${st}" d="${d}"/>`);
  for (const [id, p] of lay.pos.g) if (p.crowd === undefined) parts.push(gNode(state, log, id, p, name(id), { deadlocked: deadSet.has(id), choose: choosable.has(id) }));
  for (const [id, p] of lay.pos.ghost) parts.push(gNode(state, log, id, p, name(id), { ghost: true, deadlocked: deadSet.has(id) }));
  for (const [id, p] of lay.pos.c) parts.push(chanNode(state, id, p, name, { canResize, deadlocked: dead && waitEdges(outcome).some((w) => w.Obj === id) }));
  for (const [id, p] of lay.pos.o) parts.push(objNode(state, id, p, name, log));
  parts.push(`</g>`);
  parts.push(`<g class="tokens"></g>`);
  svg.setAttribute("viewBox", `0 0 ${Math.ceil(lay.width)} ${Math.ceil(lay.height)}`);
  svg.innerHTML = parts.join("");
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

// crowdBox frames a crowd of goroutines and counts them by state.
function crowdBox(state, c, name) {
  const count = { running: 0, runnable: 0, blocked: 0, sleeping: 0, done: 0, unborn: 0 };
  for (const id of c.ids) count[state.gs[id]?.state ?? "unborn"]++;
  const label = `${c.ids.length} × ${name(c.ids[0]).replace(/ \d+$/, "")}`;
  const tally = ["running", "runnable", "blocked", "sleeping", "done"].filter((k) => count[k]).map((k) => `${ICON[k]} ${count[k]}`).join("  ");
  return `<g class="crowd" transform="translate(${c.x},${c.y})"><title>${esc(label)}: ${esc(tally)}</title>
    <rect class="crowd-box" width="${c.w}" height="${c.h}" rx="10"/>
    <text x="10" y="18" class="gname">${esc(label)}</text>
    <text x="10" y="34" class="gstate">${esc(tally || "not started yet")}</text></g>`;
}

// dotPath draws one goroutine of a crowd, a shape per state: square
// (blocked), diamond (sleeping), small dot (done), circle (running, filled;
// ready, a ring, by its style).
function dotPath(st, p) {
  const r = DOT / 2;
  const { x, y } = p;
  if (st.startsWith("blocked")) return `M${x},${y}h${DOT}v${DOT}h${-DOT}z`;
  if (st.startsWith("sleeping")) return `M${x + r},${y}L${x + DOT},${y + r}L${x + r},${y + DOT}L${x},${y + r}z`;
  const rr = st.startsWith("done") || st.startsWith("unborn") ? r / 2 : r - 1;
  return `M${x + r - rr},${y + r}a${rr},${rr} 0 1,0 ${2 * rr},0a${rr},${rr} 0 1,0 ${-2 * rr},0z`;
}

function gNode(state, log, id, p, label, { ghost = false, deadlocked = false, choose = false } = {}) {
  const x = state.gs[id];
  const st = x ? x.state : "unborn";
  let line2 = "";
  let line3 = "";
  if (!x) {
    line2 = "not started yet";
  } else {
    line2 = `${ICON[st]} ${STATE_WORD[st]}`;
    if (st === "blocked") line2 = `${ICON[st]} ${x.reason}`;
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
    ${shape}${st === "blocked" ? `<rect class="stripe" width="6" height="${p.h}" rx="2"/>` : ""}
    <text x="14" y="21" class="gname">${esc(clip(title, 17))}</text>
    <text x="14" y="39" class="gstate">${esc(clip(line2, 20))}</text>
    <text x="14" y="55" class="gline">${esc(clip(line3, 21))}</text>
    ${choose ? `<text x="${p.w - 10}" y="21" class="choose-hint" text-anchor="end">run ▸</text>` : ""}
  </g>`;
}

function chanNode(state, id, p, name, { canResize, deadlocked }) {
  const o = state.objs[id];
  const cap = o ? o.cap : 0;
  const buf = o ? o.buf : [];
  const n = Math.max(1, Math.min(MAXSLOTS, cap));
  const slotsW = n * (SLOT + 4) - 4;
  const sx = (p.w - slotsW) / 2;
  const parts = [];
  const label = o ? o.name : `chan ${id}`;
  parts.push(`<g class="chan${o?.closed ? " closed" : ""}${deadlocked ? " deadlocked" : ""}" data-chan="${id}" transform="translate(${p.x},${p.y})">`);
  parts.push(`<title>channel ${esc(label)}: ${cap === 0 ? "unbuffered" : `${buf.length} of ${cap} slots full`}${o?.closed ? ", closed" : ""}</title>`);
  parts.push(`<rect class="chan-box" width="${p.w}" height="${p.h}" rx="8"/>`);
  parts.push(`<text x="10" y="18" class="cname">${esc(clip(label, Math.max(6, Math.floor((p.w - 90) / 8.5))))}</text>`);
  parts.push(`<text x="${p.w - 10}" y="18" class="ccap" text-anchor="end">${o?.closed ? "⊘ closed · " : ""}${cap === 0 ? "unbuffered" : `${buf.length}/${cap}`}</text>`);
  if (cap === 0) {
    parts.push(`<rect class="slot handoff" x="${sx}" y="30" width="${SLOT}" height="${SLOT}" rx="4"/><text x="${p.w / 2}" y="73" class="slot-note" text-anchor="middle">hand-off only</text>`);
  } else {
    // The head of the queue (received next) is the rightmost slot.
    for (let i = 0; i < n; i++) {
      const bi = n - 1 - i; // buffer index shown in slot i
      const v = buf[bi];
      const x = sx + i * (SLOT + 4);
      parts.push(`<rect class="slot${v !== undefined ? " full" : ""}" x="${x}" y="30" width="${SLOT}" height="${SLOT}" rx="4"/>`);
      if (v !== undefined) parts.push(`<text class="val" x="${x + SLOT / 2}" y="50" text-anchor="middle">${esc(clip(v, 4))}</text>`);
    }
    if (cap > MAXSLOTS) parts.push(`<text x="${p.w / 2}" y="73" class="slot-note" text-anchor="middle">showing ${MAXSLOTS} of ${cap} slots</text>`);
  }
  const waiting = (q, side) => {
    if (!q.length) return "";
    const names = q.slice(0, 3).map((w) => name(w.g) + (side === "s" && w.value !== "" ? `: ${clip(w.value, 6)}` : "")).join(", ");
    const more = q.length > 3 ? ` +${q.length - 3}` : "";
    const room = Math.max(8, Math.floor((q.length && o.sendq.length && o.recvq.length ? p.w / 2 : p.w) / 6.6) - 4);
    return `<text x="${side === "s" ? 10 : p.w - 10}" y="${p.h - 8}" class="waiting ${side}" text-anchor="${side === "s" ? "start" : "end"}">${side === "s" ? "⇢ " : ""}${esc(clip(names + more, room))}${side === "r" ? " ⇠" : ""}</text>`;
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
      icon = o?.holder || o?.readers?.length ? "🔒︎" : "🔓︎";
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
      icon = "⏱";
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
    <text x="10" y="19" class="oname"><tspan class="oicon">${icon}</tspan> ${esc(clip(label, 14))}</text>
    <text x="10" y="38" class="ostate">${esc(clip(l1, 22))}</text>
    <text x="10" y="54" class="owait">${esc(clip(l2, 24))}</text>
  </g>`;
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

