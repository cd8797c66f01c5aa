// trace.js: a run as a Chrome trace (the JSON Object Format), one track
// per goroutine, hand-offs as flows, for ui.perfetto.dev and
// chrome://tracing. Pure: tested with node (testkit.js checks a trace
// against the format's rules, as viewers enforce them).

import { lanes, initialState, applyInPlace, printsOf } from "./fold.js";
import { names as goroutineNames } from "./runlog.js";
import { POLICIES } from "./vocab.js";

/** STEP_US is the length of a step on the trace's time axis, in microseconds. */
export const STEP_US = 1;

// Chrome's reserved colour names for the states, so chrome://tracing draws
// them as it draws thread states (Perfetto picks its own colours).
const STATE_COLOR = {
  running: "thread_state_running",
  runnable: "thread_state_runnable",
  blocked: "thread_state_uninterruptible",
  sleeping: "thread_state_sleeping",
  done: "grey",
};

/**
 * traceOf returns the run as a Chrome trace (JSON Object Format) for
 * ui.perfetto.dev and chrome://tracing. One process (pid 1) named title;
 * a thread per goroutine (tid = goroutine id) named as the page names it
 * (names, from fold.js names(log)) and sorted by id; the goroutine's states
 * (fold.js lanes) as complete events named running, runnable, blocked,
 * sleeping or done; hand-offs as flow arrows from sender to receiver;
 * prints and the outcome as instant events.
 *
 * The time axis counts steps, not time: 1 step = STEP_US µs, and the state
 * after s events (step s) spans [s, s+1), so the last state has a width
 * too. Virtual time is in each slice's args (time_ns) and in otherData.
 */
export function traceOf(log, names = goroutineNames(log), { title } = {}) {
  const sum = lanes(log);
  const n = sum.steps;
  const ids = new Set(sum.lanes.map((l) => l.id));
  const why = reasons(log, sum);
  const out = [meta("process_name", 1, { name: title || log.recorded?.scenario?.title || log.run?.scenario || "concviz run" })];
  for (const lane of sum.lanes) {
    out.push(meta("thread_name", lane.id, { name: names?.get(lane.id) ?? lane.name }));
    out.push(meta("thread_sort_index", lane.id, { sort_index: lane.id }));
    out.push(...slicesOf(log, lane, n + 1, why));
  }
  out.push(...flowsOf(log, sum.handoffs));
  out.push(...printMarks(log, ids));
  if (log.outcome) out.push(outcomeInstant(log.outcome, n));
  return { traceEvents: out, displayTimeUnit: "ms", otherData: otherDataOf(log, n) };
}

// meta is a metadata event. Every event carries pid, tid and ts, as
// Chrome's own traces do; a process's metadata sits on main's thread.
function meta(name, tid, args) {
  return { name, ph: "M", pid: 1, tid, ts: 0, args };
}

const timeAt = (log, step) => (step > 0 ? log.events.at(step - 1)[0] : 0);

// slicesOf turns a lane's changes into complete events up to end.
function slicesOf(log, lane, end, why) {
  const out = [];
  const { steps, states } = lane;
  steps.forEach((from, k) => {
    const st = states[k];
    const to = k + 1 < steps.length ? steps[k + 1] : end;
    if (to <= from) return;
    const args = { first_step: from, last_step: to - 1, time_ns: timeAt(log, from), ...why.get(`${lane.id}@${from}`) };
    out.push({ name: st, cat: "state", ph: "X", pid: 1, tid: lane.id, ts: from * STEP_US, dur: (to - from) * STEP_US, cname: STATE_COLOR[st] ?? "generic_work", args });
  });
  return out;
}

// reasons folds the run once to say why a goroutine blocked or slept where
// its lane says it did: {reason, line} by "id@step".
function reasons(log, sum) {
  const want = new Map(); // step -> goroutine ids
  for (const lane of sum.lanes) {
    lane.states.forEach((st, k) => {
      if (st === "blocked" || st === "sleeping") want.set(lane.steps[k], [...(want.get(lane.steps[k]) ?? []), lane.id]);
    });
  }
  const out = new Map();
  const s = initialState(log.run);
  for (let step = 0; step <= sum.steps; step++) {
    if (step > 0) applyInPlace(s, log.events.at(step - 1), log);
    for (const id of want.get(step) ?? []) {
      const x = s.gs[id];
      if (x?.reason) out.set(`${id}@${step}`, x.line ? { reason: x.reason, line: x.line } : { reason: x.reason });
    }
  }
  return out;
}

// flowsOf draws each hand-off as a flow from the sender's slice to the
// receiver's. Both ends sit inside the step's slot (a quarter and three
// quarters in), where a slice encloses them on each track: viewers bind a
// flow to the slice around it and drop one that has none.
function flowsOf(log, handoffs) {
  const out = [];
  handoffs.forEach((h, i) => {
    const name = "hand-off";
    const args = { channel: log.objects.get(h.obj)?.name ?? `object ${h.obj}`, value: String(log.events.at(h.step - 1)?.[5] ?? ""), step: h.step };
    out.push({ name, cat: "handoff", ph: "s", id: i + 1, pid: 1, tid: h.from, ts: (h.step + 0.25) * STEP_US, args });
    out.push({ name, cat: "handoff", ph: "f", bp: "e", id: i + 1, pid: 1, tid: h.to, ts: (h.step + 0.75) * STEP_US });
  });
  return out;
}

// printMarks marks each line printed on its goroutine's track.
function printMarks(log, ids) {
  return printsOf(log)
    .filter((p) => ids.has(p.g))
    .map((p) => ({ name: "print", cat: "output", ph: "i", s: "t", pid: 1, tid: p.g, ts: (p.seq + 1.5) * STEP_US, args: { text: p.text, stream: p.stream } }));
}

function outcomeInstant(o, n) {
  return { name: `outcome: ${o.outcome}`, cat: "outcome", ph: "i", s: "g", pid: 1, tid: 1, ts: (n + 0.5) * STEP_US, args: { outcome: o.outcome, message: o.message ?? "" } };
}

function otherDataOf(log, n) {
  const rec = log.recorded;
  return {
    format: "concviz trace",
    version: 1,
    scenario: rec?.scenario?.id ?? log.run?.scenario ?? "",
    seed: rec?.settings?.seed ?? log.run?.seed ?? 1,
    policy: rec?.settings?.policy ?? log.run?.policy ?? POLICIES[0],
    steps: n,
    outcome: log.outcome?.outcome ?? "",
    time_axis: `${STEP_US} µs = 1 step: the state after s events spans [s, s+1) steps; a slice's args give its steps and the virtual time (time_ns) it starts at`,
  };
}
