// rebuild.js: the page of a program this server has not built (after a
// restart, or a link from another concviz server). A program link carries
// its source (program.js): it is built here from the fragment, and the
// same link is opened again, now with the program, its settings and step.

import { build, decodeSource, errorText, programPath } from "./program.js";
import { escapeHTML as esc } from "./html.js";

const say = document.getElementById("rebuild");
const id = decodeURIComponent(location.pathname.split("/").pop());

async function rebuild() {
  let src;
  say.hidden = false;
  try {
    src = await decodeSource(location.hash);
  } catch (err) {
    say.innerHTML = `<strong>This link's program cannot be read:</strong> ${esc(err.message)}.`;
    return;
  }
  if (!src) {
    say.hidden = true; // the page already says the program is not here
    return;
  }
  say.textContent = "This server has not built this program yet: building it from the link…";
  try {
    const ready = await build(src, { progress: (s) => (say.textContent = s === "queued" ? "Waiting for a build slot…" : "Building the program from the link…") });
    // The same link again, now that the server knows the program. A link
    // whose source is not its id's opens the program it carries.
    if (ready.program === id) location.reload();
    else location.replace(programPath(ready.program, location.search.slice(1)) + location.hash);
  } catch (err) {
    say.innerHTML = `<strong>The program in this link was not built.</strong> <span class="detail">${esc(err.code ? errorText(err) : err.message)}</span>`;
  }
}
rebuild();
