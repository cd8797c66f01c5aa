// timeline.js: a swimlane per goroutine over the steps of the run, its
// state drawn as segments (blocked ones hatched, so colour is not the only
// cue), hand-offs as arrows between lanes, virtual time on an axis below,
// and the current step as a line; a data race as a bracket between the lanes
// and steps of its two accesses, a lost update as a mark on its write.
// Clicking anywhere jumps to the step under the mouse.
//
// Step n owns a cell of the lanes, [X(n), X(n+1)): the cell shows the
// state after n events, and the event that led to step n sits on the
// cell's left edge. The lanes are drawn once per log; moving through the
// run only moves the current-step line, an element over the lanes that
// the compositor moves without painting the lanes again.

import { duration } from "./narrate.js";
import { escapeHTML as esc } from "./html.js";

const LABEL = 104;
const RIGHT = 8;
const AXIS = 18; // the axis row under the lanes
export const MAXLANES = 80; // beyond this the timeline shows the first lanes and says how many it left out
const MIN_LABEL_GAP = 46; // pixels between two time labels


/**
 * geometry maps steps to x for a timeline of `steps` steps, `width` wide:
 * X(n) is the left edge of step n's cell, cell its width, and stepAt(x)
 * the step whose cell holds x.
 */
export function geometry(steps, width) {
  const W = Math.max(320, width);
  const cells = Math.max(1, steps + 1);
  const cell = (W - LABEL - RIGHT) / cells;
  const X = (step) => LABEL + cell * step;
  const stepAt = (x) => Math.max(0, Math.min(steps, Math.floor((x - LABEL) / cell)));
  return { W, cell, X, stepAt, span: steps };
}

/**
 * timeTicks picks the steps at which to show the virtual time: step 0,
 * then each step at which the clock first reaches a multiple of a round
 * interval (1, 2 or 5 times a power of ten nanoseconds) chosen so that
 * about `most` of them fit the run. Each is {step, time}, the time being
 * the clock at that step (events are rows whose first field is the time).
 * None when the clock never moves.
 */
export function timeTicks(events, most = 6) {
  const n = events.length;
  const time = (i) => Number(events.at(i)[0]);
  const end = n ? time(n - 1) : 0;
  if (!(end > 0)) return [];
  const every = niceStep(end / Math.max(1, most));
  const ticks = [{ step: 0, time: 0 }];
  // The clock never goes back: each tick is a binary search, so a run of
  // a million events costs a few hundred reads, not a million.
  for (let next = every, from = 0; next <= end; ) {
    let lo = from;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (time(mid) >= next) hi = mid;
      else lo = mid + 1;
    }
    const t = time(lo);
    ticks.push({ step: lo + 1, time: t });
    next = (Math.floor(t / every) + 1) * every;
    from = lo + 1;
  }
  return ticks;
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
function niceStep(x) {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/**
 * spread keeps the ticks whose labels do not crowd the one before (at
 * least gap pixels apart at x(step)); the first always stays.
 */
export function spread(ticks, x, gap = MIN_LABEL_GAP) {
  const out = [];
  for (const t of ticks) if (!out.length || x(t.step) - x(out[out.length - 1].step) >= gap) out.push(t);
  return out;
}

/**
 * drawTimeline draws the lanes (from fold.lanes) once per log, `width`
 * pixels wide (the element's own width: one unit is one pixel). With
 * `ticks` (timeTicks of the log) the axis shows virtual time. It returns
 * the geometry for moveNow and stepAtClick.
 */
export function drawTimeline(svg, summary, names, { width = 800, ticks = [] } = {}) {
  const shown = summary.lanes.slice(0, MAXLANES);
  const hidden = summary.lanes.length - shown.length;
  const n = shown.length;
  const laneH = Math.max(3, Math.min(16, Math.floor(150 / Math.max(1, n))));
  const gap = laneH >= 10 ? 3 : laneH >= 6 ? 1 : 0;
  const lanesH = n * (laneH + gap) + 4;
  const H = lanesH + AXIS;
  const geo = geometry(summary.steps, width);
  const { W, X } = geo;
  const end = summary.steps + 1; // the cell after the last step's
  const parts = [];
  parts.push(`<defs><pattern id="tl-hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="5" height="5" class="tl blocked"/><line x1="0" y1="0" x2="0" y2="5" class="tl-hatch-line"/></pattern><marker id="tl-arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto"><path d="M0,0 L10,5 L0,10 z" class="tl-arrowhead"/></marker></defs>`);
  shown.forEach((lane, i) => {
    const y = i * (laneH + gap) + 4;
    const who = names?.get(lane.id) ?? lane.name;
    // One path per state a lane was in: a long run draws at most one
    // segment per pixel, and a lane costs a handful of elements.
    const paths = new Map();
    const { steps, states } = lane;
    let drawnTo = -1;
    for (let k = 0; k < steps.length; k++) {
      const from = steps[k];
      const st = states[k];
      const to = k + 1 < steps.length ? steps[k + 1] : end;
      if (to <= from) continue;
      const x1 = Math.max(drawnTo, Math.floor(X(from)));
      const x2 = Math.max(x1 + 1, Math.round(X(to)));
      if (x1 >= x2 || (x1 === drawnTo && x2 - x1 <= 1 && k + 1 < steps.length && summary.steps > 2000)) continue;
      drawnTo = x2;
      if (st === "done") continue;
      paths.set(st, (paths.get(st) ?? "") + `M${x1} ${y}h${x2 - x1}v${laneH}h${x1 - x2}z`);
    }
    parts.push(`<g class="tl-lane"><title>${esc(who)}</title>`);
    if (laneH >= 8) parts.push(`<text x="${LABEL - 8}" y="${y + laneH - 2}" class="tl-label" text-anchor="end">${esc(who)}</text>`);
    for (const [st, d] of paths) parts.push(`<path class="tl ${st}" d="${d}"${st === "blocked" ? ` fill="url(#tl-hatch)"` : ""}/>`);
    parts.push(`</g>`);
  });
  // Hand-offs: a value passed straight from one goroutine to another, on
  // the edge of the step it made.
  const row = new Map(shown.map((l, i) => [l.id, i]));
  if (summary.handoffs.length <= 3000) {
    parts.push(`<g class="tl-handoffs">`);
    for (const h of summary.handoffs) {
      const a = row.get(h.from);
      const b = row.get(h.to);
      if (a === undefined || b === undefined || a === b) continue;
      const x = X(h.step).toFixed(1);
      const y1 = a * (laneH + gap) + 4 + laneH / 2;
      const y2 = b * (laneH + gap) + 4 + laneH / 2;
      parts.push(`<line class="tl-handoff" x1="${x}" y1="${y1}" x2="${x}" y2="${y2}" marker-end="url(#tl-arr)"/>`);
    }
    parts.push(`</g>`);
  }
  parts.push(memoryMarks(summary, row, X, laneH, gap));
  // The axis: virtual time where the clock moves, the number of steps.
  const ay = lanesH + 12;
  parts.push(`<line class="tl-axis-line" x1="${LABEL}" x2="${W - RIGHT}" y1="${lanesH + 1}" y2="${lanesH + 1}"/>`);
  const stepsLabel = `${summary.steps} steps`;
  const right = W - RIGHT - stepsLabel.length * 6.2 - 8; // where the steps label starts
  const shownTicks = spread(ticks, X).filter((t) => t.step === 0 || X(t.step) < right - 16);
  if (shownTicks.length) {
    parts.push(`<text x="${LABEL - 8}" y="${ay}" class="tl-axis" text-anchor="end">time</text>`);
    for (const t of shownTicks) {
      const x = X(t.step).toFixed(1);
      parts.push(`<line class="tl-tick" x1="${x}" x2="${x}" y1="${lanesH + 1}" y2="${lanesH + 5}"/>`);
      parts.push(`<text x="${x}" y="${ay}" class="tl-axis tl-time" text-anchor="${t.step === 0 ? "start" : "middle"}">${t.step === 0 ? "0" : esc(duration(t.time))}</text>`);
    }
  } else {
    parts.push(`<text x="${LABEL}" y="${ay}" class="tl-axis">0</text>`);
  }
  parts.push(`<text x="${W - RIGHT}" y="${ay}" class="tl-axis" text-anchor="end">${stepsLabel}</text>`);
  if (hidden > 0) parts.push(`<text x="${LABEL - 8}" y="14" class="tl-axis" text-anchor="end"><tspan x="${LABEL - 8}">the first ${n}</tspan><tspan x="${LABEL - 8}" dy="12">of ${n + hidden}</tspan><tspan x="${LABEL - 8}" dy="12">goroutines</tspan></text>`);
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("height", H);
  svg.innerHTML = parts.join("");
  svg.dataset.hidden = String(hidden);
  // The current step: an element over the lanes (not in the SVG), so that
  // moving it repaints nothing.
  const wrap = svg.parentNode;
  let now = wrap?.querySelector?.(":scope > .tl-now");
  if (wrap && !now) {
    now = svg.ownerDocument.createElement("div");
    now.className = "tl-now";
    now.setAttribute("aria-hidden", "true");
    svg.after(now);
  }
  if (now) {
    now.style.height = `${lanesH}px`;
    now.style.width = `${Math.max(2, geo.cell).toFixed(2)}px`;
  }
  return { ...geo, H, lanesH, now };
}

// MAXMARKS bounds the races and the lost updates drawn (each an element or two).
const MAXMARKS = 3000;

// raceBracket is the bracket of a race between the accesses at x1 on the
// lane whose middle is y1 and at x2 on y2 (the later): a tick on each lane
// and a line from the earlier to the later.
function raceBracket(x1, y1, x2, y2, h) {
  const f = (v) => v.toFixed(1);
  const t = Math.max(2, h / 2);
  return `M${f(x1)} ${f(y1 - t)}v${f(2 * t)}M${f(x1)} ${f(y1)}L${f(x2)} ${f(y2)}M${f(x2)} ${f(y2 - t)}v${f(2 * t)}`;
}

// memoryMarks draws the summary's data races (fold.lanes) as brackets from
// the earlier access to the later, and its lost updates as a cross on the
// write that lost one, over the lanes shown (row: lane index by goroutine).
function memoryMarks(summary, row, X, laneH, gap) {
  const mid = (id) => (row.has(id) ? row.get(id) * (laneH + gap) + 4 + laneH / 2 : null);
  const out = [`<g class="tl-memory">`];
  for (const r of (summary.races ?? []).slice(0, MAXMARKS)) {
    const y1 = mid(r.from);
    const y2 = mid(r.to);
    if (y1 === null || y2 === null) continue;
    out.push(`<path class="tl-race" data-step="${r.step}" data-from-step="${r.fromStep}" d="${raceBracket(X(r.fromStep), y1, X(r.step), y2, laneH)}"><title>data race: step ${r.fromStep} and step ${r.step}</title></path>`);
  }
  for (const l of (summary.lost ?? []).slice(0, MAXMARKS)) {
    const y = mid(l.g);
    if (y === null) continue;
    const x = X(l.step);
    const d = Math.max(2, laneH / 2);
    out.push(`<path class="tl-lost" data-step="${l.step}" d="M${(x - d).toFixed(1)} ${(y - d).toFixed(1)}l${2 * d} ${2 * d}m0 ${-2 * d}l${-2 * d} ${2 * d}"><title>an update lost at step ${l.step}</title></path>`);
  }
  out.push(`</g>`);
  return out.join("");
}

/** moveNow moves the current-step line onto the step's cell. */
export function moveNow(svg, geo, step) {
  if (!geo?.now) return;
  const x = geo.X(Math.max(0, Math.min(geo.span, step))) + (geo.cell < 2 ? geo.cell / 2 - 1 : 0);
  if (geo.now._x === x) return;
  geo.now._x = x;
  geo.now.style.transform = `translateX(${x.toFixed(2)}px)`;
}

/** stepAtClick turns a click on the timeline into the step under it. */
export function stepAtClick(svg, geo, evt) {
  const r = svg.getBoundingClientRect();
  const x = ((evt.clientX - r.left) / r.width) * geo.W;
  return geo.stepAt(x);
}
