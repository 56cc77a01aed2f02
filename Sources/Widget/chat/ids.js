// Identifiers the widget creates: the visitor's session id and one idempotency key per message.

/** The bridge's session id format (`^session_[a-zA-Z0-9_]+$`, at most 64 characters). */
export const SESSION_ID_PATTERN = /^session_[A-Za-z0-9_]{1,56}$/;

function randomHex(byteCount, cryptoSource) {
  return Array.from(cryptoSource.getRandomValues(new Uint8Array(byteCount)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * `session_` + 128 random bits in hex.
 * @param {Crypto} cryptoSource `window.crypto` (or node's webcrypto in tests)
 */
export function newSessionId(cryptoSource) {
  return 'session_' + randomHex(16, cryptoSource);
}

/**
 * Idempotency key of one visitor message (`client_message_id`, [A-Za-z0-9_-]{1,64}): the
 * server stores a message sent twice with the same key once.
 * @param {Crypto} cryptoSource
 */
export function newClientMessageId(cryptoSource) {
  return 'cm_' + randomHex(12, cryptoSource);
}
