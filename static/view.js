// view.js: draws the step the user is on: graph, code badges, console,
// timeline, transport, narration, the choice of who runs next, and the
// outcome. Every view shows the same step. It touches only the elements
// it is given, and only when asked to draw (nothing at import).
//
// Drawing a step costs little when little changed (static/README.md,
// "Drawing a step"): the graph and the code change only where the state
// did, sizes come from observers, and while playing fast or dragging the
// slider the texts nobody can read that fast change a few times a second.

import { stateAt, runnable, consoleAt, lanes, prepare } from "./fold.js";
import { lineOf } from "./runlog.js";
import { narrate, duration } from "./narrate.js";
import { render as renderGraph, animateToken } from "./graph.js";
import { fit } from "./layout.js";
import { drawTimeline, moveNow, stepAtClick, timeTicks, MAXLANES } from "./timeline.js";
import { markCode, forgetCode } from "./code.js";
import { escapeHTML } from "./html.js";
import { setText } from "./morph.js";
import { badgeOf, bannerOf, choiceHTML } from "./panels.js";
import { DEFAULT_SPEED } from "./player.js";

// Speeds, in steps a second: up to ANIMATE_UP_TO a value token flies
// along each hand-off; up to READ_UP_TO the narration is read aloud and
// the code follows the current line; above FAST_ABOVE the badges, the
// counter and the narration change only a few times a second.
export const ANIMATE_UP_TO = DEFAULT_SPEED;
const READ_UP_TO = 3;
const FAST_ABOVE = DEFAULT_SPEED;

// How often, in milliseconds, texts change while playing fast or dragging.
const BADGES_EVERY = 100;
const BADGES_LATE = 120; // the last step's badges, once the page stops
const COUNTER_EVERY = 100;
const NARRATION_EVERY = 400;
const TIMELINE_EVERY = 1500; // while the run streams in
const URL_EVERY = 1000;
// A value token's flight: at most TOKEN_MS, shorter at higher speeds.
const TOKEN_MS = 450;
const TOKEN_SPAN = 800;
// Snapshots are taken in idle time, SNAPSHOT_BATCH events at a time, while
// at least IDLE_MARGIN ms of it are left; not while playing (then retried
// every IDLE_RETRY ms).
const SNAPSHOT_BATCH = 1024;
const IDLE_MARGIN = 4;
const IDLE_RETRY = 250;
// Work done in idle time stops after IDLE_SLICE ms, even when the browser
// offers more (up to 50), so that an input or a frame never waits long.
const IDLE_SLICE = 8;
// The timeline's lanes are folded in idle time too: at least LANES_LEAST
// events at a time, as many as fit the idle period at LANES_GUESS ms an
// event until the first piece has measured the cost.
const LANES_LEAST = 256;
const LANES_GUESS = 0.005;

/**
 * View draws into the page's elements (els: graph, code, console,
 * narration, banner, choose, timeline, scrub, stepNo, vtime, badge).
 * page() is what is on screen: {log, cur, lay, who, playing, speed};
 * writeURL and redraw are the page's.
 */
export class View {
  constructor(els, { page, writeURL, redraw }) {
    this.els = els;
    this.page = page;
    this.writeURL = writeURL;
    this.redraw = redraw;
    // Sizes of the graph and the timeline as the browser last laid them
    // out, from observers: drawing reads no layout (which would force
    // one). The graph gets its box's size in pixels: a picture of a fixed
    // size is laid out once, where one sized as a share of its box would
    // have all its text laid out again whenever anything else changes.
    this.sizes = { graph: null, timeline: 0 };
    this.graphBox = els.graph.parentElement;
    this.tl = null; // the timeline's geometry
    this.tlFor = -1; // the step count it was drawn for (-2: a whole run)
    this.line = 0; // the code line in view
    this.last = {}; // what was drawn last, and when
  }

  /** stale has the timeline drawn afresh (the log, the size or the look changed). */
  stale() {
    this.tlFor = -1;
  }

  /** timelineStep is the step under a click on the timeline, or null. */
  timelineStep(e) {
    return this.tl ? stepAtClick(this.els.timeline, this.tl, e) : null;
  }

  /** lineToView has the next drawing bring the current line into view. */
  lineToView() {
    this.line = 0;
  }

  /** forget has the next drawing draw the graph and the code afresh. */
  forget() {
    this.els.graph.replaceChildren();
    forgetCode(this.els.code);
  }

  watchSizes() {
    if (this.watching || typeof ResizeObserver !== "function") return;
    this.watching = true;
    const watch = new ResizeObserver((entries) => {
      let redraw = false;
      for (const e of entries) {
        const { width, height } = e.contentRect;
        if (e.target === this.graphBox) {
          const g = this.sizes.graph;
          redraw ||= !g || Math.abs(g.width - width) >= 1 || Math.abs(g.height - height) >= 1;
          this.sizeGraph({ width, height });
        } else if (Math.round(width) !== this.sizes.timeline) {
          this.sizes.timeline = Math.round(width);
          this.tlFor = -1;
          redraw = true;
        }
      }
      if (redraw) this.redrawSoon();
    });
    watch.observe(this.graphBox);
    watch.observe(this.els.timeline);
  }

  sizeGraph(size) {
    this.sizes.graph = size;
    this.els.graph.style.width = `${Math.floor(size.width)}px`;
    this.els.graph.style.height = `${Math.floor(size.height)}px`;
  }

  /** preparedFor says whether every snapshot of log the page takes when idle is taken. */
  preparedFor(log) {
    return this.last.prepared === log;
  }

  redrawSoon() {
    if (this.redrawFrame) return;
    this.redrawFrame = requestAnimationFrame(() => {
      this.redrawFrame = 0;
      this.redraw();
    });
  }

  /** draw draws the state on screen; prev is the one drawn before it. */
  draw({ prev = null, animate = false, dragging = false }) {
    const { log, cur: s, lay, who, playing } = this.page();
    const { els, last: was } = this;
    const speed = this.page().speed || DEFAULT_SPEED;
    const n = log.events.length;
    const atEnd = s.step === n && !!log.outcome;
    const outcome = log.outcome;
    const dead = atEnd && outcome && ["deadlock", "leak"].includes(outcome.outcome) ? new Set((outcome.blocked ?? []).map((b) => b.g)) : new Set();
    const canChoose = !s.ended && s.step < n + (log.outcome ? 0 : 1);
    const run = runnable(s);
    const choosable = canChoose && run.length >= 2 ? new Set(run.filter((id) => id !== s.running)) : new Set();
    const fastPlay = playing && speed > FAST_ABOVE;
    const now = () => performance.now();

    // The graph, fitted to its box and changed only where the state did.
    this.watchSizes();
    if (!this.sizes.graph) this.sizeGraph({ width: this.graphBox.clientWidth, height: this.graphBox.clientHeight });
    const fitted = fit(lay, this.sizes.graph.width, this.sizes.graph.height);
    renderGraph(els.graph, fitted, s, log, { names: who, outcome, atEnd, choosable, canResize: s.step < n });
    if (animate && prev && s.last && prev.step === s.step - 1) animateToken(els.graph, fitted, s.last, Math.min(TOKEN_MS, TOKEN_SPAN / speed));
    // The code's badges. Playing fast or dragging the slider, ten times a
    // second is as often as anyone reads them, and each change repaints
    // the lines they are on (most of what the browser painted in a frame);
    // the last step is drawn when the page stops.
    clearTimeout(was.codeLater);
    if (!(dragging || fastPlay) || now() - (was.codeAt ?? 0) >= BADGES_EVERY) {
      was.codeAt = now();
      this.drawCode(s, dead, { scroll: !dragging && (!playing || speed <= READ_UP_TO) });
    } else {
      was.codeLater = setTimeout(() => this.page().cur === s && this.drawCode(s, dead, { scroll: false }), BADGES_LATE);
    }

    // Console up to this step.
    if (s.prints !== was.prints || log !== was.printsLog) {
      const lines = consoleAt(log, s);
      els.console.innerHTML = lines.map((p) => `<span class="${p.stream}">${escapeHTML(p.text)}</span>`).join("");
      els.console.scrollTop = els.console.scrollHeight;
      was.prints = s.prints;
      was.printsLog = log;
    }

    // Timeline: drawn once per log (and size); the current step moves on it.
    this.drawTimeline(log, who);
    moveNow(els.timeline, this.tl, s.step);

    // Transport. Playing fast, ten times a second is as often as anyone
    // reads a number (and each change costs the page a repaint).
    if (!(fastPlay && now() - (was.transportAt ?? 0) < COUNTER_EVERY)) {
      was.transportAt = now();
      if (els.scrub.max !== String(n)) els.scrub.max = String(n);
      if (els.scrub.value !== String(s.step)) els.scrub.value = String(s.step);
      els.scrub.setAttribute("aria-valuetext", `step ${s.step} of ${n}`);
      setText(els.stepNo, `step ${s.step} / ${n}${log.outcome ? "" : "+"}`);
      setText(els.vtime, `t = ${duration(s.time)}`);
    }

    // Narration: the event that led here. Playing fast or dragging the
    // slider, a few sentences a second are all anyone reads (and each costs
    // a layout of the page).
    const live = (playing && speed > READ_UP_TO) || dragging ? "off" : "polite";
    if (els.narration.getAttribute("aria-live") !== live) els.narration.setAttribute("aria-live", live);
    let said;
    if ((fastPlay || dragging) && now() - (was.saidAt ?? 0) < NARRATION_EVERY) {
      said = was.said;
    } else if (s.last) {
      const before = prev && prev.step === s.step - 1 ? prev : stateAt(log, s.step - 1);
      said = `<span class="step-tag">step ${s.step}</span> ${escapeHTML(narrate(s.last, before, s, who))}`;
    } else {
      said = `<span class="step-tag">step 0</span> main is about to start. Press <kbd>space</kbd> to play or <kbd>→</kbd> to step.`;
    }
    if (said !== was.said) {
      els.narration.innerHTML = was.said = said;
      was.saidAt = now();
    }

    // Who runs next, when there is a choice. While the slider is dragged
    // the offer keeps its place, unseen, until it is let go: coming and
    // going, it would resize the graph (and have it drawn again) at each
    // step of the drag.
    if (els.choose.inert !== dragging) {
      els.choose.style.visibility = dragging ? "hidden" : "";
      els.choose.inert = dragging;
    }
    if (!dragging) this.drawChoice(playing ? [] : [...choosable], who);

    // The outcome, when it (or the names in it) changed.
    if (was.outcomeOf?.atEnd !== atEnd || was.outcomeOf.outcome !== log.outcome || was.outcomeOf.who !== who) {
      this.drawOutcome(log.outcome, atEnd, who);
      was.outcomeOf = { atEnd, outcome: log.outcome, who };
    }
    // Snapshots of the whole run, taken while the page is idle, so that a
    // jump anywhere folds at most a few hundred events. Not while it plays:
    // playing needs none, and the snapshots (large, and kept) would make the
    // garbage collector's pauses longer, and frames late.
    if (log.outcome && was.preparing !== log) {
      was.preparing = log;
      const idle = window.requestIdleCallback ?? ((f) => setTimeout(() => f({ timeRemaining: () => 2 * IDLE_MARGIN }), 50));
      const more = (deadline) => {
        if (was.preparing !== log) return;
        if (this.page().playing) return setTimeout(() => idle(more), IDLE_RETRY);
        const end = performance.now() + IDLE_SLICE;
        while (deadline.timeRemaining() > IDLE_MARGIN && performance.now() < end) if (prepare(log, SNAPSHOT_BATCH)) return void (was.prepared = log);
        idle(more);
      };
      idle(more);
    }
    // The URL: at once when still; while playing or dragging the slider,
    // when the page is idle (history.replaceState makes the browser lay the
    // page out, which costs a frame's worth of time), at most once a second,
    // always with the step on screen then.
    if (!playing && !dragging) this.writeURL();
    else if (!was.urlSoon) {
      const later = window.requestIdleCallback ?? ((f) => setTimeout(f, URL_EVERY / 5));
      was.urlSoon = true;
      setTimeout(() => later(() => {
        was.urlSoon = false;
        this.writeURL();
      }, { timeout: URL_EVERY }), URL_EVERY);
    }
  }

  // drawTimeline draws the lanes folded so far: while the run streams in,
  // at most every TIMELINE_EVERY ms; once they cover the whole run, once.
  // The lanes are folded in idle time, a piece at a time (foldLanesSoon):
  // folding a long run at once would hold up the page for seconds.
  drawTimeline(log, who) {
    const n = log.events.length;
    if (n === 0 && !log._lanes) [log._lanes, log._lanesAt] = [lanes(log), 0];
    const folded = log._lanesAt ?? 0;
    if (folded < n) this.foldLanesSoon(log);
    const whole = folded === n && !!log.outcome;
    if (whole) delete log._lanesLog; // the fold's own state, kept to go on with a growing log
    const was = this.last;
    const due = whole ? this.tlFor !== -2 : folded > 0 && this.tlFor !== folded && performance.now() - (was.tlAt ?? 0) > TIMELINE_EVERY;
    if (!due) return;
    was.tlAt = performance.now();
    if (!this.sizes.timeline) this.sizes.timeline = Math.round(this.els.timeline.getBoundingClientRect().width);
    this.tl = drawTimeline(this.els.timeline, log._lanes, who, { width: this.sizes.timeline, ticks: timeTicks({ length: folded, at: (i) => log.events.at(i) }) });
    this.tlFor = whole ? -2 : folded;
  }

  // foldLanesSoon folds the log's lanes on in idle time, as many events at
  // a time as the idle period has room for (by the cost per event measured
  // so far), and draws the timeline when they have caught up with the log.
  foldLanesSoon(log) {
    if (this.lanesFor === log) return;
    this.lanesFor = log;
    // lanes (fold.js) folds a log's events from where it stopped: give it
    // the log with its events cut at the bound, keeping its own fold state
    // until the whole run is folded.
    const bounded = (log._lanesLog ??= Object.create(log, { _lanesFold: { value: undefined, writable: true } }));
    const idle = window.requestIdleCallback ?? ((f) => setTimeout(() => f({ timeRemaining: () => 2 * IDLE_MARGIN }), 50));
    const more = (deadline) => {
      if (this.lanesFor !== log) return;
      const n = log.events.length;
      const from = log._lanesAt ?? 0;
      if (from >= n) {
        this.lanesFor = null;
        const { cur, who } = this.page();
        if (this.page().log === log && cur) {
          this.drawTimeline(log, who);
          moveNow(this.els.timeline, this.tl, cur.step);
        }
        return;
      }
      const budget = Math.min(IDLE_SLICE, deadline.timeRemaining() - IDLE_MARGIN);
      if (budget > 0) {
        const to = Math.min(n, from + Math.max(LANES_LEAST, Math.floor(budget / (log._lanesCost ?? LANES_GUESS))));
        const t0 = performance.now();
        bounded.events = { length: to, at: (i) => log.events.at(i) };
        // The timeline draws the first MAXLANES lanes: the others' changes
        // (most of a million in a long run) are not kept.
        const all = lanes(bounded);
        log._lanes = { ...all, lanes: all.lanes.map((l, i) => (i < MAXLANES ? l : { ...l, changes: [] })) };
        log._lanesAt = to;
        log._lanesCost = Math.max(LANES_GUESS / 100, (performance.now() - t0) / (to - from));
      }
      idle(more);
    };
    idle(more);
  }

  // drawCode marks each goroutine's line of state s, and the current
  // event's line, which it brings into view if scroll and it changed.
  drawCode(s, dead, { scroll }) {
    const { log, who } = this.page();
    const evLine = s.last ? lineOf(log, s.last.site) : 0;
    markCode(this.els.code, s, who, { scroll: scroll && evLine !== this.line, lineOfEvent: evLine, dead });
    this.line = evLine;
  }

  drawOutcome(o, atEnd, who) {
    const { badge, banner } = this.els;
    const b = badgeOf(o);
    badge.className = b.cls;
    badge.innerHTML = b.html;
    if (b.title !== null) badge.title = b.title;
    if (!atEnd || !o) {
      banner.hidden = true;
      return;
    }
    const m = bannerOf(o, who);
    banner.className = m.cls;
    banner.innerHTML = m.html;
    banner.hidden = false;
  }

  // drawChoice offers the goroutines that could run next, or hides the
  // offer when there are none.
  drawChoice(ids, who) {
    const choose = this.els.choose;
    if (!ids.length) {
      choose.hidden = true;
      return;
    }
    const html = choiceHTML(ids, who);
    if (html === this.choiceWas && !choose.hidden) return; // keep the focus and the selection
    this.choiceWas = html;
    choose.innerHTML = html;
    choose.hidden = false;
  }
}
