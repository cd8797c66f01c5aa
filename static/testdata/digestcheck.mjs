// digestcheck.mjs DIR: folds every run in DIR (written by
// server/digest_test.go: the server's own messages and the engine's
// digests; a binary message as a base64 string) and requires the page's digest to equal the engine's at every
// step the engine recorded one. Prints the first difference of each run
// that has one and exits 1.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { newLog, addEvents, ev } from "../runlog.js";
import { decodeEvents, addFrames } from "../frames.js";
import { initialState, applyInPlace } from "../fold.js";
import { digest, canonical, firstDifference } from "../digest.js";

const dir = process.argv[2];
let failed = 0;
let checked = 0;
let events = 0;
let widest = 0; // the most events between two compared steps
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
for (const f of files) {
  const { messages, digests } = JSON.parse(readFileSync(join(dir, f), "utf8"));
  const msgs = messages; // the server's messages, as JSON values
  const log = newLog(msgs[0]);
  for (const m of msgs.slice(1)) {
    if (typeof m === "string") addFrames(log, decodeEvents(Buffer.from(m, "base64")));
    else if (m.type === "events") addEvents(log, m);
  }
  const s = initialState(log.run);
  events += log.events.length;
  let prev = 0;
  for (const want of digests) {
    widest = Math.max(widest, want.step - prev);
    prev = want.step;
    if (want.step > log.events.length) {
      console.log(`${f}: the engine has a digest at step ${want.step}, the page only ${log.events.length} events`);
      failed++;
      break;
    }
    while (s.step < want.step) applyInPlace(s, log.events.at(s.step), log);
    const got = digest(s);
    const exp = canonical(want);
    const d = firstDifference(exp, got);
    checked++;
    if (d) {
      const last = s.step > 0 ? ev(log.events.at(s.step - 1), s.step - 1) : null;
      console.log(`${f}: step ${want.step}: ${d.path}: engine ${JSON.stringify(d.a)}, page ${JSON.stringify(d.b)}`);
      console.log(`  last event: ${JSON.stringify(last)}`);
      console.log(`  engine: ${JSON.stringify(exp)}`);
      console.log(`  page:   ${JSON.stringify(got)}`);
      failed++;
      break;
    }
  }
}
console.log(`${files.length} runs, ${events} events, ${checked} digests compared (at most ${widest} events apart), ${failed} runs differ`);
process.exit(failed ? 1 : 0);
