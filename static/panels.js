// panels.js: the markup of the page's panels around the graph: the
// outcome's badge and banner, the choice of who runs next, the class's
// room bar, and what the page says of errors. Pure: each function returns
// markup (escaped with html.js) for the view to put on screen.

import { escapeHTML } from "./html.js";
import { waitEdges } from "./runlog.js";
import { formatCode } from "./room.js";
import { ERROR_CODES as E } from "./vocab.js";

/** OUTCOME is how each outcome (PROTOCOL.md) is shown: icon, word and class. */
export const OUTCOME = {
  ok: { icon: "✓", word: "finished", cls: "ok" },
  exit: { icon: "⏏", word: "exited", cls: "exit" },
  deadlock: { icon: "✖", word: "deadlock", cls: "deadlock" },
  leak: { icon: "⚠", word: "goroutines leaked", cls: "leak" },
  panic: { icon: "✖", word: "panic", cls: "panic" },
  limit: { icon: "⋯", word: "stopped at a limit", cls: "limit" },
};

const shown = (o) => OUTCOME[o.outcome] ?? { icon: "•", word: o.outcome, cls: "" };

// RACE_WORD is how a run with data races is flagged, as go run -race's report heads them.
const RACE_WORD = "DATA RACE";

// racesOf is how many data races an outcome message reports (0: none).
const racesOf = (o) => o?.races?.length || (o?.raceReport ? 1 : 0);

/** RACE_EXIT is the exit status of a program built with -race that found races and would exit 0 (engine.ExitCodeRace). */
export const RACE_EXIT = 66;

// The engine's race report ends with this line exactly when go run -race
// would turn an exit status 0 into RACE_EXIT (engine/race.go raceEnd).
const FOUND = /Found \d+ data race\(s\)\n?$/;

// exitStatusOf is the exit status go run -race would end outcome o with:
// o's own, or RACE_EXIT when its race report says so.
const exitStatusOf = (o) => (FOUND.test(o.raceReport ?? "") ? RACE_EXIT : (o.exitCode ?? 0));

/** badgeOf is the outcome badge for an outcome message, or for none yet: {cls, html, title}. */
export function badgeOf(o) {
  if (!o) return { cls: "badge pending", html: `<span class="icon" aria-hidden="true">◌</span> <span class="text">running…</span>`, title: null };
  const d = shown(o);
  // Races are said whatever the outcome: a run can finish and still race.
  const race = racesOf(o) ? ` <span class="race-flag">${RACE_WORD}</span>` : "";
  return { cls: `badge ${d.cls}${race ? " raced" : ""}`, html: `<span class="icon" aria-hidden="true">${d.icon}</span> <span class="text">${escapeHTML(d.word)}</span>${race}`, title: o.message || d.word };
}

// raceHTML is the banner's part for a run with data races: the word and the
// report as go run -race prints it on standard error.
function raceHTML(o) {
  const n = racesOf(o);
  if (!n) return "";
  const count = o.races?.length ? ` <span class="race-count">${o.races.length === 1 ? "1 race" : `${o.races.length} races`}</span>` : "";
  const report = o.raceReport ? `<pre class="race-report">${escapeHTML(o.raceReport)}</pre>` : "";
  return `<div class="race"><p class="race-title"><span class="race-flag">${RACE_WORD}</span>${count}: what <code>go run -race</code> reports</p>${report}</div>`;
}

/**
 * bannerOf is the banner under the graph at the end of a run: Go's message,
 * the goroutines that could not go on (named as the page names them, in
 * who), with links to their lines, and the legend of a deadlock's arrows.
 */
export function bannerOf(o, who) {
  const d = shown(o);
  const blocked = (o.blocked ?? [])
    .map((b) => {
      const line = Number(String(b.pos).split(":").pop()) || 0;
      return `<li><strong>${escapeHTML(who.get(b.g) ?? b.name)}</strong> [${escapeHTML(b.reason)}] at <a href="#L${line}" data-line="${line}">${escapeHTML(b.pos || "?")}</a></li>`;
    })
    .join("");
  // The exit status shown is the one go run -race would end with, as the page always detects races.
  const msg =
    o.outcome === "ok" ? `The program finished normally (exit status ${exitStatusOf(o)}).` : o.outcome === "exit" ? `exit status ${exitStatusOf(o)}` : o.message || d.word;
  const legend =
    o.outcome === "deadlock" || o.outcome === "leak"
      ? `<p class="legend"><span class="key dead"></span> waits on <span class="key could"></span> only this goroutine could release it${waitEdges(o).some((w) => !w.by.length) ? " · a red arrow with no dotted one onward: no live goroutine could release it" : ""}</p>`
      : "";
  return { cls: `banner ${d.cls}${racesOf(o) ? " raced" : ""}`, html: `${raceHTML(o)}<p class="banner-msg"><span class="icon" aria-hidden="true">${d.icon}</span> <code>${escapeHTML(msg)}</code></p>${blocked ? `<ul class="blocked-list">${blocked}</ul>` : ""}${legend}` };
}

/** CHOICE_BUTTONS is how many goroutines that could run next get a button each. */
export const CHOICE_BUTTONS = 6;

/**
 * choiceHTML offers the goroutines ids that could run next: a button each
 * when they are few; when many, the first few and a list of every one of
 * them (a select: type a name to find it) with a Run button.
 */
export function choiceHTML(ids, who) {
  const label = (id) => escapeHTML(who.get(id) ?? `goroutine ${id}`);
  const button = (id) => `<button type="button" data-run="${id}">${label(id)}</button>`;
  if (ids.length <= CHOICE_BUTTONS) return `<span>Who runs next? You choose:</span> ${ids.map(button).join(" ")}`;
  const few = ids.slice(0, CHOICE_BUTTONS - 3);
  return `<span>Who runs next? You choose:</span> ${few.map(button).join(" ")}
      <span class="choose-any"><label for="choose-pick" class="more">or any of the ${ids.length} ready:</label>
      <select id="choose-pick">${ids.map((id) => `<option value="${id}">${label(id)}</option>`).join("")}</select>
      <button type="button" class="choose-run" data-run="${ids[0]}" aria-describedby="choose-pick">Run ▸</button></span>`;
}

/** joinURL is the link viewers join a room by. */
export const joinURL = (r, origin) => r.url || `${origin}/r/${r.code}`;

/** roomBarHTML is the room bar of a page that presents (or follows) room r. */
export function roomBarHTML(r, origin) {
  const code = `<strong class="room-code" data-code="${escapeHTML(r.code)}">${escapeHTML(formatCode(r.code))}</strong>`;
  if (r.role === "presenter") {
    const url = joinURL(r, origin);
    return `<span class="room-role">Presenting</span> Class code ${code} · join at <a class="room-url" href="${escapeHTML(url)}" target="_blank" rel="noopener">${escapeHTML(url)}</a> · <span class="room-viewers">${r.viewers} following</span> <button type="button" data-room="copy">Copy join link</button> <button type="button" data-room="stop">Stop presenting</button>`;
  }
  const at = r.latest ? ` at step ${r.latest.step}${r.latest.playing ? ", playing" : ""}` : "";
  return r.following
    ? `<span class="room-role">Following</span> class ${code}: this page shows what the presenter shows${escapeHTML(at)}. Use any control to explore on your own. <button type="button" data-room="detach">Explore on my own</button> <button type="button" data-room="leave">Leave</button>`
    : `<span class="room-role detached">On your own</span> The class ${code} is${escapeHTML(at || " waiting")}. <button type="button" class="primary" data-room="refollow">Follow the presenter</button> <button type="button" data-room="leave">Leave</button>`;
}

/** roomClosedHTML says that a room closed, and why (room.closed). */
export function roomClosedHTML(closed) {
  const what = { expired: "closed after a long time without the presenter", closed: "was closed by the presenter", shutdown: "closed: the server stopped" }[closed.reason] ?? "closed";
  return `The class ${escapeHTML(formatCode(closed.code))} ${what}. ${closed.role === "viewer" ? "You can keep exploring this run on your own." : ""}`;
}

/** RUN_ERRORS is what the page says of the error codes a run may end with (PROTOCOL.md). */
export const RUN_ERRORS = { [E.unknownScenario]: "The server does not know this program.", [E.busy]: "The server is busy; try again in a moment.", [E.timeout]: "The run took too long and was stopped." };

/** ROOM_ERRORS is what the page says of the error codes of room requests (PROTOCOL.md). */
export const ROOM_ERRORS = {
  [E.unknownRoom]: "No class is presenting with that code: it may have been mistyped, or the room has closed.",
  [E.notPresenter]: "Only the presenter can change what the class sees.",
  [E.rateLimited]: "Too many wrong codes; wait a minute and try again.",
  [E.busy]: "The server has no room for another class right now.",
};
