// timeline.js: a swimlane per goroutine over the steps of the run, its
// state drawn as segments (blocked ones hatched, so colour is not the only
// cue), hand-offs as ticks between lanes, the current step as a line.
// Clicking anywhere jumps there.

const LABEL = 104;
const MAXLANES = 80; // beyond this the timeline shows the first lanes and says how many it left out

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** drawTimeline draws the lanes (from fold.lanes) once per log. */
export function drawTimeline(svg, summary, names, { width = 800 } = {}) {
  const shown = summary.lanes.slice(0, MAXLANES);
  const hidden = summary.lanes.length - shown.length;
  summary = { ...summary, lanes: shown };
  const n = summary.lanes.length;
  const laneH = Math.max(3, Math.min(16, Math.floor(150 / Math.max(1, n))));
  const gap = laneH >= 10 ? 3 : laneH >= 6 ? 1 : 0;
  const H = n * (laneH + gap) + 18;
  const W = Math.max(320, width);
  const span = Math.max(1, summary.steps);
  const X = (step) => LABEL + ((W - LABEL - 8) * step) / span;
  const parts = [];
  parts.push(`<defs><pattern id="tl-hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="5" height="5" class="tl blocked"/><line x1="0" y1="0" x2="0" y2="5" class="tl-hatch-line"/></pattern></defs>`);
  summary.lanes.forEach((lane, i) => {
    const y = i * (laneH + gap) + 4;
    if (laneH >= 8) parts.push(`<text x="${LABEL - 8}" y="${y + laneH - 2}" class="tl-label" text-anchor="end">${esc(names?.get(lane.id) ?? lane.name)}</text>`);
    const ch = lane.changes;
    let end = -1; // pixels already drawn: a long run draws at most one rect per pixel
    for (let k = 0; k < ch.length; k++) {
      const [from, st] = ch[k];
      const to = k + 1 < ch.length ? ch[k + 1][0] : span;
      if (to <= from && k + 1 < ch.length) continue;
      const x1 = Math.max(end, Math.floor(X(from)));
      const x2 = Math.max(x1 + 1, Math.round(X(Math.max(to, from + 1))));
      if (x1 >= x2 || (x1 === end && x2 - x1 <= 1 && k + 1 < ch.length && summary.steps > 2000)) continue;
      end = x2;
      const w = x2 - x1;
      const fill = st === "blocked" ? ` fill="url(#tl-hatch)"` : "";
      parts.push(`<rect class="tl ${st}" x="${x1.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${laneH}"${fill}><title>${esc(names?.get(lane.id) ?? lane.name)}: ${st}, steps ${from}–${to}</title></rect>`);
    }
  });
  const row = new Map(summary.lanes.map((l, i) => [l.id, i]));
  if (summary.handoffs.length <= 3000) {
    for (const h of summary.handoffs) {
      const a = row.get(h.from);
      const b = row.get(h.to);
      if (a === undefined || b === undefined) continue;
      const x = X(h.step - 0.5).toFixed(1);
      const y1 = a * (laneH + gap) + 4 + laneH / 2;
      const y2 = b * (laneH + gap) + 4 + laneH / 2;
      parts.push(`<line class="tl-handoff" x1="${x}" y1="${y1}" x2="${x}" y2="${y2}" marker-end="url(#tl-arr)"/>`);
    }
    parts.unshift(`<defs><marker id="tl-arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto"><path d="M0,0 L10,5 L0,10 z" class="tl-arrowhead"/></marker></defs>`);
  }
  parts.push(`<line id="tl-now" class="tl-now" x1="${LABEL}" x2="${LABEL}" y1="0" y2="${H - 14}"/>`);
  parts.push(`<text id="tl-steps" x="${W - 8}" y="${H - 3}" class="tl-axis" text-anchor="end">${summary.steps} steps</text>`);
  parts.push(`<text x="${LABEL}" y="${H - 3}" class="tl-axis">0</text>`);
  if (hidden > 0) parts.push(`<text x="${(LABEL + W) / 2}" y="${H - 3}" class="tl-axis" text-anchor="middle">the first ${n} goroutines of ${n + hidden}</text>`);
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("height", H);
  svg.innerHTML = parts.join("");
  return { X, W, span, H };
}

/** moveNow moves the current-step line. */
export function moveNow(svg, geo, step) {
  const l = svg.querySelector("#tl-now");
  if (!l || !geo) return;
  const x = geo.X(step).toFixed(1);
  l.setAttribute("x1", x);
  l.setAttribute("x2", x);
}

/** stepAtClick turns a click on the timeline into the step under it. */
export function stepAtClick(svg, geo, evt) {
  const r = svg.getBoundingClientRect();
  const x = ((evt.clientX - r.left) / r.width) * geo.W;
  const s = Math.round(((x - LABEL) / (geo.W - LABEL - 8)) * geo.span);
  return Math.max(0, Math.min(geo.span, s));
}
