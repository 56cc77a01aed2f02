// Isolation of widget modules: every call into a module goes through `guard`, so a module that
// throws, rejects or returns a promise that never settles is reported once and switched off,
// and the chat never notices.

/** How long a module's promise may stay pending before the module counts as broken. */
export const MODULE_TIMEOUT_MS = 5000;

/**
 * The guard of one module.
 * @param {string} id the module's plugin id (for the console)
 * @param {(message: string, error: unknown) => void} report called once, when the module breaks
 * @param {() => void} [onBreak] called once after `report` (removes the module's interface)
 * @param {number} [timeout] milliseconds a returned promise may stay pending
 */
export function createGuard(id, report, onBreak, timeout = MODULE_TIMEOUT_MS) {
  const guard = {
    broken: false,
    /** Switches the module off (once). */
    fail(error) {
      if (guard.broken) return;
      guard.broken = true;
      report('SanctumChat: module "' + id + '" failed and was switched off', error);
      if (onBreak) onBreak();
    },
    /**
     * Calls `fn(...args)` unless the module is broken. Returns its value, or for a promise one
     * that settles within `timeout` (else `undefined`, and the module is switched off).
     */
    call(fn, ...args) {
      if (guard.broken || typeof fn !== 'function') return undefined;
      let value;
      try { value = fn(...args); } catch (error) { guard.fail(error); return undefined; }
      if (!value || typeof value.then !== 'function') return value;
      return new Promise((resolve) => {
        const timer = setTimeout(() => { guard.fail(new Error('no answer within ' + timeout + ' ms')); resolve(undefined); }, timeout);
        Promise.resolve(value).then((result) => { clearTimeout(timer); resolve(result); },
          (error) => { clearTimeout(timer); guard.fail(error); resolve(undefined); });
      });
    },
    /** `fn` wrapped in `call` (for listeners and click handlers). */
    wrap: (fn) => (...args) => guard.call(fn, ...args)
  };
  return guard;
}
