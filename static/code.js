// code.js: marks each goroutine's current line in the code panel with a
// badge (its name and an icon for its state) and the line of the current
// event.

import { ICON } from "./graph.js";

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** markCode badges lines for the state; scroll asks to bring the current line into view. */
export function markCode(root, state, names, { scroll = false, lineOfEvent = 0, dead = new Set() } = {}) {
  for (const el of root.querySelectorAll(".badges")) el.textContent = "";
  for (const el of root.querySelectorAll(".line.current, .line.has-badge, .line.dead")) {
    el.classList.remove("current", "has-badge", "dead");
    delete el.dataset.icons;
  }
  const byLine = new Map();
  for (const x of Object.values(state.gs)) {
    if (!x.line || x.state === "done") continue;
    (byLine.get(x.line) ?? byLine.set(x.line, []).get(x.line)).push(x);
  }
  for (const [line, gs] of byLine) {
    const el = root.querySelector(`#L${line}`);
    if (!el) continue;
    el.classList.add("has-badge");
    // The states' icons in the gutter too, visible however long the line.
    el.dataset.icons = [...new Set(gs.map((x) => ICON[x.state]))].slice(0, 2).join("");
    if (gs.some((x) => dead.has(x.id))) el.classList.add("dead");
    const slot = el.querySelector(".badges");
    // One badge per state on the line: "■ worker 2 · 3 · 4".
    const groups = new Map();
    for (const x of gs) {
      const k = x.state + (dead.has(x.id) ? " deadlocked" : "");
      (groups.get(k) ?? groups.set(k, []).get(k)).push(x);
    }
    slot.innerHTML = [...groups].map(([k, xs]) => {
      const label = badgeLabel(xs.map((x) => names?.get(x.id) ?? x.name));
      const title = xs.map((x) => `${names?.get(x.id) ?? x.name}: ${x.state}${x.reason ? " (" + x.reason + ")" : ""}`).join("; ");
      return `<span class="gb ${k}" title="${esc(title)}"><span aria-hidden="true">${ICON[xs[0].state]}</span> ${esc(label)}</span>`;
    }).join("");
  }
  if (lineOfEvent) {
    const el = root.querySelector(`#L${lineOfEvent}`);
    if (el) {
      el.classList.add("current");
      if (scroll) el.scrollIntoView({ block: "nearest" });
    }
  }
}

// badgeLabel shortens "worker 2", "worker 3", "worker 4" to "worker 2 · 3 · 4".
export function badgeLabel(names) {
  if (names.length === 1) return names[0];
  const m = names.map((n) => /^(.*) (\d+)$/.exec(n));
  if (m.every((x) => x && x[1] === m[0][1])) {
    const ids = m.map((x) => x[2]);
    return `${m[0][1]} ${ids.length > 4 ? `${ids.slice(0, 3).join(" · ")} +${ids.length - 3}` : ids.join(" · ")}`;
  }
  return names.length > 2 ? `${names[0]}, ${names[1]} +${names.length - 2}` : names.join(", ");
}
