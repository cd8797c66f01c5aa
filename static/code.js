// code.js: marks each goroutine's current line in the code panel with a
// badge (its name and an icon for its state) and the line of the current
// event, and both lines of each data race so far. From one step to the
// next only the lines whose badges changed are touched.

import { ICON } from "./pieces.js";
import { setChildren } from "./morph.js";
import { escapeHTML as esc } from "./html.js";
import { raceLinesOf } from "./memory.js";


/**
 * lineBadges is what the code panel shows for a state, pure: for each line
 * with a live goroutine on it, {html, dead}: the badges (one per state on
 * the line: "■ worker 2 · 3 · 4") and whether a deadlocked goroutine is
 * there.
 */
export function lineBadges(state, names, dead = new Set()) {
  const byLine = new Map();
  for (const id in state.gs) {
    const x = state.gs[id];
    if (!x.line || x.state === "done") continue;
    const l = byLine.get(x.line);
    if (l) l.push(x);
    else byLine.set(x.line, [x]);
  }
  const out = new Map();
  for (const [line, gs] of byLine) {
    const groups = new Map();
    for (const x of gs) {
      const k = x.state + (dead.has(x.id) ? " deadlocked" : "");
      (groups.get(k) ?? groups.set(k, []).get(k)).push(x);
    }
    const html = [...groups].map(([k, xs]) => {
      const label = badgeLabel(xs.map((x) => names?.get(x.id) ?? x.name));
      // A tooltip names a dozen goroutines at most.
      const title = xs.slice(0, 12).map((x) => `${names?.get(x.id) ?? x.name}: ${x.state}${x.reason ? " (" + x.reason + ")" : ""}`).join("; ") + (xs.length > 12 ? `; and ${xs.length - 12} more` : "");
      return `<span class="gb ${k}" title="${esc(title)}"><span aria-hidden="true">${ICON[xs[0].state]}</span> ${esc(label)}</span>`;
    }).join("");
    out.set(line, { html, dead: gs.some((x) => dead.has(x.id)) });
  }
  return out;
}

const shown = new WeakMap(); // root -> {badges: Map line -> entry, current: element}

/** forgetCode makes the next markCode of root draw every badge afresh. */
export function forgetCode(root) {
  shown.delete(root);
}

/** markCode badges lines for the state; scroll asks to bring the current line into view. */
export function markCode(root, state, names, { scroll = false, lineOfEvent = 0, dead = new Set() } = {}) {
  const next = lineBadges(state, names, dead);
  let v = shown.get(root);
  if (!v) {
    // First time: clear whatever the page came with.
    for (const el of root.querySelectorAll(".badges")) el.textContent = "";
    for (const el of root.querySelectorAll(".line.current, .line.has-badge, .line.dead, .line.race")) el.classList.remove("current", "has-badge", "dead", "race");
    v = { badges: new Map(), current: null, lines: new Map(), races: new Set() };
    shown.set(root, v);
  }
  const lineEl = (line) => {
    let el = v.lines.get(line);
    if (el === undefined) v.lines.set(line, (el = root.querySelector(`#L${line}`)));
    return el;
  };
  for (const [line, b] of v.badges) {
    if (next.has(line)) continue;
    const el = lineEl(line);
    if (!el) continue;
    el.classList.remove("has-badge", "dead");
    el.querySelector(".badges").textContent = "";
  }
  for (const [line, b] of next) {
    const was = v.badges.get(line);
    if (was && was.html === b.html && was.dead === b.dead) continue;
    const el = lineEl(line);
    if (!el) continue;
    if (!was) el.classList.add("has-badge");
    if (!was || was.dead !== b.dead) el.classList.toggle("dead", b.dead);
    if (!was || was.html !== b.html) setChildren(el.querySelector(".badges"), b.html, was?.html);
  }
  v.badges = next;
  // The lines of the races so far: few, and they change only at a race.
  const races = raceLinesOf(state);
  for (const line of v.races) if (!races.has(line)) lineEl(line)?.classList.remove("race");
  for (const line of races) if (!v.races.has(line)) lineEl(line)?.classList.add("race");
  v.races = races;
  const cur = lineOfEvent ? lineEl(lineOfEvent) : null;
  if (cur !== v.current) {
    v.current?.classList.remove("current");
    cur?.classList.add("current");
    v.current = cur;
  }
  if (cur && scroll) {
    // In the next frame: scrolling now would make the browser lay out the
    // page that this drawing has just changed, at once.
    v.scrollTo = cur;
    if (!v.scrollFrame && typeof requestAnimationFrame === "function") {
      v.scrollFrame = requestAnimationFrame(() => {
        v.scrollFrame = 0;
        v.scrollTo?.scrollIntoView({ block: "nearest" });
        v.scrollTo = null;
      });
    }
  }
}

// badgeLabel shortens "worker 2", "worker 3", "worker 4" to "worker 2 · 3 · 4",
// and many of them to "worker ×12".
export function badgeLabel(names) {
  if (names.length === 1) return names[0];
  // A line can hold a thousand goroutines, and this runs at every step:
  // the names are checked against the first one's stem without a match
  // (and its garbage) for each.
  const m = /^(.*) (\d+)$/.exec(names[0]);
  if (m && names.every((n) => numbered(n, m[1]))) {
    return names.length > 4 ? `${m[1]} ×${names.length}` : `${m[1]} ${names.map((n) => n.slice(m[1].length + 1)).join(" · ")}`;
  }
  return names.length > 2 ? `${names[0]}, ${names[1]} +${names.length - 2}` : names.join(", ");
}

// numbered tells whether name is stem, a space and a number.
function numbered(name, stem) {
  if (name.length < stem.length + 2 || !name.startsWith(stem) || name.charCodeAt(stem.length) !== 32) return false;
  for (let i = stem.length + 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
