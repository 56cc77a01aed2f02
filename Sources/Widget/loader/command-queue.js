// The pre-load command queue: calls a page made on the `SanctumChat` stub before the loader
// arrived (docs/widget.md#asynchronous-loading-with-a-command-queue), replayed in order.

/** Every public method name; the queue and `SanctumChat('name', …)` accept only these. */
export const METHODS = ['init', 'open', 'close', 'toggle', 'sendMessage', 'updateConfig', 'on', 'off', 'destroy',
  'getState', 'getConfig', 'identify', 'reset', 'simulateTyping', 'clearChat'];

/**
 * Reads the queued calls from the stub function's `q` (arguments objects), an array of
 * arrays, or `{q}`; entries without a method name are dropped.
 * @returns {Array<[string, unknown[]]>} [method, args] pairs
 */
export function takeQueue(stub) {
  const queue = stub && (Array.isArray(stub) ? stub : stub.q);
  if (!queue || typeof queue.length !== 'number') return [];
  return Array.from(queue, (call) => Array.from(call || []))
    .filter((call) => typeof call[0] === 'string')
    .map((call) => [call[0], call.slice(1)]);
}

/**
 * Runs queued calls on `api` in order; a failing or unknown call does not stop the rest.
 * @returns {Error[]} the errors, in order
 */
export function runQueue(api, calls) {
  const errors = [];
  for (const [method, args] of calls) {
    if (!METHODS.includes(method) || typeof api[method] !== 'function') errors.push(new Error('unknown method ' + method));
    else try { api[method](...args); } catch (error) { errors.push(error); }
  }
  return errors;
}
