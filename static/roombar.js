// roombar.js: the bar that shows the class room this page presents to or
// follows (the join link, follow or explore on one's own, stop), and the
// header's "Present to class" button. app.js holds the room (room.js);
// this draws it and takes the clicks.

import { escapeHTML } from "./html.js";
import { roomBarHTML, roomClosedHTML, joinURL } from "./panels.js";

/**
 * bindRoomBar binds the document's room bar and present button to room
 * (presenting opens a room on scenario, the page's), and returns draw,
 * which shows the room as it is now. notice shows a
 * sentence (HTML) to the user; writeURL keeps the page's link in step
 * (a follower's link says whom it follows).
 */
export function bindRoomBar(doc, { room, scenario, standalone, notice, writeURL }) {
  const bar = doc.querySelector("#room-bar");
  const present = doc.querySelector("#present-room");
  const origin = doc.defaultView.location.origin;

  function draw() {
    const r = room;
    doc.body.classList.toggle("presenting", r.role === "presenter");
    doc.body.classList.toggle("following", r.role === "viewer" && r.following);
    present.textContent = r.role === "presenter" ? "Stop presenting" : "Present to class";
    present.hidden = r.role === "viewer" || standalone;
    if (r.closed && !r.role) {
      notice(roomClosedHTML(r.closed), "info");
      r.closed = null;
    }
    if (!r.role) {
      bar.hidden = true;
      writeURL();
      return;
    }
    bar.innerHTML = roomBarHTML(r, origin);
    bar.hidden = false;
    writeURL();
  }

  bar.addEventListener("click", async (e) => {
    const b = e.target.closest("button[data-room]");
    if (!b) return;
    const act = b.dataset.room;
    if (act === "stop" || act === "leave") room.stop();
    else if (act === "detach") room.detach();
    else if (act === "refollow") room.refollow();
    else if (act === "copy") {
      const url = joinURL(room, origin);
      try {
        await doc.defaultView.navigator.clipboard.writeText(url);
        b.textContent = "Copied ✓";
      } catch {
        notice(`Share this link: <input class="link-box" readonly value="${escapeHTML(url)}" size="40">`, "info");
      }
    }
  });

  present.addEventListener("click", () => {
    if (room.role === "presenter") return room.stop();
    room.present(scenario);
  });
  return draw;
}
