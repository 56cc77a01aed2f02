// How long to wait: polling, outbox retries and real-time reconnects. Every delay after an
// error is exponential with jitter (50–100 %), so a restarted server is not stampeded.

const jitter = (milliseconds, random) => Math.round(milliseconds * (0.5 + random() * 0.5));

/**
 * Milliseconds until the next `responses` poll: 1 s while open and visible, 5 s while closed,
 * 15 s while the page is hidden; after errors 2 s, 4 s … ≤ 60 s (never below the normal
 * delay); a Retry-After (seconds) wins.
 * @param {{open: boolean, visible: boolean, errors?: number, retryAfter?: number, random?: () => number}} situation
 */
export function pollDelay({ open, visible, errors = 0, retryAfter = 0, random = Math.random }) {
  if (retryAfter > 0) return retryAfter * 1000;
  const normal = !visible ? 15000 : open ? 1000 : 5000;
  if (!errors) return normal;
  return jitter(Math.max(normal, Math.min(60000, 1000 * Math.pow(2, errors))), random);
}

/**
 * Delay before the outbox retries after `attempt` failures in a row: 1 s, 2 s, 4 s … ≤ 30 s.
 * @param {number} attempt 1 for the first retry
 */
export function retryDelay(attempt, random = Math.random) {
  return jitter(Math.min(30000, 1000 * Math.pow(2, Math.max(0, attempt - 1))), random);
}

/**
 * Delay before reconnecting after `attempt` closes or failures in a row: 250 ms, 500 ms,
 * 1 s … ≤ 30 s.
 * @param {number} attempt 1 for the first reconnect
 */
export function reconnectDelay(attempt, random = Math.random) {
  return jitter(Math.min(30000, 250 * Math.pow(2, Math.max(0, attempt - 1))), random);
}
