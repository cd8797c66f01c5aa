// html.js: text made safe to put in HTML or SVG markup. The page's modules
// write their pieces as markup; every text that comes from a program, a
// link or the server goes through escapeHTML.

/** ENTITIES are the characters escapeHTML replaces, and what with. */
export const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

const SPECIAL = new RegExp(`[${Object.keys(ENTITIES).join("")}]`, "g");

/** escapeHTML escapes s (any value, as text) for an element's text or a quoted attribute. */
export function escapeHTML(s) {
  return String(s).replace(SPECIAL, (c) => ENTITIES[c]);
}
