// transport.js: the transport bar (play, step, restart, end, the slider),
// a click on the timeline, and the keyboard. It touches the document it
// is given when bound (nothing at import); what each control does is the
// page's.

/** KEYS are the keys that move through the run, and what each does. */
export const KEYS = { " ": "toggle", ArrowLeft: "back", ArrowRight: "forward", Home: "start", End: "end" };
/** PROJECTOR_KEY toggles projector mode. */
export const PROJECTOR_KEY = "p";

/**
 * keyAction is what a key press asks for (a KEYS action, or "projector"),
 * or "" for one the page leaves alone: typing in a field, with a
 * modifier, or space and Enter on a button (which press the button).
 */
export function keyAction(e) {
  if (e.target.closest("input, select, textarea") || e.ctrlKey || e.metaKey || e.altKey) return "";
  if (e.target.closest("button") && (e.key === " " || e.key === "Enter")) return "";
  return Object.hasOwn(KEYS, e.key) ? KEYS[e.key] : e.key === PROJECTOR_KEY ? "projector" : "";
}

/**
 * bindTransport wires doc's transport controls to the page's actions:
 * toggle, back, forward, restart, start, end, projector; scrub(step) while
 * the slider is dragged and scrubbed() when it is let go; timeline(e) for
 * a click on the timeline.
 */
export function bindTransport(doc, act) {
  const $ = (sel) => doc.querySelector(sel);
  $("#play").addEventListener("click", () => act.toggle());
  $("#back").addEventListener("click", () => act.back());
  $("#fwd").addEventListener("click", () => act.forward());
  $("#restart").addEventListener("click", () => act.restart());
  $("#end").addEventListener("click", () => act.end());
  // While the slider is dragged, the URL, the choice of who runs next and
  // the code panel's scrolling wait until it is let go: writing the URL
  // costs the page a layout each time, a choice coming and going would
  // resize the graph at each step, and the code would jump about.
  const scrub = $("#scrub");
  scrub.addEventListener("input", () => act.scrub(Number(scrub.value)));
  scrub.addEventListener("change", () => act.scrubbed());
  $("#timeline").addEventListener("click", (e) => act.timeline(e));
  doc.addEventListener("keydown", (e) => {
    const a = keyAction(e);
    if (!a) return;
    e.preventDefault();
    act[a]();
  });
}
