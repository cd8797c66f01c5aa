// export.js: a run as it leaves the page, for classrooms and bug reports:
// the standalone HTML page (pure), the graph as a picture, and saving
// files (browser only). The run JSON is recording.js's, the trace
// trace.js's.

import { RUN_VERSION, recordingOf } from "./recording.js";
import { traceOf } from "./trace.js";
import { withDotsAsSVG } from "./graph.js";
import { escapeHTML } from "./html.js";

const isObj = (x) => x !== null && typeof x === "object" && !Array.isArray(x);

// ---- The page's exports ----------------------------------------------------

/** EXPORT_FILES are the page's exports: each file's name ending and type. */
export const EXPORT_FILES = {
  json: { ext: "json", type: "application/json" },
  trace: { ext: "trace.json", type: "application/json" },
  svg: { ext: "svg", type: "image/svg+xml" },
  png: { ext: "png", type: "image/png" },
  html: { ext: "html", type: "text/html" },
};

/** PNG_SCALE is how many pixels of the PNG export an SVG unit of the graph takes. */
export const PNG_SCALE = 2;

/**
 * exportBody makes the content of an export of kind (EXPORT_FILES) of the
 * run on the page: a string, or a Blob for PNG. It needs the log (with its
 * outcome), the scenario data, the settings, the step on screen, the
 * goroutines' names, the graph's SVG element, and the page's path (the
 * standalone page is made from it, its style sheet and the bundle).
 */
export async function exportBody(kind, { log, scenario, settings, step, names, svg, pagePath }) {
  if (!log?.outcome) throw new Error("The run has not finished yet: export it once it has.");
  const recording = () => recordingOf(log, scenario, { ...settings, step });
  switch (kind) {
    case "json":
      return JSON.stringify(recording());
    case "trace":
      return JSON.stringify(traceOf(log, names, { title: `${scenario.title} (seed ${settings.seed}, ${settings.policy})` }));
    case "svg":
      return withDotsAsSVG(svg, () => graphSVG(svg));
    case "png":
      return withDotsAsSVG(svg, () => graphPNG(svg, PNG_SCALE));
    case "html": {
      const get = async (url) => {
        const r = await fetch(url);
        if (!r.ok) throw new Error(`${url}: ${r.status} ${r.statusText}`);
        return r.text();
      };
      const [page, css, bundle, icon] = await Promise.all([get(pagePath), get("/static/style.css"), get("/static/bundle.js"), get("/static/icon.svg")]);
      return standaloneHTML({ page, css, bundle, icon, recording: recording() });
    }
  }
  throw new Error(`no export ${kind}`);
}

/** exportName names the page's export of kind: pictures name the step they show. */
export function exportName(kind, scenarioID, settings, step) {
  const pic = kind === "svg" || kind === "png" ? `-step${step}` : "";
  return `concviz-${scenarioID}-seed${settings.seed}${settings.interventions.length ? "-edited" : ""}${pic}.${EXPORT_FILES[kind].ext}`;
}

// ---- The standalone page --------------------------------------------------

/**
 * standaloneHTML makes the scenario page's server-rendered HTML (page, as
 * GET /s/{id} returns it) into one file that replays a recording with no
 * server: the style sheet (css) inlined, the modules (bundle, as GET
 * /static/bundle.js returns it) inlined as one module script, the
 * recording in a <script type="application/json" id="recording">, the
 * icon (icon, the SVG's text) as a data: URL or left out, a
 * <meta name="concviz-standalone"> marker, and a Content-Security-Policy
 * that lets the file load nothing from anywhere. It throws if the page
 * loads something from /static/ it does not know how to inline: a page
 * that needs the server is not standalone.
 */
export function standaloneHTML({ page, css, bundle, recording, icon = "" }) {
  for (const [name, v] of Object.entries({ page, css, bundle })) if (typeof v !== "string") throw new Error(`standaloneHTML needs ${name} as a string`);
  if (!isObj(recording)) throw new Error("standaloneHTML needs the recording");
  const tokens = { style: "\u0000style\u0000", script: "\u0000script\u0000" };
  if (page.includes("\u0000")) throw new Error("the page holds a NUL character");
  let html = once(page, /<link\b[^>]*\shref="\/static\/style\.css"[^>]*>/g, tokens.style, "a <link> to /static/style.css");
  html = once(html, /<script\b[^>]*\ssrc="\/static\/(?:bundle|app)\.js"[^>]*>\s*<\/script>/g, tokens.script, `a <script type="module" src="/static/bundle.js"> (or app.js)`);
  html = inlineIcon(html, icon);
  const left = /\b(?:src|href)="(\/static\/[^"]*)"/.exec(html);
  if (left) throw new Error(`the page loads ${left[1]} from the server, which standaloneHTML does not inline`);
  html = once(html, /<meta charset="utf-8"\s*\/?>/gi, (m) => `${m}<meta name="concviz-standalone" content="${RUN_VERSION}"><meta http-equiv="Content-Security-Policy" content="${STANDALONE_CSP}">`, `<meta charset="utf-8">`);
  const json = JSON.stringify(recording).replace(/</g, "\\u003c");
  return html
    .replace(tokens.style, () => `<style>${css.replace(/<\/style/gi, "<\\/style")}</style>`)
    .replace(tokens.script, () => `<script type="application/json" id="recording">${json}</script><script type="module">${scriptText(bundle)}</script>`);
}

// The standalone page needs nothing from anywhere: its script and styles
// are inline, its images data: (and blob: for the PNG export).
const STANDALONE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; base-uri 'none'; form-action 'none'";

// once replaces the one match of re in html, or throws: a page that lacks
// the tag, or has two, is not the page this was written for.
function once(html, re, replacement, what) {
  const n = html.match(re)?.length ?? 0;
  if (n !== 1) throw new Error(`the page has ${n === 0 ? "no" : n} ${what} where standaloneHTML expects one`);
  return html.replace(re, typeof replacement === "function" ? replacement : () => replacement);
}

// inlineIcon makes /static/icon.svg a data: URL, or drops the tags that
// load it when there is no icon to inline.
function inlineIcon(html, icon) {
  const tags = /<(?:link|img)\b[^>]*\s(?:href|src)="\/static\/icon\.svg"[^>]*>/g;
  if (!icon) return html.replace(tags, "");
  const url = `data:image/svg+xml,${encodeURIComponent(icon)}`;
  return html.replace(tags, (tag) => tag.replace(/"\/static\/icon\.svg"/, () => `"${url}"`));
}

// scriptText keeps a script's text from ending its <script> element early:
// "</script" would close it, and "<!--" could start the HTML parser's
// escaped mode in which a later "</script>" does not. Both escapes mean
// the same to JavaScript inside strings, templates, regular expressions
// and comments, the only places either can appear in working code.
function scriptText(js) {
  return js.replace(/<\/script/gi, "<\\/script").replace(/<!--/g, "<\\!--");
}

// ---- Pictures and files (browser only) ----------------------------------

const SVG_NS = "http://www.w3.org/2000/svg";

// The computed styles a drawing needs once it leaves the page's style
// sheet and its CSS variables.
const SVG_STYLES = [
  "fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "stroke-opacity", "stroke-linecap",
  "stroke-linejoin", "opacity", "font-family", "font-size", "font-weight", "font-style", "text-anchor",
  "dominant-baseline",
];

/**
 * graphSVG returns the graph on screen as a standalone SVG document: each
 * element's computed style inlined (the page's CSS variables do not
 * survive outside it), hidden elements kept hidden, the size of its
 * viewBox, and a background of the page's colour.
 */
export function graphSVG(svg) {
  const copy = svg.cloneNode(true);
  const from = [svg, ...svg.querySelectorAll("*")];
  const to = [copy, ...copy.querySelectorAll("*")];
  from.forEach((el, i) => {
    const style = inlineStyle(el, el === svg ? null : el.parentElement);
    if (style) to[i].setAttribute("style", style);
  });
  const { x, y, width, height } = svgBox(svg);
  copy.setAttribute("xmlns", SVG_NS);
  copy.setAttribute("width", String(width));
  copy.setAttribute("height", String(height));
  const bg = document.createElementNS(SVG_NS, "rect");
  for (const [k, v] of Object.entries({ x, y, width, height, fill: pageBackground(svg) })) bg.setAttribute(k, String(v));
  copy.insertBefore(bg, copy.firstChild);
  return new XMLSerializer().serializeToString(copy);
}

// inlineStyle is the style attribute that draws el as the page does. A
// property that el inherits unchanged from parent is left to inheritance
// (all but opacity inherit), which keeps a big graph's SVG small, unless
// el has an attribute of that name, which the style must then override.
function inlineStyle(el, parent) {
  const cs = getComputedStyle(el);
  const up = parent && getComputedStyle(parent);
  const out = [];
  for (const p of SVG_STYLES) {
    const v = cs.getPropertyValue(p);
    const same = p === "opacity" ? v === "1" : up?.getPropertyValue(p) === v;
    if (!same || el.hasAttribute(p)) out.push(`${p}:${v}`);
  }
  if (cs.display === "none") out.push("display:none");
  if (cs.visibility === "hidden" && up?.visibility !== "hidden") out.push("visibility:hidden");
  return out.join(";");
}

// svgBox is the drawing's own coordinates: its viewBox, else its size.
function svgBox(svg) {
  const vb = svg.viewBox?.baseVal;
  if (vb && vb.width && vb.height) return { x: vb.x, y: vb.y, width: vb.width, height: vb.height };
  const r = svg.getBoundingClientRect();
  return { x: 0, y: 0, width: Math.round(r.width) || 960, height: Math.round(r.height) || 420 };
}

// pageBackground is the first opaque background behind the element.
function pageBackground(el) {
  for (let e = el; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (c && c !== "transparent" && !/^rgba\(.*,\s*0\)$/.test(c)) return c;
  }
  return "#ffffff";
}

/**
 * graphPNG draws graphSVG(svg) on a canvas, scale pixels per SVG unit, and
 * resolves to the PNG as a Blob.
 */
export function graphPNG(svg, scale = 2) {
  const { width, height } = svgBox(svg);
  const url = URL.createObjectURL(new Blob([graphSVG(svg)], { type: "image/svg+xml" }));
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(url);
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the browser could not make a PNG of the graph"))), "image/png");
    };
    img.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error("the browser could not draw the graph's SVG"));
    };
    img.src = url;
  });
}

/**
 * download saves a Blob, or a string as a Blob of the given type, under
 * name, through a temporary <a download>.
 */
export function download(name, data, type = "application/octet-stream") {
  const blob = data instanceof Blob ? data : new Blob([data], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/**
 * bindExportMenu makes the page's Export menu download each export: text
 * (kind) makes its content, name(kind) its file's name, and a failure is
 * told with notice(html, kind). A standalone page offers no standalone
 * page: it has no server to fetch the modules from.
 */
export function bindExportMenu(menu, { text, name, notice, standalone = false }) {
  menu.addEventListener("click", async (e) => {
    const b = e.target.closest("button[data-export]");
    if (!b) return;
    const kind = b.dataset.export;
    menu.open = false;
    try {
      const body = await text(kind);
      download(name(kind), body, EXPORT_FILES[kind].type);
    } catch (err) {
      notice(`<strong>The export did not work.</strong> ${escapeHTML(err.message)}`, "error");
    }
  });
  if (standalone) menu.querySelector('[data-export="html"]')?.remove();
}
