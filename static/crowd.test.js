import { test } from "node:test";
import assert from "node:assert/strict";
import { stateAt } from "./fold.js";
import { names } from "./runlog.js";
import { scene } from "./graph.js";
import { layout, fit } from "./layout.js";
import { dotAt, pieceOf, canvasMarkup, dotsLayer, drawDots } from "./crowd.js";
import { crowdLog } from "./testkit.js";

// crowdRun: main starts 60 workers; 40 of them block receiving on jobs.
function crowdRun() {
  const log = crowdLog();
  return { log, lay: fit(layout(log, "worker-pool"), 800, 500) };
}

test("dotAt: the dot under a point, the gap shared between neighbours", () => {
  const { lay } = crowdRun();
  const [c] = lay.crowds;
  for (const id of c.ids) {
    const p = lay.pos.g.get(id);
    assert.equal(dotAt(c, p.x + p.w / 2, p.y + p.h / 2), id, `the centre of ${id}'s dot`);
    assert.equal(dotAt(c, p.x - c.gap / 2 + 0.01, p.y), id, "the near half of the gap before it");
  }
  const first = lay.pos.g.get(c.ids[0]);
  const last = lay.pos.g.get(c.ids.at(-1));
  assert.equal(dotAt(c, first.x - c.step, first.y), 0, "left of the first column");
  assert.equal(dotAt(c, first.x, first.y - c.step), 0, "above the first row");
  assert.equal(dotAt(c, last.x + c.step, last.y), 0, "past the last dot of a short last row");
  assert.equal(dotAt(c, first.x + c.per * c.step, first.y), 0, "right of the last column");
});

test("pieceOf reads a dot's class, shape and whether it is a button", () => {
  const { log, lay } = crowdRun();
  const s = stateAt(log, log.events.length);
  const sc = scene(lay, s, log, { choosable: new Set([42]), names: names(log) });
  const blocked = pieceOf(sc.layers.dots.get(2));
  assert.equal(blocked.cls, "gdot blocked");
  assert.match(blocked.d, /^M[\d.]+,[\d.]+h/, "a square");
  assert.equal(blocked.choose, false);
  const pick = pieceOf(sc.layers.dots.get(42));
  assert.equal(pick.cls, "gdot runnable choosable");
  assert.equal(pick.choose, true);
});

test("canvasMarkup: a canvas over each crowd's box, and the style probe", () => {
  const { lay } = crowdRun();
  const [c] = lay.crowds;
  const html = canvasMarkup(lay.crowds);
  assert.match(html, new RegExp(`<foreignObject class="crowd-dots" x="${c.x}" y="${c.y}" width="${c.w}" height="${c.h}">`));
  assert.match(html, /<canvas xmlns="http:\/\/www.w3.org\/1999\/xhtml" data-crowd="0" aria-hidden="true">/);
  assert.match(html, /<path class="dot-probe" style="display:none"\/>/);
});

// Canvases and the browser's Path2D and styles, recording what is drawn:
// on the crowd's canvas ("crowd") and on each stamp ("stamp 1", …).
function fakeLayer(crowds) {
  const calls = [];
  globalThis.Path2D = class {
    constructor(d = "") {
      this.d = d;
    }
  };
  const STYLE = { "gdot blocked": { fill: "rgb(1, 1, 1)" }, "gdot runnable": { fill: "rgb(2, 2, 2)", stroke: "rgb(3, 3, 3)" }, "gdot unborn": { fill: "none", stroke: "rgb(4, 4, 4)" } };
  globalThis.getComputedStyle = (el) => {
    const st = STYLE[el.cls] ?? { fill: "rgb(9, 9, 9)" };
    return { fill: st.fill, stroke: st.stroke ?? "none", strokeWidth: "1.2px" };
  };
  let stamps = 0;
  const canvas = (name) => {
    const cv = { name, width: 0, height: 0, addEventListener() {} };
    const ctx = {
      save() {},
      restore() {},
      beginPath() {},
      rect() {},
      clip() {},
      setTransform() {},
      clearRect: (...r) => calls.push([name, "clear", ...r]),
      drawImage: (img, x, y) => calls.push([name, "stamp", img.name, x, y]),
      fill(path) {
        calls.push([name, "fill", this.fillStyle, path.d]);
      },
      stroke(path) {
        calls.push([name, "stroke", this.strokeStyle, path.d]);
      },
    };
    cv.getContext = () => ctx;
    return cv;
  };
  const canvases = crowds.map((c) => Object.assign(canvas("crowd"), { dataset: { crowd: String(c.index) } }));
  const probe = { setAttribute: (_, v) => (probe.cls = v) };
  const g = { querySelectorAll: () => canvases, querySelector: () => probe, ownerDocument: { createElement: () => canvas(`stamp ${++stamps}`) } };
  return { layer: dotsLayer(g, crowds), calls, canvases };
}

test("drawDots: a stamp per kind of dot, put down for every dot, then only where dots changed", () => {
  const { log, lay } = crowdRun();
  const [c] = lay.crowds;
  const { layer, calls, canvases } = fakeLayer(lay.crowds);
  const before = scene(lay, stateAt(log, 61), log).layers.dots; // all started, all ready
  drawDots(layer, before, lay, { k: 2, look: "" });
  assert.equal(canvases[0].width, Math.round(c.w * 2), "the bitmap has k pixels a unit");
  assert.equal(canvases[0].height, Math.round(c.h * 2));
  const painted = calls.filter((x) => x[1] === "fill" || x[1] === "stroke");
  assert.deepEqual(painted.map((x) => x.slice(0, 3)), [["stamp 1", "fill", "rgb(2, 2, 2)"], ["stamp 1", "stroke", "rgb(3, 3, 3)"]], "one kind of dot, one stamp, in the colours the page's CSS gives it");
  assert.equal(painted[0][3], pieceOf(before.get(2)).d, "drawn from the dot's own path");
  const stamped = calls.filter((x) => x[1] === "stamp");
  assert.equal(stamped.length, 60, "put down for all sixty dots");
  const p2 = lay.pos.g.get(2);
  const x2 = Math.round((p2.x - c.x) * 2);
  const y2 = Math.round((p2.y - c.y) * 2);
  assert.deepEqual(stamped[0], ["crowd", "stamp", "stamp 1", x2, y2], "at its top left pixel");

  calls.length = 0;
  const after = scene(lay, stateAt(log, 62), log).layers.dots; // worker 2 blocks
  drawDots(layer, after, lay, { k: 2, look: "" });
  assert.deepEqual(calls.filter((x) => x[1] === "fill").map((x) => x.slice(0, 3)), [["stamp 2", "fill", "rgb(1, 1, 1)"]], "a new kind of dot, a new stamp");
  const cleared = calls.filter((x) => x[1] === "clear");
  assert.equal(cleared.length, 1, "one cell cleared");
  assert.deepEqual(cleared[0].slice(2, 6), [x2, y2, Math.round(p2.w * 2), Math.round(p2.h * 2)], "worker 2's dot, in whole pixels");
  const again = calls.filter((x) => x[1] === "stamp");
  assert.deepEqual(again.find((x) => x[3] === x2 && x[4] === y2), ["crowd", "stamp", "stamp 2", x2, y2], "stamped blocked");
  assert.ok(again.length <= 9, "with its neighbours, no more");

  calls.length = 0;
  drawDots(layer, after, lay, { k: 2, look: "" });
  assert.deepEqual(calls, [], "no change, nothing drawn");

  drawDots(layer, after, lay, { k: 3, look: "" });
  assert.equal(canvases[0].width, Math.round(c.w * 3), "a new scale makes a new bitmap");
  assert.equal(calls.filter((x) => x[1] === "stamp").length, 60, "with every dot");
  assert.equal(calls.filter((x) => x[1] === "fill").length, 2, "and new stamps for it");

  calls.length = 0;
  drawDots(layer, after, lay, { k: 3, look: "present" });
  assert.equal(calls.filter((x) => x[1] === "fill").length, 2, "a new look (projector mode) makes new stamps, in its colours");
});

test("drawDots: unborn dots are rings, not filled", () => {
  const { log, lay } = crowdRun();
  const { layer, calls } = fakeLayer(lay.crowds);
  drawDots(layer, scene(lay, stateAt(log, 1), log).layers.dots, lay, { k: 1, look: "" });
  assert.equal(calls.filter((x) => x[1] === "fill").length, 0);
  assert.deepEqual(calls.filter((x) => x[1] === "stroke").map((x) => x[2]), ["rgb(4, 4, 4)"]);
});
