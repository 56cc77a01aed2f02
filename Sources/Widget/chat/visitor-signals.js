// What the visitor tells the agent besides messages: typing, and read receipts for replies
// (over the socket when it is live, else `POST typing` / `POST read`). Both are skipped until
// the server knows the session, and for good once it turns out to lack the real-time API.
import { createTyping } from './typing.js';
import { unsupported } from './transport-policy.js';

/**
 * @param {object} options
 * @param {object} options.conversation the live conversation
 * @param {ReturnType<import('./connection.js').createConnection>} options.connection
 * @param {ReturnType<import('./http.js').createApiClient>} options.server
 * @param {() => object} options.keyParams
 * @param {() => boolean} options.isOpen
 * @param {Document} options.document
 * @param {() => void} options.persist
 */
export function createVisitorSignals({ conversation, connection, server, keyParams, isOpen, document, persist }) {
  let readRequestBusy = false;
  const skip = () => connection.realtimeOff() || !conversation.serverKnowsSession || !conversation.sessionId;

  const typing = createTyping((active) => {
    if (skip() || connection.send({ type: 'typing', active })) return;
    server.request('POST', 'typing', null, Object.assign({ session_id: conversation.sessionId, active }, keyParams())).then((response) => {
      if (unsupported(response.status, response.error)) connection.markUnsupported();
    });
  });

  /** Marks the replies read once per new highest reply shown, while the window is open and visible. */
  const markRead = () => {
    if (skip() || !isOpen() || document.visibilityState === 'hidden') return;
    const highestReply = conversation.items.reduce((highest, item) => (item.kind === 'agent' && item.id > highest ? item.id : highest), 0);
    if (highestReply <= conversation.visitorReadUpTo) return;
    if (connection.send({ type: 'read', up_to: highestReply })) {
      conversation.visitorReadUpTo = highestReply;
      persist();
      return;
    }
    if (readRequestBusy) return;
    readRequestBusy = true;
    const sessionId = conversation.sessionId;
    server.request('POST', 'read', null, Object.assign({ session_id: sessionId, up_to: highestReply }, keyParams())).then((response) => {
      readRequestBusy = false;
      if (sessionId !== conversation.sessionId) return;
      if (response.ok) {
        conversation.visitorReadUpTo = Math.max(conversation.visitorReadUpTo, highestReply);
        persist();
        markRead();
      } else if (unsupported(response.status, response.error)) connection.markUnsupported();
    });
  };

  return { typing, markRead };
}
