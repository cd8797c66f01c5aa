// edit.js: the page's own programs (PROTOCOL.md, "Programs from the
// page"). "Edit" turns the code panel into the editor (editor.js), "Run"
// builds the text (POST /build, program.js) and opens the built program's
// page, /s/{id}, with the source in the link's fragment: that page is a
// scenario's in every way (the server draws it, highlighted, with its
// channels and knobs as controls), so runs, steps, rooms, links and
// exports of an edited program are the catalog's own. "Reset" goes back to
// the program the editing started from; "New program" starts from a
// template.

import { Editor, TEMPLATE } from "./editor.js";
import { build, encodeSource, errorText, isProgramID, programPath } from "./program.js";
import { urlQuery } from "./settings.js";
import { escapeHTML as esc } from "./html.js";

// sessionStorage keys: the scenario each program was edited from (for
// Reset), and the Run that opened this page (to say how long it took).
const FROM = "concviz.edit.from";
const RUN = "concviz.edit.run";

const stored = (key, fallback) => {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? "null") ?? fallback;
  } catch {
    return fallback;
  }
};
const store = (key, v) => {
  try {
    sessionStorage.setItem(key, JSON.stringify(v));
  } catch {}
};

/**
 * carried is the query of a new program's page: the seed, policy and
 * projector mode of this one, and the buffers and knobs the new program
 * still has (by name, within its ranges). Interventions named steps of
 * another program, so they go.
 */
export function carried(settings, knobs, projector) {
  const keep = (values, ks) => Object.fromEntries(Object.entries(values).filter(([n, v]) => ks.some((k) => k.name === n && v >= (k.min ?? 0) && v <= k.max)));
  const caps = keep(settings.caps, knobs.filter((k) => k.kind === "cap"));
  const others = keep(settings.knobs, knobs.filter((k) => k.kind !== "cap"));
  return urlQuery({ ...settings, caps, knobs: others, interventions: [] }, knobs, { step: 0, projector });
}

/** runFigures says how long a Run took to its first event, for the code panel's status. */
export function runFigures(run, firstEventAt) {
  const s = (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);
  return `${run.cached ? "Built before" : `Built in ${s(run.buildMs)}`}; first event ${s(firstEventAt - run.at)} after Run.`;
}

/** shownSource is the program on the page, read from the code panel's lines. */
export function shownSource(doc) {
  return [...doc.querySelectorAll("#source .line .lc")].map((l) => l.textContent).join("\n") + "\n";
}

/**
 * exportedScenario is the scenario an export names: a program from the
 * page's carries its source (EXPORT.md), as its link does, for it is in no
 * catalog.
 */
export function exportedScenario(doc, data) {
  return isProgramID(data.id) ? { ...data, source: shownSource(doc) } : data;
}

/**
 * bindEditing adds the editing controls to the code panel. page gives:
 * data (the scenario data), settings() (the run's settings), notice(html,
 * kind), detach() (a following viewer who edits explores alone).
 */
export function bindEditing(doc, page) {
  const { data } = page;
  const panel = doc.querySelector("section.code");
  const pre = panel?.querySelector("pre.source");
  if (!panel || !pre) return;
  const tools = doc.createElement("div");
  tools.className = "code-tools";
  tools.innerHTML = `<button type="button" data-edit="edit" title="Change this program and run it">Edit</button><button type="button" data-edit="new" title="Start a program of your own from a small template">New program</button><button type="button" data-edit="run" class="primary" title="Build and run the program (Ctrl+Enter)" hidden>Run ▸</button><button type="button" data-edit="reset" title="Back to the program the editing started from" hidden>Reset</button><span class="ed-status" role="status" aria-live="polite"></span>`;
  panel.querySelector(".panel-title").after(tools);
  const status = tools.querySelector(".ed-status");
  const editor = new Editor(doc, { run: () => run() });
  pre.after(editor.root);

  let may = { mayBuild: true, why: "" };
  fetch("/build", { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : null))
    .then((m) => {
      if (!m) return;
      may = m;
      tools.dataset.mayBuild = String(!!m.mayBuild); // for tests: the answer is in
    })
    .catch(() => {});

  const origin = () => (isProgramID(data.id) ? stored(FROM, {})[data.id] ?? "" : data.id);

  let building = false;
  function editing(on) {
    pre.hidden = on;
    for (const b of tools.querySelectorAll("button")) b.hidden = (b.dataset.edit === "run" || b.dataset.edit === "reset") !== on;
    panel.classList.toggle("editing", on);
    if (!on) editor.close();
  }

  function open(source) {
    if (!may.mayBuild) {
      page.notice(`<strong>Editing is not open to this browser.</strong> ${esc(may.why)}`, "info");
      return;
    }
    page.detach();
    editing(true);
    editor.open(source);
    status.textContent = "";
  }

  async function run() {
    if (building) return;
    const src = editor.value;
    editor.clearError();
    const at = Date.now();
    status.textContent = "Building…";
    building = true;
    tools.querySelector('[data-edit="run"]').disabled = true;
    try {
      const ready = await build(src, {
        progress: (s) => (status.textContent = s === "queued" ? "Waiting for a build slot…" : "Building…"),
      });
      const frag = await encodeSource(src);
      const from = origin();
      if (from) store(FROM, { ...stored(FROM, {}), [ready.program]: from });
      store(RUN, { program: ready.program, at, buildMs: Date.now() - at, cached: !!ready.cached });
      status.textContent = "Starting the run…";
      const url = `${programPath(ready.program, carried(page.settings(), ready.knobs ?? [], doc.body.classList.contains("present")))}#${frag}`;
      // The same path and query again would only move to the fragment: load it afresh.
      if (url.split("#")[0] === location.pathname + location.search) {
        history.replaceState(null, "", url);
        location.reload();
      } else location.assign(url);
    } catch (err) {
      status.textContent = err.code === "compile" ? "Does not compile." : "Not built.";
      editor.showError(err.code ? errorText(err) : `The build failed: ${err.message}`, err.line, err.col);
    } finally {
      building = false;
      tools.querySelector('[data-edit="run"]').disabled = false;
    }
  }

  tools.addEventListener("click", (e) => {
    const act = e.target.closest("button[data-edit]")?.dataset.edit;
    if (act === "edit") open(shownSource(doc));
    else if (act === "new") open(TEMPLATE);
    else if (act === "run") run();
    else if (act === "reset") {
      const from = origin();
      if (from && from !== data.id) location.assign(`/s/${encodeURIComponent(from)}`);
      else editing(false);
      status.textContent = "";
    }
  });
  if (location.hash === "#new") open(TEMPLATE);
  // A program's page reached without its source in the link (a class
  // following its presenter, /s/{id} typed in) puts it there, from the
  // code the server drew: a link copied from here opens on any server.
  if (isProgramID(data.id) && !location.hash) {
    encodeSource(shownSource(doc)).then((f) => !location.hash && history.replaceState(null, "", `${location.pathname}${location.search}#${f}`));
  }

  // The Run that opened this page: how long to its first event.
  const ran = stored(RUN, null);
  if (ran?.program === data.id) {
    store(RUN, null);
    const shown = (name) => {
      const m = performance.getEntriesByName(name)[0];
      if (!m) return false;
      const ms = performance.timeOrigin + m.startTime;
      status.textContent = runFigures(ran, ms);
      doc.body.dataset.runToFirstEvent = String(Math.round(ms - ran.at));
      doc.body.dataset.runCached = String(ran.cached);
      return true;
    };
    if (!shown("concviz:first-events")) {
      const obs = new PerformanceObserver(() => shown("concviz:first-events") && obs.disconnect());
      obs.observe({ entryTypes: ["mark"] });
    }
  }
}
