// room.js: presenting a run to a class and following one (PROTOCOL.md,
// "Rooms"). The presenter's page publishes its view (the run's inputs and
// the step on screen); a viewer's page applies the latest view it gets.
// Runs are pure functions of their inputs, so a view is all a viewer needs.
//
// The pure parts (codes, views, what changed) are tested with node; the
// Room class speaks to the server through the page's send function.

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford's base32

/**
 * normalizeCode reads a room code as the server does: case-insensitive,
 * without dashes or spaces, with I and L read as 1 and O as 0. It returns
 * "" for anything that cannot be a code.
 */
export function normalizeCode(text) {
  const c = String(text ?? "")
    .toUpperCase()
    .replace(/[\s-]/g, "")
    .replace(/[IL]/g, "1")
    .replace(/O/g, "0");
  if (c.length !== 8) return "";
  for (const ch of c) if (!ALPHABET.includes(ch)) return "";
  return c;
}

/** formatCode shows a code in two groups of four, "ABCD-EFGH", for reading aloud. */
export function formatCode(code) {
  const c = normalizeCode(code);
  return c ? `${c.slice(0, 4)}-${c.slice(4)}` : String(code ?? "");
}

/**
 * viewOf is what a presenter publishes: the run's inputs and where the
 * page is in it, in the shape PROTOCOL.md gives a view.
 */
export function viewOf(scenario, settings, { step, playing, speed }) {
  return {
    scenario,
    seed: settings.seed,
    policy: settings.policy,
    knobs: { ...settings.knobs },
    caps: { ...settings.caps },
    interventions: settings.interventions.map((iv) => ({ ...iv })),
    step,
    playing: !!playing,
    speed: Number(speed) || 8,
  };
}

const sortedEntries = (o) => Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const sameObject = (a, b) => JSON.stringify(sortedEntries(a)) === JSON.stringify(sortedEntries(b));
/** ivText writes an intervention as links and rooms spell it: "12:r4", "41:c2=0" or "30:s1" (engine.InterventionSpec.String). */
export const ivText = (iv) => (iv.run ? `${iv.step}:r${iv.run}` : iv.case !== undefined ? `${iv.step}:s${iv.case}` : `${iv.step}:c${iv.chan}=${iv.cap}`);

/**
 * sameRun says whether a view asks for the run the settings already make
 * (so only the step may differ): same seed, policy, knobs, caps and
 * interventions. Missing maps and empty ones are the same.
 */
export function sameRun(settings, view) {
  return (
    settings.seed === view.seed &&
    settings.policy === view.policy &&
    sameObject(settings.knobs, view.knobs) &&
    sameObject(settings.caps, view.caps) &&
    (settings.interventions ?? []).map(ivText).join() === (view.interventions ?? []).map(ivText).join()
  );
}

/**
 * settingsOf turns a view into the page's settings object (a fresh copy,
 * so the page may change it without touching the view).
 */
export function settingsOf(view, base = {}) {
  return {
    ...base,
    seed: view.seed,
    policy: view.policy,
    knobs: { ...(view.knobs ?? {}) },
    caps: { ...(view.caps ?? {}) },
    interventions: (view.interventions ?? []).map((iv) => ({ ...iv })),
  };
}

/** publishKey is a view's identity for "has anything changed since I last sent it". */
export function publishKey(view) {
  return JSON.stringify([view.scenario, view.seed, view.policy, sortedEntries(view.knobs), sortedEntries(view.caps), (view.interventions ?? []).map(ivText), view.step, view.playing, view.speed]);
}

const STORE = "concviz.room";

/**
 * Room is the page's side of a room. `send` sends a protocol message;
 * `onChange` is called whenever what the room bar shows changes; `apply`
 * is called with each view a viewer should show.
 */
export class Room {
  constructor({ send, onChange = () => {}, apply = () => {}, storage = globalThis.sessionStorage }) {
    this.send = send;
    this.onChange = onChange;
    this.apply = apply;
    this.storage = storage;
    this.role = ""; // "presenter", "viewer", or "" outside a room
    this.code = "";
    this.secret = "";
    this.url = "";
    this.viewers = 0;
    this.following = false; // a viewer that has not detached
    this.latest = null; // the newest view a viewer got
    this.closed = null; // how the last room ended ({reason, role, code}), until shown
    this.sentKey = "";
    this.timer = null;
    this.queued = null;
    this.lastSent = 0;
  }

  /** saved returns the room this tab presents, if any ({code, secret}). */
  saved() {
    try {
      const r = JSON.parse(this.storage?.getItem(STORE) ?? "null");
      return r && typeof r.code === "string" && typeof r.secret === "string" ? r : null;
    } catch {
      return null;
    }
  }

  forget() {
    try {
      this.storage?.removeItem(STORE);
    } catch {}
  }

  /** present opens a room for this scenario. */
  present(scenario) {
    this.send({ type: "present", scenario });
  }

  /** claim takes up a room this tab presented before (after a reload). */
  claim() {
    const r = this.saved();
    if (!r) return false;
    this.send({ type: "claim", code: r.code, secret: r.secret });
    return true;
  }

  /** follow joins a room as a viewer. */
  follow(code) {
    this.code = normalizeCode(code) || code;
    this.role = "viewer";
    this.following = true;
    this.send({ type: "follow", code: this.code });
    this.onChange();
  }

  /** detach stops applying the presenter's views (the viewer explores alone). */
  detach() {
    if (this.role !== "viewer" || !this.following) return;
    this.following = false;
    this.onChange();
  }

  /** refollow applies the presenter's latest view again and keeps following. */
  refollow() {
    if (this.role !== "viewer") return;
    this.following = true;
    this.onChange();
    if (this.latest) this.apply(this.latest);
  }

  /** stop ends the room (presenter) or leaves it (viewer). */
  stop() {
    if (this.role === "presenter") this.send({ type: "close", code: this.code, secret: this.secret });
    else if (this.role === "viewer") this.send({ type: "unfollow" });
    this.forget();
    this.reset();
  }

  reset() {
    clearTimeout(this.timer);
    this.role = "";
    this.code = this.secret = this.url = "";
    this.viewers = 0;
    this.following = false;
    this.latest = null;
    this.sentKey = "";
    this.onChange();
  }

  /**
   * publish sends the presenter's view, unless it is the one sent last.
   * Views go out at most every 40 ms; the newest one always goes.
   */
  publish(view) {
    if (this.role !== "presenter") return;
    const key = publishKey(view);
    if (key === this.sentKey && !this.queued) return;
    this.queued = view;
    const wait = Math.max(0, this.lastSent + 40 - Date.now());
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), wait);
  }

  flush() {
    this.timer = null;
    const v = this.queued;
    this.queued = null;
    if (!v || this.role !== "presenter") return;
    const key = publishKey(v);
    if (key === this.sentKey) return;
    this.sentKey = key;
    this.lastSent = Date.now();
    this.send({ type: "view", code: this.code, secret: this.secret, view: v });
  }

  /**
   * onMessage takes the server's room messages; it returns true when the
   * message was one of them.
   */
  onMessage(m) {
    switch (m.type) {
      case "room":
        this.role = m.role;
        this.code = m.code;
        this.closed = null;
        this.url = m.url ?? "";
        this.viewers = m.viewers ?? 0;
        if (m.role === "presenter") {
          const r = this.saved();
          if (r?.code === m.code) this.secret = r.secret;
          if (m.secret) this.secret = m.secret;
          try {
            this.storage?.setItem(STORE, JSON.stringify({ code: this.code, secret: this.secret }));
          } catch {}
          this.sentKey = ""; // a reconnected presenter publishes again
        }
        this.onChange();
        return true;
      case "view":
        if (this.role !== "viewer" && this.role !== "") return true;
        if (m.code !== this.code) return true;
        this.latest = m.view;
        if (this.following) this.apply(m.view);
        this.onChange();
        return true;
      case "viewers":
        if (m.code === this.code) this.viewers = m.count;
        this.onChange();
        return true;
      case "room.closed": {
        if (m.code !== this.code) return true;
        const was = this.role;
        if (was === "presenter") this.forget();
        this.reset();
        this.closed = { reason: m.reason, role: was, code: m.code };
        this.onChange();
        return true;
      }
    }
    return false;
  }
}
