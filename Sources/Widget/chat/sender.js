// Sending the outbox (outbox.js) at the right times: now, again after a retryable failure
// with backoff (or the server's Retry-After), and when the browser comes back online.
import { flushOutbox } from './outbox.js';
import { pendingCount } from './transcript.js';
import { retryDelay } from './backoff.js';

/**
 * @param {object} options
 * @param {object} options.conversation the live conversation
 * @param {ReturnType<import('./http.js').createApiClient>} options.server
 * @param {() => object} options.keyParams
 * @param {() => boolean} options.isOnline
 * @param {() => boolean} options.isDestroyed
 * @param {(item: object) => void} options.onItemChange a message was sent or rejected (same session only)
 * @param {(name: string, data: object) => void} options.emit
 */
export function createSender({ conversation, server, keyParams, isOnline, isDestroyed, onItemChange, emit }) {
  let flushing = false, retryTimer = null, failedAttempts = 0;

  /** Sends every pending message in order; reschedules itself after a retryable failure. */
  const flush = async () => {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (flushing || isDestroyed() || !conversation.sessionId || !pendingCount(conversation.items)) return;
    if (!isOnline()) return; // resumed by the 'online' event
    flushing = true;
    const sessionId = conversation.sessionId;
    const send = (item) => server.request('POST', 'messages', null,
      Object.assign({ session_id: sessionId, message: item.text, client_message_id: item.clientMessageId, metadata: item.metadata }, keyParams()));
    const result = await flushOutbox(conversation.items, send, (item) => {
      if (sessionId === conversation.sessionId) onItemChange(item);
    });
    flushing = false;
    if (isDestroyed() || sessionId !== conversation.sessionId) return;
    if (result.done) {
      failedAttempts = 0;
      if (pendingCount(conversation.items)) flush();
    } else {
      failedAttempts++;
      emit('error', { code: 'send_retry', message: result.error, attempt: failedAttempts });
      retryTimer = setTimeout(flush, result.retryAfter ? result.retryAfter * 1000 : retryDelay(failedAttempts));
    }
  };

  return {
    flush,
    /** Forgets the backoff and cancels a scheduled retry (reset, destroy). */
    stop() {
      failedAttempts = 0;
      clearTimeout(retryTimer);
    }
  };
}
