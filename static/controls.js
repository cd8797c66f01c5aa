// controls.js: the run's settings in the page's controls (seed, policy,
// channel buffers, knobs), and the changes the user makes to them. It
// touches the document it is given, and only when told to (nothing at
// import); what a change does is up to the page's restart.

import { duration } from "./narrate.js";
import { escapeHTML } from "./html.js";
import { seedProblem, knobProblem, nudgeCap } from "./settings.js";

/** NEW_SEEDS is how many seeds "New seed" picks among (from 1). */
export const NEW_SEEDS = 1e6;

/**
 * Controls shows settings (changed in place) in doc's controls for a
 * scenario's knobs. frozen() refuses any change (a recorded run), notice
 * shows a sentence, restart runs the program again with the new settings.
 */
export class Controls {
  constructor(doc, { knobs, settings, frozen, notice, restart }) {
    Object.assign(this, { doc, settings, frozen, notice, restart });
    this.capKnobs = knobs.filter((k) => k.kind === "cap");
    this.otherKnobs = knobs.filter((k) => k.kind !== "cap");
    this.seedIn = doc.querySelector("#seed");
    this.policyIn = doc.querySelector("#policy");
  }

  /** sync shows the settings in the controls (after a link, a view from the presenter, or a refused change). */
  sync() {
    const { settings, doc } = this;
    this.seedIn.value = String(settings.seed);
    this.policyIn.value = settings.policy;
    for (const row of doc.querySelectorAll(".cap[data-cap]")) {
      const k = this.capKnobs.find((k) => k.name === row.dataset.cap);
      row.querySelector(".cap-value").textContent = String(settings.caps[k.name] ?? k.default);
    }
    for (const input of doc.querySelectorAll("[data-knob]")) {
      const k = this.otherKnobs.find((k) => k.name === input.dataset.knob);
      if (input.type === "checkbox") input.checked = (settings.knobs[k.name] ?? k.default) === 1;
      else input.value = String(settings.knobs[k.name] ?? k.default);
      showHuman(input, k);
    }
  }

  /** listen takes the user's changes: each changes the settings and restarts the run. */
  listen() {
    const { settings, doc, seedIn, policyIn } = this;
    const refused = () => this.frozen();
    for (const row of doc.querySelectorAll(".cap[data-cap]")) {
      const k = this.capKnobs.find((k) => k.name === row.dataset.cap);
      const change = (d) => {
        if (refused()) return;
        settings.caps[k.name] = nudgeCap(settings, k, d);
        this.sync();
        this.restart();
      };
      row.querySelector(".cap-minus").addEventListener("click", () => change(-1));
      row.querySelector(".cap-plus").addEventListener("click", () => change(+1));
    }
    for (const input of doc.querySelectorAll("[data-knob]")) {
      const k = this.otherKnobs.find((k) => k.name === input.dataset.knob);
      input.addEventListener("input", () => showHuman(input, k));
      input.addEventListener("change", () => {
        if (refused()) return this.sync();
        const v = input.type === "checkbox" ? (input.checked ? 1 : 0) : Number(input.value);
        const problem = knobProblem(k, v);
        if (problem) {
          this.notice(escapeHTML(problem));
          input.value = String(settings.knobs[k.name] ?? k.default);
          return;
        }
        settings.knobs[k.name] = v;
        this.restart();
      });
    }
    seedIn.addEventListener("change", () => {
      if (refused()) return this.sync();
      const v = Number(seedIn.value);
      const problem = seedProblem(v);
      if (problem) {
        this.notice(problem);
        seedIn.value = String(settings.seed);
        return;
      }
      settings.seed = v;
      this.restart();
    });
    doc.querySelector("#new-seed").addEventListener("click", () => {
      if (refused()) return;
      settings.seed = Math.floor(Math.random() * NEW_SEEDS) + 1;
      seedIn.value = String(settings.seed);
      this.restart();
    });
    policyIn.addEventListener("change", () => {
      if (refused()) return this.sync();
      settings.policy = policyIn.value;
      this.restart();
    });
  }
}

// showHuman shows a duration knob's value as a person reads it.
function showHuman(input, k) {
  const human = input.closest(".knob")?.querySelector(".knob-human");
  if (human && (k.kind === "duration" || k.kind === "latency")) human.textContent = `= ${duration(Number(input.value))}`;
}
