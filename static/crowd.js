// crowd.js: draws the dots of a crowd (the many goroutines of one column
// of the graph) on a canvas rather than as SVG elements.
//
// Why: a thousand SVG dots cost the browser a walk over every one of them
// in layout and in paint on each step, however few changed; that alone
// made a 1,000-goroutine run miss frames while it played. On a canvas a
// step repaints only the dots that changed, and the browser has one image
// to composite (each kind of dot is drawn once, as a stamp, and stamped
// where the dots are). The dots drawn are the very pieces of markup scene()
// makes (graph.js): their class picks the style the page's CSS gives a
// .gdot of that class, their path data is the shape. So the canvas shows
// what the SVG would, and an export of the graph still gets SVG
// (graph.js withDotsAsSVG).

const XHTML = "http://www.w3.org/1999/xhtml";
// The largest side of a canvas's bitmap, in device pixels: far beyond any
// crowd on any screen, and well inside every browser's limit.
const MAX_SIDE = 8192;

/**
 * dotAt is the goroutine whose dot in crowd c is at (x, y), in the graph's
 * units, or 0 where there is none. The gap between dots goes half to each
 * neighbour, so a click never falls between two of them.
 */
export function dotAt(c, x, y) {
  const q = Math.floor((x - c.left + c.gap / 2) / c.step);
  const r = Math.floor((y - c.top + c.gap / 2) / c.step);
  if (q < 0 || q >= c.per || r < 0 || r * c.per + q >= c.ids.length) return 0;
  return c.ids[r * c.per + q];
}

/**
 * pieceOf reads the markup of a dot (graph.js dot and pickDot): its class,
 * its path data, and whether it is a button to run that goroutine next.
 */
export function pieceOf(html) {
  return {
    cls: /class="([^"]*)"/.exec(html)?.[1] ?? "",
    d: / d="([^"]*)"/.exec(html)?.[1] ?? "",
    choose: / data-run="/.test(html),
  };
}

/**
 * canvasMarkup is what stands in the graph's dots layer in place of the
 * dots: a canvas per crowd, in a foreignObject over the crowd's box (so it
 * sits between the layers below and above it, and scales with the graph),
 * and a hidden path the page's CSS styles, to read each class's colours.
 */
export function canvasMarkup(crowds) {
  return crowds
    .map((c) => `<foreignObject class="crowd-dots" x="${c.x}" y="${c.y}" width="${c.w}" height="${c.h}"><canvas xmlns="${XHTML}" data-crowd="${c.index}" aria-hidden="true"></canvas></foreignObject>`)
    .join("") + `<path class="dot-probe" style="display:none"/>`;
}

const layers = new WeakMap(); // canvas -> its layer, for the pointer

/**
 * dotsLayer takes over a dots layer whose markup is canvasMarkup(crowds).
 * Draw into it with drawDots.
 */
export function dotsLayer(g, crowds) {
  const canvases = [...g.querySelectorAll("canvas[data-crowd]")];
  const layer = { g, html: new Map(), crowds, canvases, probe: g.querySelector(".dot-probe"), k: 0, look: "", styles: new Map(), stamps: new Map(), strips: new Map(), grids: new Map(), pieces: new Map(), describe: null };
  for (const cv of canvases) {
    layers.set(cv, layer);
    cv.addEventListener("pointermove", hover);
  }
  return layer;
}

/**
 * drawDots brings the canvases of a layer to the pieces in next (a Map
 * from goroutine id to its dot's markup): the dots that changed, or all of
 * them when the scale (k, device pixels per unit of the graph) or the
 * page's look (look: anything that changes the CSS, like projector mode)
 * changed. describe(id, choose) is the tooltip of a dot under the pointer.
 *
 * Each kind of dot (its class) is drawn once, from its path, on a small
 * canvas of its own, a stamp; the crowd is those stamps put down at whole
 * pixels. A thousand stamps cost less than a thousand paths, and a dot
 * drawn again alone is the very same pixels as when the whole crowd is.
 * Drawn whole, a crowd is copied a run at a time from a row of stamps of
 * each kind (a strip): a far jump of a thousand goroutines changes most
 * dots, and a thousand copies took more of a frame than the rest of it.
 */
export function drawDots(layer, next, lay, { k, look, describe }) {
  layer.describe = describe;
  const fresh = k !== layer.k || look !== layer.look;
  if (fresh) {
    layer.k = k;
    layer.look = look;
    layer.styles.clear();
    layer.stamps.clear();
    layer.strips.clear();
    layer.grids.clear();
  }
  if (layer.pieces.size > 20000) layer.pieces.clear();
  layer.canvases.forEach((cv, i) => {
    const c = layer.crowds[i];
    if (fresh) {
      cv.width = Math.max(1, Math.min(MAX_SIDE, Math.round(c.w * k)));
      cv.height = Math.max(1, Math.min(MAX_SIDE, Math.round(c.h * k)));
    }
    const changed = fresh ? c.ids : c.ids.filter((id) => next.get(id) !== layer.html.get(id));
    if (!changed.length) return;
    const ctx = cv.getContext("2d");
    const sx = cv.width / c.w;
    const sy = cv.height / c.h;
    const stamp = (id) => {
      const piece = pieceFor(layer, next.get(id));
      return piece && stampOf(layer, c, lay.pos.g.get(id), piece, sx, sy);
    };
    const few = changed.length * 8 < c.ids.length;
    const grid = gridOf(layer, c, lay, sx, sy);
    if (grid && few) {
      // A few, apart from their neighbours: each one's place cleared and
      // stamped again.
      for (const id of changed) {
        const [x, y] = grid.at(id);
        ctx.clearRect(x, y, grid.w, grid.h);
        const st = stamp(id);
        if (st) ctx.drawImage(st, x, y);
      }
      return;
    }
    if (grid) {
      // Many (a jump, a new scale): the whole crowd again, each run of
      // neighbours of a kind in a row copied from that kind's strip at once.
      ctx.clearRect(0, 0, cv.width, cv.height);
      runs(c, (id) => pieceFor(layer, next.get(id)), (from, to, piece) => {
        const [x, y] = grid.cell(from);
        const w = grid.cell(to - 1)[0] + grid.w - x;
        ctx.drawImage(stripOf(layer, c, lay.pos.g.get(c.ids[from]), grid, piece, sx, sy), x, 0, w, grid.h, x, y, w, grid.h);
      });
      return;
    }
    // Stamps that may touch (a crowd drawn very small): a dot's neighbours
    // are drawn again inside its place, in the order a whole draw puts
    // them down, so either way gives the same pixels.
    const at = (id) => {
      const p = lay.pos.g.get(id);
      return [Math.round((p.x - c.x) * sx), Math.round((p.y - c.y) * sy)];
    };
    if (few) {
      for (const id of changed) {
        const [x, y] = at(id);
        const own = stamp(id);
        const p = lay.pos.g.get(id);
        const w = own?.width ?? Math.max(2, Math.round(p.w * sx));
        const h = own?.height ?? Math.max(2, Math.round(p.h * sy));
        ctx.save();
        ctx.beginPath();
        ctx.rect(x, y, w, h);
        ctx.clip();
        ctx.clearRect(x, y, w, h);
        for (const n of around(c, id)) {
          const st = stamp(n);
          if (st) ctx.drawImage(st, ...at(n));
        }
        ctx.restore();
      }
      return;
    }
    ctx.clearRect(0, 0, cv.width, cv.height);
    for (const id of c.ids) {
      const st = stamp(id);
      if (st) ctx.drawImage(st, ...at(id));
    }
  });
  layer.html = next;
}

// gridOf is where crowd c's dots go on its bitmap at this scale, in whole
// pixels, if they are a grid whose stamps never touch: cell(i) is the top
// left of the dot in slot i (c.ids order), at(id) that of goroutine id's, w
// and h a dot's size, xs the columns' lefts. Null otherwise (very small,
// gaps under a pixel could round to nothing). Stamps apart can each be
// cleared and stamped alone, and a row's run of dots copied from a strip.
function gridOf(layer, c, lay, sx, sy) {
  if (layer.grids.has(c.index)) return layer.grids.get(c.index);
  const px = (id) => {
    const p = lay.pos.g.get(id);
    return [Math.round((p.x - c.x) * sx), Math.round((p.y - c.y) * sy), Math.max(2, Math.round(p.w * sx)), Math.max(2, Math.round(p.h * sy))];
  };
  const [, , w, h] = px(c.ids[0]);
  const xs = [];
  const ys = [];
  let apart = true;
  c.ids.forEach((id, i) => {
    const [x, y, pw, ph] = px(id);
    const q = i % c.per;
    const r = Math.floor(i / c.per);
    if (r === 0) xs.push(x);
    if (q === 0) ys.push(y);
    if (pw !== w || ph !== h || x !== xs[q] || y !== ys[r]) apart = false;
  });
  for (let q = 1; q < xs.length; q++) if (xs[q] - xs[q - 1] < w) apart = false;
  for (let r = 1; r < ys.length; r++) if (ys[r] - ys[r - 1] < h) apart = false;
  const cell = (i) => [xs[i % c.per], ys[Math.floor(i / c.per)]];
  const grid = apart ? { w, h, xs, cell, at: (id) => cell(slotOf(c, id)) } : null;
  layer.grids.set(c.index, grid);
  return grid;
}

// runs calls draw(from, to, piece) for each run of c's dots (indices from
// up to to) side by side in a row with the same kind of dot (kindOf(id):
// its piece, whose class is its kind).
function runs(c, kindOf, draw) {
  const n = c.ids.length;
  let i = 0;
  while (i < n) {
    const piece = kindOf(c.ids[i]);
    const end = Math.min(n, (Math.floor(i / c.per) + 1) * c.per);
    let j = i + 1;
    while (j < end && kindOf(c.ids[j])?.cls === piece?.cls) j++;
    if (piece) draw(i, j, piece);
    i = j;
  }
}

// stripOf is a row of crowd c's dots of one kind (that of piece, the dot
// at p), stamped at the columns of the grid: a run of such dots is one copy
// from it, the very pixels the stamps put one by one would make.
function stripOf(layer, c, p, grid, piece, sx, sy) {
  const key = `${c.index} ${piece.cls}`;
  let strip = layer.strips.get(key);
  if (strip) return strip;
  const st = stampOf(layer, c, p, piece, sx, sy);
  strip = layer.g.ownerDocument.createElement("canvas");
  strip.width = grid.xs[grid.xs.length - 1] + grid.w;
  strip.height = grid.h;
  const ctx = strip.getContext("2d");
  for (const x of grid.xs) ctx.drawImage(st, x, 0);
  layer.strips.set(key, strip);
  return strip;
}

// stampOf is the stamp of a kind of dot of crowd c at this scale: the
// dot's path drawn, in its class's style, on a canvas of whole pixels the
// size of the dot, its stroke inside it. Stamps put down at whole pixels
// then never spill into one another (where they did, their soft edges
// added up into seams across the crowd).
function stampOf(layer, c, p, piece, sx, sy) {
  const key = `${c.index} ${piece.cls}`; // crowds' bitmaps round their scale apart
  let st = layer.stamps.get(key);
  if (st) return st;
  const style = styleOf(layer, piece.cls);
  const w = style.stroke ? style.width : 0;
  st = layer.g.ownerDocument.createElement("canvas");
  st.width = Math.max(2, Math.round(p.w * sx));
  st.height = Math.max(2, Math.round(p.h * sy));
  const kx = st.width / (p.w + w);
  const ky = st.height / (p.h + w);
  st.getContext("2d").setTransform(kx, 0, 0, ky, (w / 2 - p.x) * kx, (w / 2 - p.y) * ky);
  paint(st.getContext("2d"), new Path2D(piece.d), style);
  layer.stamps.set(key, st);
  return st;
}

// around is a dot of crowd c and the dots next to it, in rows and columns.
function around(c, id) {
  const i = slotOf(c, id);
  const r = Math.floor(i / c.per);
  const q = i % c.per;
  const out = [];
  for (let dr = -1; dr <= 1; dr++) {
    for (let dq = -1; dq <= 1; dq++) {
      if (q + dq < 0 || q + dq >= c.per) continue;
      const n = c.ids[(r + dr) * c.per + q + dq];
      if (n !== undefined) out.push(n);
    }
  }
  return out;
}

// slotOf is goroutine id's place among crowd c's dots (c.ids order).
function slotOf(c, id) {
  c.slots ??= new Map(c.ids.map((g, i) => [g, i]));
  return c.slots.get(id);
}

// pieceFor is a dot's markup read, kept: the same markup comes back each
// time a goroutine is in the same state.
function pieceFor(layer, html) {
  if (html === undefined) return null;
  let piece = layer.pieces.get(html);
  if (!piece) layer.pieces.set(html, (piece = pieceOf(html)));
  return piece;
}

function paint(ctx, path, st) {
  if (st.fill) {
    ctx.fillStyle = st.fill;
    ctx.fill(path);
  }
  if (st.stroke && st.width > 0) {
    ctx.lineWidth = st.width;
    ctx.strokeStyle = st.stroke;
    ctx.stroke(path);
  }
}

// styleOf is how the page's CSS draws a dot of class cls, read once per
// class from the hidden probe path.
function styleOf(layer, cls) {
  let st = layer.styles.get(cls);
  if (st) return st;
  const probe = layer.probe;
  probe.setAttribute("class", cls);
  const cs = getComputedStyle(probe);
  const paintOf = (v) => (!v || v === "none" || v.startsWith("url(") ? "" : v);
  st = { fill: paintOf(cs.fill), stroke: paintOf(cs.stroke), width: parseFloat(cs.strokeWidth) || 0 };
  layer.styles.set(cls, st);
  return st;
}

/**
 * runAt is the goroutine to run next that a click at (clientX, clientY)
 * on a crowd's canvas picks: a ready dot the user may choose, or 0.
 */
export function runAt(cv, clientX, clientY) {
  const hit = under(cv, clientX, clientY);
  return hit && hit.choose ? hit.id : 0;
}

// under is the dot of a crowd's canvas under a point of the screen.
function under(cv, clientX, clientY) {
  const layer = layers.get(cv);
  if (!layer) return null;
  const c = layer.crowds[Number(cv.dataset.crowd)];
  const r = cv.getBoundingClientRect();
  if (!c || !r.width || !r.height) return null;
  const id = dotAt(c, c.x + ((clientX - r.left) / r.width) * c.w, c.y + ((clientY - r.top) / r.height) * c.h);
  const html = id && layer.html.get(id);
  return html ? { id, choose: pieceOf(html).choose, layer } : null;
}

// hover names the dot under the pointer in the canvas's tooltip, and shows
// a hand over one that can be clicked.
function hover(e) {
  const cv = e.currentTarget;
  const hit = under(cv, e.clientX, e.clientY);
  const title = hit?.layer.describe ? hit.layer.describe(hit.id, hit.choose) : "";
  if (cv.title !== title) cv.title = title;
  const cursor = hit?.choose ? "pointer" : "";
  if (cv.style.cursor !== cursor) cv.style.cursor = cursor;
}
