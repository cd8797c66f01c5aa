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

// Canvases and the browser's Path2D and styles, recording what is drawn
// (calls) and what each canvas shows: for each stamp put down, at its top
// left pixel, the colours it was painted in. drawImage copies what its
// source shows (a stamp, or a strip of stamps) inside the source rectangle;
// clearRect wipes the stamps it touches, and a stamp drawn under a clip
// shows only if it lies inside it.
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
  let made = 0;
  const canvas = (name) => {
    const cv = { name, width: 0, height: 0, shows: new Map(), addEventListener() {} };
    let clip = null;
    const inside = (r, x, y, w, h) => x >= r[0] && y >= r[1] && x + w <= r[0] + r[2] && y + h <= r[1] + r[3];
    const put = (x, y, what) => {
      if (!clip || inside(clip, x, y, what.w, what.h)) cv.shows.set(`${x},${y}`, what);
    };
    const ctx = {
      save() {},
      restore: () => (clip = null),
      beginPath() {},
      rect: (...r) => (clip = r),
      clip() {},
      setTransform() {},
      clearRect: (x, y, w, h) => {
        calls.push([name, "clear", x, y, w, h]);
        for (const [k, s] of cv.shows) {
          const [sx, sy] = k.split(",").map(Number);
          if (sx < x + w && sx + s.w > x && sy < y + h && sy + s.h > y) cv.shows.delete(k);
        }
      },
      drawImage: (img, ...a) => {
        calls.push([name, "stamp", img.name, ...(a.length === 2 ? a : a.slice(4, 6))]);
        const [sx, sy, sw, sh, dx, dy] = a.length === 2 ? [0, 0, img.width, img.height, ...a] : a;
        for (const [k, s] of img.shows) {
          const [x, y] = k.split(",").map(Number);
          if (inside([sx, sy, sw, sh], x, y, s.w, s.h)) put(x - sx + dx, y - sy + dy, s);
        }
      },
      fill(path) {
        calls.push([name, "fill", this.fillStyle, path.d]);
        cv.shows.set("0,0", { w: cv.width, h: cv.height, paint: [cv.shows.get("0,0")?.paint, "fill " + this.fillStyle].filter(Boolean).join(" ") });
      },
      stroke(path) {
        calls.push([name, "stroke", this.strokeStyle, path.d]);
        cv.shows.set("0,0", { w: cv.width, h: cv.height, paint: [cv.shows.get("0,0")?.paint, "stroke " + this.strokeStyle].filter(Boolean).join(" ") });
      },
    };
    cv.getContext = () => ctx;
    return cv;
  };
  const canvases = crowds.map((c) => Object.assign(canvas("crowd"), { dataset: { crowd: String(c.index) } }));
  const probe = { setAttribute: (_, v) => (probe.cls = v) };
  const g = { querySelectorAll: () => canvases, querySelector: () => probe, ownerDocument: { createElement: () => canvas(`canvas ${++made}`) } };
  const paintOf = (cls) => {
    const st = STYLE[cls] ?? { fill: "rgb(9, 9, 9)" };
    return [st.fill !== "none" && "fill " + st.fill, st.stroke && "stroke " + st.stroke].filter(Boolean).join(" ");
  };
  // What the crowd's canvas should show for dots (Map id -> markup) at k
  // pixels a unit: each dot, in its class's colours, at its pixel.
  const expected = (lay, c, dots, k) =>
    [...dots].map(([id, html]) => {
      const p = lay.pos.g.get(id);
      return `${Math.round((p.x - c.x) * k)},${Math.round((p.y - c.y) * k)} ${paintOf(pieceOf(html).cls)}`;
    }).sort();
  const shown = (cv) => [...cv.shows].map(([k, s]) => `${k} ${s.paint}`).sort();
  return { layer: dotsLayer(g, crowds), calls, canvases, expected, shown };
}

test("drawDots: the canvas shows each dot in its state's colours, drawn whole, by the changed dot, or by runs", () => {
  const { log, lay } = crowdRun();
  const [c] = lay.crowds;
  const { layer, calls, canvases, expected, shown } = fakeLayer(lay.crowds);
  const cv = canvases[0];
  const ready = scene(lay, stateAt(log, 61), log).layers.dots; // all started, all ready
  drawDots(layer, ready, lay, { k: 2, look: "" });
  assert.equal(cv.width, Math.round(c.w * 2), "the bitmap has k pixels a unit");
  assert.equal(cv.height, Math.round(c.h * 2));
  assert.deepEqual(shown(cv), expected(lay, c, ready, 2), "every dot, ready");
  const painted = calls.filter((x) => x[1] === "fill" || x[1] === "stroke");
  assert.deepEqual(painted.map((x) => x.slice(1, 3)), [["fill", "rgb(2, 2, 2)"], ["stroke", "rgb(3, 3, 3)"]], "one kind of dot, painted once, in the colours the page's CSS gives it");
  assert.equal(painted[0][3], pieceOf(ready.get(2)).d, "from a dot's own path");
  const rows = Math.ceil(c.ids.length / c.per);
  assert.equal(calls.filter((x) => x[0] === "crowd" && x[1] === "stamp").length, rows, "a row of dots of one kind is one copy");

  calls.length = 0;
  const one = scene(lay, stateAt(log, 62), log).layers.dots; // worker 2 blocks
  drawDots(layer, one, lay, { k: 2, look: "" });
  assert.deepEqual(shown(cv), expected(lay, c, one, 2), "worker 2 now blocked, the others as they were");
  const p2 = lay.pos.g.get(2);
  const at2 = [Math.round((p2.x - c.x) * 2), Math.round((p2.y - c.y) * 2)];
  const blocked = calls.find((x) => x[1] === "fill" && x[2] === "rgb(1, 1, 1)")[0]; // a new kind, a new stamp
  const size = [Math.round(p2.w * 2), Math.round(p2.h * 2)];
  assert.deepEqual(calls.filter((x) => x[0] === "crowd"), [["crowd", "clear", ...at2, ...size], ["crowd", "stamp", blocked, ...at2]], "its cell alone cleared and stamped");

  calls.length = 0;
  drawDots(layer, one, lay, { k: 2, look: "" });
  assert.deepEqual(calls, [], "no change, nothing drawn");

  const forty = scene(lay, stateAt(log, 101), log).layers.dots; // forty blocked
  drawDots(layer, forty, lay, { k: 2, look: "" });
  assert.deepEqual(shown(cv), expected(lay, c, forty, 2), "a jump: forty blocked, twenty ready");
  drawDots(layer, ready, lay, { k: 2, look: "" });
  assert.deepEqual(shown(cv), expected(lay, c, ready, 2), "and back");

  calls.length = 0;
  drawDots(layer, forty, lay, { k: 3, look: "" });
  assert.equal(cv.width, Math.round(c.w * 3), "a new scale makes a new bitmap");
  assert.deepEqual(shown(cv), expected(lay, c, forty, 3), "with every dot at its new pixel");
  assert.equal(calls.filter((x) => x[1] === "fill").length, 2, "and new stamps for it");

  calls.length = 0;
  drawDots(layer, forty, lay, { k: 3, look: "present" });
  assert.equal(calls.filter((x) => x[1] === "fill").length, 2, "a new look (projector mode) makes new stamps, in its colours");
});

test("drawDots: dots drawn so small that their stamps may touch are drawn one by one, with their neighbours", () => {
  const { log, lay } = crowdRun();
  const [c] = lay.crowds;
  const { layer, calls } = fakeLayer(lay.crowds);
  const k = 0.1; // a dot 2 pixels wide, 1 from the next
  drawDots(layer, scene(lay, stateAt(log, 61), log).layers.dots, lay, { k, look: "" });
  assert.equal(calls.filter((x) => x[0] === "crowd" && x[1] === "stamp").length, c.ids.length, "a stamp for every dot");
  calls.length = 0;
  drawDots(layer, scene(lay, stateAt(log, 62), log).layers.dots, lay, { k, look: "" });
  const p2 = lay.pos.g.get(2);
  const at2 = [Math.round((p2.x - c.x) * k), Math.round((p2.y - c.y) * k)];
  const cleared = calls.filter((x) => x[1] === "clear");
  assert.deepEqual(cleared.map((x) => x.slice(2, 4)), [at2], "worker 2's cell cleared");
  const stamped = calls.filter((x) => x[0] === "crowd" && x[1] === "stamp");
  assert.ok(stamped.some((x) => x[3] === at2[0] && x[4] === at2[1]), "and stamped");
  assert.ok(stamped.length > 1 && stamped.length <= 9, "with its neighbours, no more");
});

test("drawDots: unborn dots are rings, not filled", () => {
  const { log, lay } = crowdRun();
  const { layer, calls } = fakeLayer(lay.crowds);
  drawDots(layer, scene(lay, stateAt(log, 1), log).layers.dots, lay, { k: 1, look: "" });
  assert.equal(calls.filter((x) => x[1] === "fill").length, 0);
  assert.deepEqual(calls.filter((x) => x[1] === "stroke").map((x) => x[2]), ["rgb(4, 4, 4)"]);
});
