// player.js: playing a run in animation frames. No DOM: the frames come
// from the `frame` function it is given (requestAnimationFrame), and the
// page moves and draws through the hooks.
//
// Each frame takes the steps the speed owes since the last one and draws
// once. At 120 steps a second on a 60 Hz screen that is two steps a frame,
// drawn together; a slow frame is made up for by the next, with at most a
// quarter of a second's steps at once.

/** DEFAULT_SPEED is the speed, in steps a second, when none is chosen. */
export const DEFAULT_SPEED = 8;
/** At most this share of a second's steps are taken in one frame. */
export const MOST_A_FRAME = 1 / 4;

/**
 * owed is what a frame owes: due steps carried over, plus those that
 * elapsed milliseconds at speed steps a second add, at most a quarter of a
 * second's (and at least one). It returns the whole steps to take now and
 * the part of a step carried to the next frame.
 */
export function owed(due, elapsed, speed) {
  const d = Math.min(due + (Math.max(0, elapsed) * speed) / 1000, Math.max(1, speed * MOST_A_FRAME));
  const n = Math.floor(d);
  return { n, due: d - n };
}

/**
 * Player plays and pauses. Hooks:
 *   ready()        whether a run is on screen to play
 *   atEnd()        whether the step on screen is the run's last
 *   rewind()       go to step 0 (play at the end starts again)
 *   speed()        steps a second
 *   advance(n)     take n steps; false when there are none left to take
 *   still()        draw the page as a still page shows it
 *   changed(on)    playing started or stopped
 */
export class Player {
  constructor({ frame = (f) => requestAnimationFrame(f), now = () => performance.now(), hooks }) {
    this.frame = frame;
    this.now = now;
    this.hooks = hooks;
    this.playing = false;
    this.whenReady = false; // play once the run arrives
    this.due = 0;
    this.last = 0;
    this.pendingFrame = false;
  }

  /** play starts playing, from the start if at the end (or once the run is on screen). */
  play() {
    const h = this.hooks;
    if (!h.ready()) {
      this.whenReady = true; // the run is still on its way
      return;
    }
    if (h.atEnd()) h.rewind();
    this.playing = true;
    h.changed(true);
    this.due = 1; // the first step at once
    this.last = this.now();
    if (!this.pendingFrame) {
      this.pendingFrame = true;
      this.frame((t) => this.onFrame(t));
    }
  }

  /** pause stops playing. */
  pause() {
    const was = this.playing;
    this.playing = false;
    this.hooks.changed(false, was);
  }

  /** toggle plays or pauses. */
  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  /** arrived plays a run that was asked to play before it was on screen. */
  arrived() {
    if (!this.whenReady) return;
    this.whenReady = false;
    this.play();
  }

  // onFrame takes the steps owed since the last frame.
  onFrame(now) {
    this.pendingFrame = false;
    const h = this.hooks;
    if (!this.playing) {
      // Paused since the last frame: show what a still page shows.
      h.still();
      return;
    }
    const o = owed(this.due, now - this.last, h.speed());
    this.due = o.due;
    this.last = now;
    if (o.n >= 1 && !h.advance(o.n)) {
      this.pause();
      h.still();
      return;
    }
    this.pendingFrame = true;
    this.frame((t) => this.onFrame(t));
  }
}
