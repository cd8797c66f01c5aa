// explore.js: the "What can happen?" panel's model. An exploration's result
// (the `result` line of POST /explore, PROTOCOL.md "Exploring schedules":
// explore.Result as JSON) becomes bars to draw, a sentence about the search,
// and the outcome each "Find" button picks; departure finds the step at
// which a replayed schedule's run leaves the run on screen. Pure: no DOM,
// tested with node; whatcan.js draws it.

import { kindName } from "./runlog.js";

/**
 * bars lists the result's outcomes as the panel draws them, most frequent
 * first: a label a person reads, the count and share of schedules, whether
 * it is a failure, and whether it is how the run on screen ended (current:
 * {outcome, stdout} of that run, or null).
 */
export function bars(result, current = null) {
  const outs = result?.outcomes ?? [];
  const total = outs.reduce((n, o) => n + o.schedules, 0) || 1;
  return outs
    .map((o, i) => ({
      index: i,
      label: label(o),
      outcome: o.outcome,
      count: o.schedules,
      share: o.schedules / total,
      failure: isFailure(o),
      current: current != null && sameEnd(o, current),
      schedule: o.schedule ?? [],
    }))
    .sort((a, b) => b.count - a.count || a.index - b.index);
}

// isFailure: an end a user would call a bug (explore.Outcome.Failure).
function isFailure(o) {
  return o.outcome !== "ok" && (o.outcome !== "exit" || o.exitCode !== 0);
}

function sameEnd(o, current) {
  return o.outcome === current.outcome && o.stdout === (current.stdout ?? "");
}

// label: how the run ended, then what it printed, each cut to a line.
function label(o) {
  const printed = o.stdout === "" ? "prints nothing" : `prints ${oneLine(o.stdout)}`;
  if (o.outcome === "ok") return printed;
  const first = (o.message ?? "").split("\n")[0];
  return `${o.outcome}${first ? `: ${first}` : ""} · ${printed}`;
}

// oneLine shows a program's output on one line: its lines joined by " ⏎ ".
function oneLine(s) {
  return s.replace(/\n$/, "").split("\n").join(" ⏎ ");
}

/** summary says what the search covered, as the panel's caption. */
export function summary(result) {
  if (!result) return "";
  const n = `${result.schedules} schedule${result.schedules === 1 ? "" : "s"}`;
  const k = result.outcomes?.length ?? 0;
  const ends = `${k} outcome${k === 1 ? "" : "s"}`;
  if (result.mode === "pct") return `${n} drawn at random (PCT, depth ${result.bound}): ${ends} found, not every one that can happen`;
  const bound = `at most ${result.bound} forced switch${result.bound === 1 ? "" : "es"}`;
  if (result.complete) return `every schedule with ${bound} (${n}, reordering of independent steps counted once): ${ends}`;
  const why = result.stopped ? ` (${result.stopped})` : "";
  return `${n} with ${bound}, not all of them${why}: ${ends} so far`;
}

/**
 * find picks the outcome a "Find" button asks for: "deadlock", "panic", or
 * "different" (an end or output other than the run on screen's). It
 * returns the bar, or null when the search found none.
 */
export function find(result, what, current = null) {
  const list = bars(result, current);
  const ok = {
    deadlock: (b) => b.outcome === "deadlock",
    panic: (b) => b.outcome === "panic",
    different: (b) => !b.current,
  }[what];
  if (!ok) throw new Error(`find: no button “${what}”`);
  return list.find(ok) ?? null;
}

/**
 * departure returns the first step at which two logs' events differ (the
 * step to show when a replayed schedule is loaded beside the run it
 * replaces), or the shorter length if one is the other's start.
 */
export function departure(a, b) {
  const n = Math.min(a.events.length, b.events.length);
  for (let i = 0; i < n; i++) {
    if (!sameEvent(a.events.at(i), b.events.at(i))) return i;
  }
  return n;
}

// sameEvent compares what a person sees of an event: who did what to which
// object, with which value.
function sameEvent(x, y) {
  return x[1] === y[1] && kindName(x[2]) === kindName(y[2]) && x[3] === y[3] && x[4] === y[4] && String(x[5]) === String(y[5]);
}

/** FINDS are the "Find" buttons' searches: what `until` asks the server to stop at. */
export const FINDS = Object.freeze(["deadlock", "panic", "different"]);

/**
 * exploreRequest is POST /explore's body for the page's settings: the run's
 * inputs (its policy and interventions are the search's business), and for
 * a "Find" button (what, one of FINDS; "all" for every schedule) where to
 * stop; "different" differs from current, the run on screen's
 * {outcome, stdout}.
 */
export function exploreRequest(scenario, settings, what = "all", current = null) {
  const body = { scenario, seed: settings.seed };
  if (Object.keys(settings.knobs ?? {}).length) body.knobs = settings.knobs;
  if (Object.keys(settings.caps ?? {}).length) body.caps = settings.caps;
  if (what === "all") return body;
  if (!FINDS.includes(what)) throw new Error(`exploreRequest: no button “${what}”`);
  body.until = what;
  if (what === "different") body.current = { outcome: current?.outcome ?? "", stdout: current?.stdout ?? "" };
  return body;
}

/**
 * lines reads a stream of bytes (a fetch response's body) as JSON lines,
 * yielding each object as its line ends.
 */
export async function* lines(stream) {
  const dec = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    rest += dec.decode(chunk, { stream: true });
    let nl;
    while ((nl = rest.indexOf("\n")) >= 0) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (line) yield JSON.parse(line);
    }
  }
  rest += dec.decode();
  if (rest.trim()) yield JSON.parse(rest);
}

/** progressText says how far a search under way has come (a `progress` line). */
export function progressText(p) {
  const n = `${p.schedules} schedule${p.schedules === 1 ? "" : "s"}`;
  return `Exploring… ${n} with at most ${p.bound} forced switch${p.bound === 1 ? "" : "es"}, ${p.outcomes} outcome${p.outcomes === 1 ? "" : "s"} so far`;
}

// The words of each search, for what it found or did not.
const FOUND = { deadlock: "a deadlock", panic: "a panic", different: "an outcome other than the run on screen" };

/**
 * foundText says what a "Find" search came to: the bar it found (from
 * find), or that there is none within the bound, or none in what it ran.
 */
export function foundText(result, what, bar) {
  if (bar) return `Found ${FOUND[what]}: ${bar.label}.`;
  if (result.complete) return `No schedule with at most ${result.bound} forced switch${result.bound === 1 ? "" : "es"} has ${FOUND[what]}.`;
  return `No ${FOUND[what].replace(/^an? /, "")} in the ${result.schedules} schedules explored${result.stopped ? ` (${result.stopped})` : ""}.`;
}
