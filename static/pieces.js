// pieces.js: the markup of each piece of the graph: a goroutine's card, a
// crowd's frame and tally and its dots, a channel with its slots and
// waiting goroutines, an object on the shelf, a wait-for arrow. Pure:
// each function returns SVG markup for one piece, which graph.js keys,
// compares and puts on screen. A piece keeps its shape from step to step
// (every slot has its text, empty or not) so that morph.js can change it
// in place.

import { duration } from "./narrate.js";
import { objectKind } from "./runlog.js";
import { WAIT_REASON } from "./vocab.js";
import { escapeHTML as esc } from "./html.js";
import { SHARED, accessOf } from "./memory.js";

export const ICON = { running: "▶", runnable: "○", blocked: "■", sleeping: "☾", done: "✓" };
export const STATE_WORD = { running: "running", runnable: "ready to run", blocked: "blocked", sleeping: "sleeping", done: "done" };

/** clip shortens s to n characters, with an ellipsis. */
export const clip = (s, n) => (String(s).length > n ? String(s).slice(0, n - 1) + "…" : String(s));
// How many characters of text of a given size fit in w units of a card.
const fits = (w, perChar) => Math.max(6, Math.floor((w - 22) / perChar));

/** center is the middle of a box {x, y, w, h}. */
export function center(p) {
  return { x: p.x + p.w / 2, y: p.y + p.h / 2 };
}

// dot draws one goroutine of a crowd, a path whatever its state (so that a
// change of state is a change of two attributes): a square blocked, a
// diamond asleep, an octagon (near enough a circle) running or ready (a
// ring, by its style), a small one done or not started.
export function dot(st, p) {
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
export function pickDot(id, p, label) {
  return `<path class="gdot runnable choosable" d="${dotPath("runnable", p)}" data-run="${id}" role="button" tabindex="-1" aria-label="Run ${esc(label)} next"><title>${esc(label)}: ready to run. Click to run it next.</title></path>`;
}

// nearest is goroutine g's card (or its ghost) closest to box b.
export function nearest(lay, g, b) {
  const cands = [lay.pos.g.get(g), lay.pos.ghost.get(g)].filter(Boolean);
  const d = (p) => Math.hypot(center(p).x - center(b).x, center(p).y - center(b).y);
  return cands.sort((p, q) => d(p) - d(q))[0];
}

export function waitLine(a, b, cls, marker = `arr-${cls === "could" ? "wait" : cls}`) {
  const p = center(a);
  const q = center(b);
  // Stop at b's edge (roughly) so the arrowhead shows.
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  const t = Math.max(0, 1 - Math.min(b.w / 2 / Math.abs(dx || 1e-9), b.h / 2 / Math.abs(dy || 1e-9)) - 0.02);
  const s = Math.min(a.w / 2 / Math.abs(dx || 1e-9), a.h / 2 / Math.abs(dy || 1e-9));
  const x1 = p.x + dx * Math.min(s, 0.5);
  const y1 = p.y + dy * Math.min(s, 0.5);
  return `<path class="waitfor ${cls}" d="M${x1},${y1} L${p.x + dx * t},${p.y + dy * t}" marker-end="url(#${marker})"/>`;
}

// crowdBox frames a crowd of goroutines and counts them by state: the
// frame and the tally, two pieces.
export function crowdBox(state, c, name) {
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
  const tally = Object.keys(ICON).filter((k) => count[k]).map((k) => `${ICON[k]} ${count[k]}`).join("  ");
  return [c.frame, `<text class="crowd-tally gstate" x="${c.x + 10}" y="${c.y + 34}">${esc(tally || "not started yet")}</text>`];
}

export function gNode(state, id, p, label, { ghost = false, deadlocked = false, choose = false } = {}) {
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
    if (st === "sleeping") line2 = `${ICON[st]} ${x.reason === WAIT_REASON.sleep && x.wake != null ? `asleep until ${duration(x.wake)}` : x.reason}`;
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

export function chanNode(state, id, p, name, { canResize, deadlocked, maxslots, slot: SLOT, decl }) {
  const o = state.objs[id];
  // Before its make, a channel is drawn as declared: its name and
  // capacity, said not to exist yet (not an unbuffered "chan 1").
  const cap = o ? o.cap : (decl?.cap ?? 0);
  const buf = o ? o.buf : [];
  // As many slots as the layout made room for (a resize may have grown the
  // buffer since).
  const n = Math.max(1, Math.min(maxslots, cap, Math.floor((p.w - 16) / (SLOT + 4))));
  const slotsW = n * (SLOT + 4) - 4;
  const sx = (p.w - slotsW) / 2;
  const parts = [];
  const label = o ? o.name : decl?.name || `chan ${id}`;
  parts.push(`<g class="chan${o?.closed ? " closed" : ""}${deadlocked ? " deadlocked" : ""}" data-chan="${id}" transform="translate(${p.x},${p.y})">`);
  const made = o ? "" : "not made yet: ";
  parts.push(`<title>channel ${esc(label)}: ${made}${cap === 0 ? "unbuffered" : `${buf.length} of ${cap} slots full`}${o?.closed ? ", closed" : ""}</title>`);
  parts.push(`<rect class="chan-box" width="${p.w}" height="${p.h}" rx="8"/>`);
  // Closed is said under the slots, where it has room (next to the name,
  // a short name and "⊘ closed · 0/3" ran into each other).
  const capText = !o ? "not made" : cap === 0 ? "unbuffered" : `${buf.length}/${cap}`;
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

export function objNode(state, id, p, name, log) {
  const o = state.objs[id];
  const d = log.objects.get(id);
  const kind = o?.kind ?? objectKind(d);
  const label = o?.name ?? d?.name ?? `${kind} ${id}`;
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
      l1 = o?.done ? "done" : o?.holder ? `running (${name(o.holder)})` : "not run";
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
    case SHARED.var:
    case SHARED.map:
      // A shared variable: its value as last read or written, and who wrote it.
      icon = kind === SHARED.map ? "{}" : "≡";
      l1 = !o ? "not touched yet" : o.value === "" ? (kind === SHARED.map ? "map" : "no value yet") : `= ${clip(o.value, 18)}`;
      l2 = o?.writer ? `written by ${name(o.writer)}${o.lost ? ` · ${o.lost} lost` : ""}` : o ? "not written yet" : "";
      break;
  }
  const busy = (o?.queue?.length || o?.waiters?.length || 0) > 0;
  // A shared variable's access at this step: the box lights up (a write
  // changes its value; a lost update flashes) and a race is marked.
  const touched = accessOf(state, id);
  const mem = (touched ? ` ${touched.cls}` : "") + (o?.races ? " raced" : "");
  return `<g class="obj ${kind}${busy ? " busy" : ""}${o?.cancelled ? " cancelled" : ""}${mem}" data-obj="${id}" transform="translate(${p.x},${p.y})">
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
