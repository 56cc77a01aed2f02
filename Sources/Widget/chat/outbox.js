// The offline outbox: visitor messages are shown at once and sent in order, each exactly once
// thanks to its client_message_id (the server answers a retry with the original message_id).

/**
 * What the outbox does with the answer to one POST: 'sent', 'retry' (network, timeout, 429,
 * 5xx — safe because the client message id makes retries idempotent) or 'failed' (rejected).
 * @param {{status: number, ok: boolean}} response
 * @returns {'sent' | 'retry' | 'failed'}
 */
export function classify(response) {
  const status = response.status;
  if (status >= 200 && status < 300) return response.ok ? 'sent' : 'failed';
  return status === 0 || status === 408 || status === 429 || status >= 500 ? 'retry' : 'failed';
}

/**
 * Sends the pending visitor messages of `items` in order, one at a time. Stops at the first
 * retryable failure so that order is kept.
 * @param {object[]} items the transcript (pending items are updated in place)
 * @param {(item: object) => Promise<{status: number, ok: boolean, data?: object, error?: string, retryAfter?: number}>} send
 * @param {(item: object) => void} [onChange] after each item's status changed
 * @returns {Promise<{done: true} | {done: false, retryAfter: number, error?: string}>}
 */
export async function flushOutbox(items, send, onChange = () => {}) {
  for (const item of items) {
    if (item.kind !== 'visitor' || item.status !== 'pending') continue;
    const response = await send(item);
    if (item.status !== 'pending') continue; // reset or changed meanwhile
    const outcome = classify(response);
    if (outcome === 'retry') return { done: false, retryAfter: response.retryAfter || 0, error: response.error };
    if (outcome === 'sent') {
      item.status = 'sent';
      item.id = response.data && response.data.message_id;
    } else {
      item.status = 'failed';
      item.error = response.error || 'HTTP ' + response.status;
    }
    onChange(item);
  }
  return { done: true };
}
