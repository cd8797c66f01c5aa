// app.js: the scenario page. It reads the settings from the URL, asks the
// server for the run over /ws (PROTOCOL.md), folds the events into states
// (fold.js) and draws the step the user is on: graph, timeline, code
// badges, console, outcome. Every view shows the same step; the URL always
// holds what it takes to see this view again.

import { stateAt } from "./fold.js";
import { ev, names as goroutineNames } from "./runlog.js";
import { Controls } from "./controls.js";
import { runTarget } from "./graph.js";
import { layout, layoutKey } from "./layout.js";
import { Room, viewOf, sameRun, settingsOf } from "./room.js";
import { Session } from "./session.js";
import { Player, DEFAULT_SPEED } from "./player.js";
import { View, ANIMATE_UP_TO } from "./view.js";
import { bindTransport, KEYS } from "./transport.js";
import { escapeHTML } from "./html.js";
import { RUN_ERRORS, ROOM_ERRORS } from "./panels.js";
import { bindRoomBar } from "./roombar.js";
import { readURL, withinLimits, urlQuery, withIntervention, runRequest } from "./settings.js";
import { logFromRecording } from "./recording.js";
import { exportBody, exportName, bindExportMenu } from "./export.js";
import { bindEditing, exportedScenario } from "./edit.js";
import { mountWhatCan } from "./whatcan.js";

// How long, in milliseconds: a line linked from the banner flashes; "Link
// copied" shows; between redrawings while a run streams in; between new
// layouts of a growing run (the layout follows its data flow); the longest
// wait before what arrived is adopted (adoptSoon).
const FLASH_MS = 1200;
const COPIED_MS = 1800;
const REDRAW_EVERY = 200;
const RELAYOUT_EVERY = 3000;
const ADOPT_LATEST = 100;

const $ = (sel) => document.querySelector(sel);
const data = JSON.parse($("#scenario-data").textContent);
// A standalone export carries its run in the page: no server, no new runs.
const recordingEl = document.getElementById("recording");
const standalone = !!recordingEl;

// ---- Settings, from and to the URL -------------------------------------

function writeURL() {
  const q = urlQuery(settings, data.knobs, {
    step: cur ? cur.step : settings.step,
    projector: document.body.classList.contains("present"),
    follow: room?.role === "viewer" && room.following ? room.code : "",
  });
  const url = `${location.pathname}?${q}${location.hash}`; // a program's link keeps its source (#src=)
  if (url !== location.pathname + location.search + location.hash) history.replaceState(null, "", url);
}

const parsed = readURL(location.search, data.knobs);
const settings = parsed.settings;
let room = null; // the class this page presents to or follows (room.js)

// ---- Notices -------------------------------------------------------------

const notice = $("#notice");
function showNotice(html, kind = "warn") {
  notice.innerHTML = `${html} <button type="button" class="notice-close" aria-label="Dismiss">×</button>`;
  notice.className = `notice ${kind}`;
  notice.hidden = false;
}
notice.addEventListener("click", (e) => {
  if (e.target.closest(".notice-close")) notice.hidden = true;
});

if (parsed.problems.length) {
  showNotice(`<strong>This link has settings the page cannot use</strong>, so it uses the defaults for them: ${parsed.problems.map(escapeHTML).join("; ")}.`);
}

// ---- Controls ------------------------------------------------------------

const speedIn = $("#speed");
const scrub = $("#scrub");
const playBtn = $("#play");

// refuseFrozen says no to a change of the run in a standalone export,
// which holds one recorded run and has no server to make another.
function refuseFrozen() {
  if (!standalone) return false;
  showNotice("This page is a recorded run: it replays, but cannot run the program again. Open it on a concviz server to change the run.", "info");
  return true;
}

const controls = new Controls(document, { knobs: data.knobs, settings, frozen: refuseFrozen, notice: (html) => showNotice(html), restart: () => restartWithNewInputs() });
const syncInputs = () => controls.sync();
controls.listen();
syncInputs();

// New inputs make a different run: earlier interventions named steps of
// the old one, so they go.
function restartWithNewInputs() {
  if (settings.interventions.length) {
    settings.interventions = [];
    showNotice("Your scheduling choices and resizes were for the previous run, so they were dropped.", "info");
  }
  startRun();
}

function addIntervention(iv) {
  if (refuseFrozen()) return;
  // Later choices were made in a run that this one replaces.
  settings.interventions = withIntervention(settings.interventions, iv);
  afterRunStep = cur.step + 1; // show what the intervention did
  startRun();
}

// ---- The run -------------------------------------------------------------

let log = null; // the log on screen
let cur = null; // the state on screen
let lay = null;
let who = new Map();
let afterRunStep = null;
let wantStep = settings.step;
let wantEnd = settings.toEnd;
let firstRun = true; // the run the URL asked for, not one the user made since
let lastRender = 0;
let endedRun = null; // the run whose end the session said, until it is on screen

// The connection and the run it receives (session.js); its pending log is
// that of a newer run until it reaches the step on screen.
const session = new Session({
  open: () => new WebSocket(`${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`),
  hooks: {
    // The run is asked for as soon as the connection opens, not after the
    // server's hello: a round trip less through the loading page's busy
    // main thread. A first run with interventions waits for the limits.
    opened() {
      // Back in the room this tab presents or follows (also after a reconnect).
      if (room.role === "viewer" || (!room.role && settings.follow)) room.follow(room.code || settings.follow);
      else room.claim();
      if (!waitsForLimits()) startRun(session.resumeFrom());
    },
    ready(limits) {
      if (!waitsForLimits()) return;
      const over = withinLimits(settings, limits);
      if (over.length) showNotice(`<strong>This link has settings the page cannot use</strong>, so it uses the defaults for them: ${[...parsed.problems, ...over].map(escapeHTML).join("; ")}.`);
      startRun(session.resumeFrom());
    },
    other(m) {
      if (room.onMessage(m)) {
        if (m.type === "room" && m.role === "presenter") publish(); // the class sees this page at once
        return true;
      }
      if (m.type === "error" && ROOM_REQUESTS.has(m.request)) {
        roomError(m);
        return true;
      }
      return false;
    },
    runError(m) {
      showNotice(`<strong>The run could not finish.</strong> ${escapeHTML(RUN_ERRORS[m.code] ?? "")} <span class="detail">${escapeHTML(m.message)}</span>`, "error");
      setStatus("error");
    },
    progress: () => adoptSoon(),
    // The end of a run ("") is said when the page shows that run (adopt):
    // until the next frame the old one is still on screen.
    status: (text) => (text ? setStatus(text) : (endedRun = session.pending)),
    closed(code, reason) {
      showNotice(`<strong>The connection to the server closed</strong> (${code}${reason ? ": " + escapeHTML(reason) : ""}). Reload the page to try again.`, "error");
    },
  },
});

// waitsForLimits says whether the run must wait for the server's limits:
// the first run, when its link carries interventions (withinLimits).
const waitsForLimits = () => firstRun && settings.interventions.length > 0;

function startRun(from = 0) {
  if (standalone || !session.run((id, from) => runRequest(id, data.id, settings, from), from)) return;
  if (cur) {
    // At the end of the old run, the end of the new one is what you want.
    if (afterRunStep == null && log?.outcome && cur.step === total()) wantEnd = true;
    wantStep = afterRunStep ?? cur.step;
  }
  setStatus("running…");
  writeURL();
  publish();
}

// adoptSoon adopts what has arrived once a frame: a run streams in many
// messages, often several between two frames, and each adoption may lay
// the graph out and draw it. The timeout stands in for the frame in a tab
// that draws none (hidden), so that a run still ends there.
let adoptSched = null;
function adoptSoon() {
  if (adoptSched) return;
  const run = () => {
    cancelAnimationFrame(adoptSched.frame);
    clearTimeout(adoptSched.timer);
    adoptSched = null;
    adopt();
  };
  adoptSched = { frame: requestAnimationFrame(run), timer: setTimeout(run, ADOPT_LATEST) };
}

// adopt shows the pending log once it reaches the step the user is on (the
// new run is the same as the old one up to there), or once it is complete.
function adopt() {
  const p = session.pending;
  const target = wantEnd ? Infinity : wantStep;
  const ready = p.outcome || p.events.length >= target;
  if (p !== log) {
    if (!ready) return;
    log = p;
    lay = layout(log, data.layout);
    lay.at = performance.now();
    lay.key = layoutKey(log);
    who = goroutineNames(log);
    view.stale();
    let step = wantEnd ? log.events.length : Math.min(wantStep, log.events.length);
    if (departFrom) [step, departFrom] = [departFrom(log), null]; // a replayed schedule (whatcan.js)
    if (!wantEnd && wantStep > log.events.length && log.outcome && firstRun) {
      showNotice(`This run has only ${log.events.length} steps, so the page shows the last one instead of step ${wantStep}.`, "info");
    }
    afterRunStep = null;
    wantEnd = false;
    firstRun = false;
    go(step);
    whatCan?.redraw();
    performance.mark("concviz:first-frame");
    player.arrived();
  } else {
    // More of the run on screen: refresh what depends on its length.
    const now = performance.now();
    if (log.outcome || now - lastRender > REDRAW_EVERY) {
      // The layout follows the data flow of the whole log: redo it as the
      // log grows (rarely, so nothing jumps) and once it is complete.
      const key = layoutKey(log);
      if (key !== lay.key && (log.outcome || log.objects.size !== lay.objs || log.goroutines.size !== lay.gs || now - lay.at > RELAYOUT_EVERY)) {
        lay = layout(log, data.layout);
        lay.at = now;
        lay.key = key;
        who = goroutineNames(log);
      }
      lastRender = now;
      draw({});
    }
  }
  if (lay) {
    lay.objs = log.objects.size;
    lay.gs = log.goroutines.size;
  }
  if (endedRun && endedRun === log) {
    endedRun = null;
    setStatus("");
  }
  // The page's first run is whole and drawn: what the benchmark times.
  if (p === log && log.outcome && !performance.getEntriesByName("concviz:ready").length) performance.mark("concviz:ready");
  // A presenter's step this run had not reached when the view came.
  if (followStep !== null && p === log && (log.events.length >= followStep || log.outcome)) {
    const n = followStep;
    followStep = null;
    go(n);
  }
}

// ---- Moving through the run ----------------------------------------------

function total() {
  return log ? log.events.length : 0;
}

function go(step, { animate = false, dragging = false } = {}) {
  if (!log) return;
  step = Math.max(0, Math.min(step, total()));
  const prev = cur;
  cur = stateAt(log, step);
  draw({ prev, animate, dragging });
  publish();
}

function stepBy(d) {
  pause();
  if (cur) go(cur.step + d, { animate: d === 1 });
}

// Playing, in animation frames (player.js).
const player = new Player({
  hooks: {
    ready: () => !!(log && cur),
    atEnd: () => cur.step >= total() && !!log.outcome,
    rewind: () => go(0),
    speed,
    advance(n) {
      if (cur.step < total()) {
        const to = Math.min(total(), cur.step + n);
        // The step before the last is the one the narration and the token
        // start from.
        if (to - 1 > cur.step) cur = stateAt(log, to - 1);
        go(to, { animate: speed() <= ANIMATE_UP_TO });
        return true;
      }
      return !log.outcome;
    },
    // A still page shows the choice of who runs next, and the URL.
    still: () => log && cur && draw({}),
    changed(on, was) {
      // Called at each pause, playing or not (a jump pauses): the button
      // changes only when it says something else.
      const label = on ? "❚❚" : "▶︎";
      if (playBtn.textContent !== label) {
        playBtn.textContent = label;
        playBtn.setAttribute("aria-label", on ? "Pause" : "Play");
      }
      if (on || was) publish();
    },
  },
});
const play = () => player.play();
function speed() {
  return Number(speedIn.value) || DEFAULT_SPEED;
}
const pause = () => player.pause();

bindTransport(document, {
  toggle: () => player.toggle(),
  back: () => stepBy(-1),
  forward: () => stepBy(1),
  restart: () => (pause(), go(0), play()),
  start: () => (pause(), go(0)),
  end: () => (pause(), go(total())),
  projector: () => toggleProjector(),
  scrub: (step) => (pause(), go(step, { dragging: true })),
  scrubbed() {
    if (!cur) return;
    view.lineToView(); // and the code panel brings the current line into view
    draw({ prev: cur });
  },
  timeline(e) {
    const step = view.timelineStep(e);
    if (step === null) return;
    pause();
    go(step);
  },
});

// ---- Drawing ---------------------------------------------------------------

const graph = $("#graph");
const codeRoot = $("#source");
const banner = $("#banner");
const choose = $("#choose");
const view = new View(
  { graph, code: codeRoot, console: $("#console"), narration: $("#narration"), banner, choose, timeline: $("#timeline"), scrub, stepNo: $("#step-no"), vtime: $("#vtime"), badge: $("#outcome-badge") },
  { page: () => ({ log, cur, lay, who, playing: player.playing, speed: speed() }), writeURL: () => writeURL(), redraw: () => log && cur && draw({}) },
);
const draw = (opts) => view.draw(opts);

// "What can happen?" (whatcan.js): a replayed schedule is the go policy's run with its interventions, shown from where it leaves the run before it.
let departFrom = null;
const whatCan = mountWhatCan(document, { scenario: data.id, settings: () => settings, log: () => log, frozen: standalone || !data.runnable,
  replay: (ivs, at) => (pause(), (departFrom = at), Object.assign(settings, { policy: "go", interventions: ivs }), syncInputs(), (wantEnd = true), startRun()) });

banner.addEventListener("click", (e) => {
  const a = e.target.closest("a[data-line]");
  if (!a) return;
  e.preventDefault();
  const el = document.getElementById(`L${a.dataset.line}`);
  el?.scrollIntoView({ block: "center" });
  el?.classList.add("flash");
  setTimeout(() => el?.classList.remove("flash"), FLASH_MS);
});

function runNext(id) {
  if (!cur) return;
  pause();
  addIntervention({ step: cur.step, run: id });
}
choose.addEventListener("click", (e) => {
  const b = e.target.closest("button[data-run]");
  if (b) runNext(Number(b.dataset.run));
});
choose.addEventListener("change", (e) => {
  if (e.target.id !== "choose-pick") return;
  const run = choose.querySelector(".choose-run");
  run.dataset.run = e.target.value;
  run.textContent = `Run ${e.target.selectedOptions[0]?.textContent ?? ""} ▸`;
});
choose.addEventListener("keydown", (e) => {
  if (e.target.id === "choose-pick" && e.key === "Enter") {
    e.preventDefault();
    runNext(Number(e.target.value));
  }
});
function graphAction(e) {
  const id = runTarget(e);
  if (id) return runNext(id);
  const z = e.target.closest("[data-resize]");
  if (z && cur) {
    pause();
    addIntervention({ step: cur.step, chan: Number(z.dataset.resize), cap: Number(z.dataset.cap) });
  }
}
graph.addEventListener("click", graphAction);
graph.addEventListener("keydown", (e) => {
  if (e.key === "Enter" || e.key === " ") {
    e.preventDefault();
    e.stopPropagation();
    graphAction(e);
  }
});

function setStatus(text) {
  document.body.dataset.status = text;
}

// ---- Header actions --------------------------------------------------------

// Projector mode: large type, high contrast (the body class is "present").
function toggleProjector(on = !document.body.classList.contains("present")) {
  document.body.classList.toggle("present", on);
  $("#projector").setAttribute("aria-pressed", String(on));
  try {
    localStorage.setItem("concviz.projector", on ? "1" : "0");
  } catch {}
  view.stale();
  if (log && cur) draw({});
}
$("#projector").addEventListener("click", () => toggleProjector());
let projectorPref = settings.projector;
try {
  projectorPref ||= localStorage.getItem("concviz.projector") === "1";
} catch {}
if (projectorPref) toggleProjector(true);

$("#copy-link").addEventListener("click", async () => {
  writeURL();
  const btn = $("#copy-link");
  try {
    await navigator.clipboard.writeText(location.href);
    btn.textContent = "Link copied ✓";
  } catch {
    showNotice(`Copy this link: <input class="link-box" readonly value="${escapeHTML(location.href)}" size="60">`, "info");
    notice.querySelector(".link-box")?.select();
    btn.textContent = "Copy link";
    return;
  }
  setTimeout(() => (btn.textContent = "Copy link"), COPIED_MS);
});

window.addEventListener("resize", () => {
  view.stale();
  if (log && cur) draw({});
});

// ---- Rooms: present to a class, or follow one ------------------------------

const ROOM_REQUESTS = new Set(["present", "claim", "view", "follow", "unfollow", "close"]);
let followStep = null; // a presenter's step the run on screen has yet to reach

room = new Room({
  send: (m) => session.send(m),
  apply: (v) => applyView(v),
  onChange: () => drawRoomBar(), // bound below, before any message can come
});

// publish sends the presenter's view (the Room sends only changes).
function publish() {
  if (room?.role !== "presenter" || !cur) return;
  room.publish(viewOf(data.id, settings, { step: cur.step, playing: player.playing, speed: speedIn.value }));
}

// applyView shows a presenter's view: the same run (made here, usually a
// cache hit on the server) at the same step.
function applyView(v) {
  if (v.scenario !== data.id) {
    location.replace(`/s/${encodeURIComponent(v.scenario)}?follow=${encodeURIComponent(room.code)}`);
    return;
  }
  pause();
  if ([...speedIn.options].some((o) => o.value === String(v.speed))) speedIn.value = String(v.speed);
  if (!sameRun(settings, v)) {
    Object.assign(settings, settingsOf(v));
    syncInputs();
    followStep = null;
    afterRunStep = wantStep = v.step;
    wantEnd = false;
    startRun();
  } else if (session.pending && session.pending !== log) {
    wantStep = v.step; // the presenter's run is on its way
    wantEnd = false;
  } else if (log && (v.step <= total() || log.outcome)) {
    followStep = null;
    go(v.step);
  } else {
    followStep = v.step;
  }
}

function roomError(m) {
  const why = ROOM_ERRORS[m.code];
  if (m.request === "claim") {
    // The room this tab presented has closed (expired, or the server restarted).
    room.forget();
    room.reset();
    showNotice("The room you were presenting has closed. Press “Present to class” to open a new one.", "info");
    return;
  }
  if (m.request === "follow") room.reset();
  showNotice(`<strong>${escapeHTML(why ?? "The class room refused that.")}</strong> <span class="detail">${escapeHTML(m.message)}</span>`, "error");
}

const drawRoomBar = bindRoomBar(document, { room, scenario: data.id, standalone, notice: showNotice, writeURL });
if (room.saved()) drawRoomBar();

// A viewer who touches a control explores on their own: the presenter's
// next views are kept, not applied, until "Follow the presenter".
function detachOnUse(e) {
  if (!e.isTrusted || room.role !== "viewer" || !room.following) return;
  if (e.type === "keydown" && (e.target.closest("input, select, textarea") || !Object.hasOwn(KEYS, e.key))) return;
  if (e.type === "pointerdown" && !e.target.closest(".transport, .settings, #graph [data-resize], #choose button, #timeline") && !runTarget(e)) return;
  room.detach();
}
document.addEventListener("pointerdown", detachOnUse, true);
document.addEventListener("keydown", detachOnUse, true);

// ---- Exports ----------------------------------------------------------------

// exportText makes an export's content (a string, or a Blob for PNG).
function exportText(kind) {
  return exportBody(kind, { log, scenario: exportedScenario(document, data), settings, step: cur?.step ?? 0, names: who, svg: graph, pagePath: location.pathname });
}
bindExportMenu($("#export-menu"), { text: exportText, name: (kind) => exportName(kind, data.id, settings, cur.step), notice: showNotice, standalone });

// ---- Start ---------------------------------------------------------------

if (standalone) {
  // The run is in the page: adopt it as if it had streamed in.
  document.body.classList.add("standalone");
  // A file on disk has no catalog to go back to.
  document.querySelector(".brand")?.removeAttribute("href");
  try {
    const rec = JSON.parse(recordingEl.textContent);
    Object.assign(settings, settingsOf(rec.settings));
    syncInputs();
    for (const el of document.querySelectorAll(".settings input, .settings select, .settings button, .cap button")) el.disabled = true;
    session.pending = logFromRecording(rec);
    if (Number.isInteger(rec.settings?.step) && !parsed.settings.step) wantStep = rec.settings.step;
    showNotice(`A recorded run of <strong>${escapeHTML(data.title)}</strong> (seed ${escapeHTML(settings.seed)}, ${escapeHTML(settings.policy)} scheduler): play, step and scrub it here; changing it needs a concviz server.`, "info");
    adopt();
  } catch (err) {
    showNotice(`<strong>This page's recorded run cannot be read.</strong> ${escapeHTML(err.message)}`, "error");
  }
} else if (!data.runnable) {
  showNotice("<strong>This build has no compiled program for this scenario yet</strong>, so it cannot be run here. The code and the explanation are below; the animation needs the program (go generate ./scenarios).", "error");
  $("#outcome-badge .text").textContent = "cannot run";
  $(".placeholder .hint")?.replaceChildren(document.createTextNode("No program to run in this build."));
} else {
  session.connect();
  bindEditing(document, { data, settings: () => settings, notice: showNotice, detach: () => room.detach() });
}

// For tests and the curious: the page's state, read-only.
window.concviz = {
  get step() {
    return cur?.step ?? -1;
  },
  get total() {
    return total();
  },
  get outcome() {
    return log?.outcome?.outcome ?? "";
  },
  get state() {
    return cur ? structuredClone(cur) : null;
  },
  get ready() {
    return !!(log && log.outcome && cur);
  },
  // The server's key of the run on screen: it changes when another run
  // replaces it (a seed, a policy, a replayed schedule).
  get run() {
    return log?.run?.run ?? "";
  },
  // How far loading has come: a step shown (the rest may still stream),
  // every snapshot taken, the whole run's timeline drawn, the bytes the events take.
  get loaded() {
    return { shown: !!(log && cur), prepared: !!log && view.preparedFor(log), timeline: view.tlFor === -2, bytes: log?.events.bytes ?? 0 };
  },
  ev,
  go: (n) => (pause(), go(n)),
  get room() {
    return room ? { role: room.role, code: room.code, following: room.following, viewers: room.viewers, url: room.url, latest: room.latest } : null;
  },
  get settings() {
    return structuredClone(settings);
  },
  exportText,
  // Draws the step on screen afresh, as if nothing were on screen before:
  // what drawing step by step shows must be the same.
  redraw() {
    view.forget();
    if (cur) draw({});
  },
};
