// The visitor's typing signal, debounced.

const REPEAT_MS = 2000;
const IDLE_MS = 3000;

/**
 * Calls `signal(true)` at once and then at most every 2 s while the visitor types, and
 * `signal(false)` 3 s after the last keystroke, or at once on stop() (send, blur).
 * @param {(active: boolean) => void} signal
 * @param {{now?: () => number, setTimer?: Function, clearTimer?: Function}} [clock] injectable for tests
 */
export function createTyping(signal, { now = Date.now, setTimer = setTimeout, clearTimer = clearTimeout } = {}) {
  let lastSignal = -Infinity, active = false, idleTimer = null;
  const stop = () => {
    clearTimer(idleTimer);
    idleTimer = null;
    if (active) {
      active = false;
      signal(false);
    }
  };
  return {
    /** A keystroke with text in the input. */
    input() {
      const time = now();
      if (!active || time - lastSignal >= REPEAT_MS) {
        active = true;
        lastSignal = time;
        signal(true);
      }
      clearTimer(idleTimer);
      idleTimer = setTimer(stop, IDLE_MS);
    },
    stop,
    isActive: () => active
  };
}
