// crowd.js: draws the dots of a crowd (the many goroutines of one column
// of the graph) on a canvas rather than as SVG elements.
//
// Why: a thousand SVG dots cost the browser a walk over every one of them
// in layout and in paint on each step, however few changed; that alone
// made a 1,000-goroutine run miss frames while it played. On a canvas a
// step repaints only the dots that changed, and the browser has one image
// to composite. The dots drawn are the very pieces of markup scene()
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
  const layer = { g, html: new Map(), crowds, canvases, probe: g.querySelector(".dot-probe"), k: 0, look: "", styles: new Map(), pieces: new Map(), describe: null };
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
 */
export function drawDots(layer, next, lay, { k, look, describe }) {
  layer.describe = describe;
  const fresh = k !== layer.k || look !== layer.look;
  if (fresh) {
    layer.k = k;
    layer.look = look;
    layer.styles.clear();
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
    ctx.setTransform(sx, 0, 0, sy, -c.x * sx, -c.y * sy);
    if (changed.length * 8 < c.ids.length) {
      // A few: each is cleared and drawn again.
      for (const id of changed) {
        const p = lay.pos.g.get(id);
        ctx.clearRect(p.x - c.gap / 2, p.y - c.gap / 2, p.w + c.gap, p.h + c.gap);
        const piece = pieceFor(layer, next.get(id));
        if (piece) paint(ctx, new Path2D(piece.d), styleOf(layer, piece.cls));
      }
      return;
    }
    // Many (a jump, a new scale): the whole crowd again, each class of dot
    // as one path (the dots' path data joined, read by the browser once),
    // filled and stroked once.
    ctx.clearRect(c.x, c.y, c.w, c.h);
    const byClass = new Map();
    for (const id of c.ids) {
      const piece = pieceFor(layer, next.get(id));
      if (!piece) continue;
      const ds = byClass.get(piece.cls);
      if (ds) ds.push(piece.d);
      else byClass.set(piece.cls, [piece.d]);
    }
    for (const [cls, ds] of byClass) paint(ctx, new Path2D(ds.join("")), styleOf(layer, cls));
  });
  layer.html = next;
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
