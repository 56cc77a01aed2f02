// Which real-time transport to use (docs/realtime.md): 'ws' (the WebSocket stream) → 'lp'
// (long-polling `events`) → 'poll' (polling `responses`, servers before the real-time release).

/**
 * Whether an answer means the server has no real-time API: 404, 405, 501, or its 400
 * "Invalid action".
 * @param {number} status
 * @param {string} [error]
 */
export function unsupported(status, error) {
  return status === 404 || status === 405 || status === 501 || (status === 400 && /invalid action/i.test(error || ''));
}

/**
 * The transport after a failure: 'ws' → 'lp' after 3 WebSocket attempts in a row that never
 * became ready (blocked by a proxy or CSP); 'lp' → 'poll' at once when the server does not know
 * `events`, or after 4 failures in a row.
 * @param {'ws' | 'lp' | 'poll'} mode
 * @param {number} failures failures in a row of this mode, including this one
 * @param {number} status
 * @param {string} [error]
 */
export function fallback(mode, failures, status, error) {
  if (mode === 'ws') return failures >= 3 ? 'lp' : 'ws';
  if (mode === 'lp') return unsupported(status, error) || failures >= 4 ? 'poll' : 'lp';
  return mode;
}
