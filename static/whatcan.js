// whatcan.js: the "What can happen?" panel (web/scenario.templ's
// #whatcan). Its buttons explore the program's schedules on the server
// (POST /explore, PROTOCOL.md "Exploring schedules"), showing progress with
// a Cancel button; the result is drawn as bars, one per outcome, each with
// a button that replays its schedule in the page. The model (what the bars
// are, what the searches found, where a replay departs) is explore.js; this
// file only draws and wires.

import { bars, summary, find, departure, exploreRequest, lines, progressText, foundText } from "./explore.js";
import { escapeHTML } from "./html.js";

/**
 * mountWhatCan brings the panel in doc to life. hooks:
 *   scenario            the program's id
 *   settings()          the page's settings (seed, knobs, caps)
 *   log()               the log on screen (its outcome message has outcome and stdout)
 *   replay(ivs, at)     run with policy go and these interventions; once the
 *                       run is in, show step at(newLog)
 *   frozen              a recorded page: no server to explore on
 * It returns the panel's controller, or null when the page has no panel.
 */
export function mountWhatCan(doc, hooks) {
  const root = doc.getElementById("whatcan");
  if (!root) return null;
  if (hooks.frozen) {
    root.hidden = true;
    return null;
  }
  const status = root.querySelector("#explore-status");
  const list = root.querySelector("#explore-bars");
  const cancel = root.querySelector("#explore-cancel");
  const buttons = [...root.querySelectorAll("button[data-explore]")];
  let ctrl = null;
  let result = null;
  let shown = []; // the bars drawn, by their position in the list

  const current = () => {
    const o = hooks.log()?.outcome;
    return o ? { outcome: o.outcome, stdout: o.stdout ?? "" } : null;
  };

  function busy(on) {
    cancel.hidden = !on;
    for (const b of buttons) b.disabled = on;
    root.classList.toggle("exploring", on);
  }

  function draw(found = null) {
    shown = bars(result, current());
    list.innerHTML = shown.map((b, i) => barHTML(b, i, result.outcomes[b.index]?.link, found && b.index === found.index)).join("");
  }

  async function explore(what) {
    if (what === "different" && !current()) {
      status.textContent = "Wait for the run on screen to finish: a different output is one other than its.";
      return;
    }
    ctrl?.abort();
    ctrl = new AbortController();
    const mine = ctrl;
    busy(true);
    status.textContent = "Exploring…";
    try {
      const resp = await fetch("/explore", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(exploreRequest(hooks.scenario, hooks.settings(), what, current())),
        signal: mine.signal,
      });
      for await (const line of lines(resp.body)) {
        if (line.type === "progress") status.textContent = progressText(line);
        else if (line.type === "error") status.textContent = `The exploration could not finish: ${line.message}`;
        else if (line.type === "result") {
          result = line;
          const bar = what === "all" ? null : find(result, what, current());
          draw(bar);
          status.textContent = what === "all" ? `${upper(summary(result))}.` : `${foundText(result, what, bar)} ${upper(summary(result))}.`;
        }
      }
    } catch (err) {
      status.textContent = mine.signal.aborted ? "Exploration cancelled." : `The exploration could not finish: ${err.message}`;
    } finally {
      if (ctrl === mine) {
        ctrl = null;
        busy(false);
      }
    }
  }

  root.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-explore]");
    if (b) return void explore(b.dataset.explore);
    const r = e.target.closest("button[data-replay]");
    if (!r) return;
    const bar = shown[Number(r.dataset.replay)];
    if (!bar) return;
    const before = hooks.log();
    hooks.replay(bar.schedule, (next) => (before ? departure(before, next) : 0));
  });
  cancel.addEventListener("click", () => ctrl?.abort());

  return {
    /** redraw marks again which bar is the run on screen. */
    redraw: () => result && draw(),
    get busy() {
      return !!ctrl;
    },
  };
}

const upper = (s) => s.charAt(0).toUpperCase() + s.slice(1);

// barHTML is one outcome: its words, a bar as long as its share, its count,
// and its replay button (and the permalink that replays it too).
function barHTML(b, i, link, found) {
  const cls = ["whatcan-bar", b.failure ? "failure" : "", b.current ? "current" : "", found ? "found" : ""].filter(Boolean).join(" ");
  const pct = Math.max(1, Math.round(b.share * 100));
  const here = b.current ? ' <span class="whatcan-here">(the run on screen)</span>' : "";
  const perma = link ? ` <a class="whatcan-link" href="${escapeHTML(link)}" title="A link to this schedule's run">link</a>` : "";
  return `<li class="${cls}" data-outcome="${escapeHTML(b.outcome)}">
<span class="whatcan-label">${escapeHTML(b.label)}${here}</span>
<span class="whatcan-meter" aria-hidden="true"><span style="width:${pct}%"></span></span>
<span class="whatcan-count">${b.count} schedule${b.count === 1 ? "" : "s"}</span>
<button type="button" data-replay="${i}" title="Run this schedule here, from the step where it departs from the run on screen">Replay</button>${perma}
</li>`;
}
