// The conversation state and how real-time events change it (docs/realtime.md). Events carry
// an id that grows per conversation; the conversation remembers the last one applied, so a
// replay after a reconnect never applies anything twice.
import { parseServerTime } from './server-time.js';
import { mergeReplies } from './transcript.js';

const TYPING_FRESH_MS = 8000;
const MAX_DELIVERED_IDS = 200;

/**
 * A conversation, from a stored record or empty:
 * {sessionId, items, replyCursor (highest reply id seen), lastEventId, agentReadUpTo (message
 * id), visitorReadUpTo (reply id), highestMessageId (own), serverKnowsSession, deliveredIds}.
 * @param {object} [saved] as returned by the store's load()
 */
export function newConversation(saved = {}) {
  return {
    sessionId: saved.sessionId || null,
    items: saved.items || [],
    replyCursor: saved.replyCursor || 0,
    lastEventId: saved.lastEventId || 0,
    agentReadUpTo: saved.agentReadUpTo || 0,
    visitorReadUpTo: saved.visitorReadUpTo || 0,
    highestMessageId: saved.highestMessageId || 0,
    serverKnowsSession: !!saved.serverKnowsSession,
    deliveredIds: new Set() // delivered message ids not yet matched to a message
  };
}

/**
 * The receipt of one visitor message.
 * @returns {'pending' | 'failed' | 'sent' | 'delivered' | 'read'}
 */
export function receiptOf(item) {
  if (item.status !== 'sent') return item.status;
  return item.receiptLevel >= 2 ? 'read' : item.receiptLevel === 1 ? 'delivered' : 'sent';
}

/**
 * Applies what is known about agent-side receipts to one visitor message that has its
 * message_id; receipts only move forward.
 * @returns {boolean} whether the message's receipt changed
 */
export function settleReceipt(conversation, item) {
  if (item.kind !== 'visitor' || item.id == null) return false;
  conversation.highestMessageId = Math.max(conversation.highestMessageId || 0, item.id);
  const delivered = conversation.deliveredIds && conversation.deliveredIds.has(item.id);
  const level = item.id <= (conversation.agentReadUpTo || 0) ? 2 : delivered ? 1 : 0;
  if (conversation.deliveredIds && level) conversation.deliveredIds.delete(item.id);
  if (level <= (item.receiptLevel || 0)) return false;
  item.receiptLevel = level;
  return true;
}

/**
 * Whether a typing event is recent enough to show (younger than 8 s).
 * @param {string} at the event's server time
 * @param {number} [now]
 * @param {number} [clockSkew] client clock − server clock, in milliseconds
 */
export function typingFresh(at, now = Date.now(), clockSkew = 0) {
  return now - clockSkew - parseServerTime(at, now - clockSkew) <= TYPING_FRESH_MS;
}

function applyMessage(conversation, data, now, outcome) {
  const messageId = Number(data.message_id), clientMessageId = data.client_message_id;
  const known = conversation.items.find((item) => item.kind === 'visitor' &&
    ((clientMessageId && item.clientMessageId === clientMessageId) || (item.id != null && item.id === messageId)));
  if (known) {
    if (known.id == null && Number.isInteger(messageId)) {
      known.id = messageId;
      settleReceipt(conversation, known);
      outcome.changed.push(known);
    }
  } else if (Number.isInteger(messageId) && messageId > (conversation.highestMessageId || 0) && typeof data.text === 'string') {
    // Sent from another tab or device (an id at or below the highest one seen is an old
    // message trimmed from the transcript, not a new one).
    const item = { kind: 'visitor', clientMessageId: clientMessageId || 'm' + messageId, id: messageId, text: data.text,
      time: parseServerTime(data.timestamp, now), status: 'sent' };
    settleReceipt(conversation, item);
    conversation.items.push(item);
    outcome.added.push(item);
  }
}

function applyAgentReceipt(conversation, type, data, outcome) {
  if (type === 'read') conversation.agentReadUpTo = Math.max(conversation.agentReadUpTo || 0, Number(data.up_to) || 0);
  else for (const id of Array.isArray(data.message_ids) ? data.message_ids : []) if (Number(id) > 0) conversation.deliveredIds.add(Number(id));
  for (const item of conversation.items) if (item.kind === 'visitor' && settleReceipt(conversation, item)) outcome.changed.push(item);
  while (conversation.deliveredIds.size > MAX_DELIVERED_IDS) conversation.deliveredIds.delete(conversation.deliveredIds.values().next().value);
}

/**
 * Folds one event into `conversation` (changed in place).
 * @param {object} conversation from newConversation()
 * @param {{id: number, type: string, at?: string, data?: object}} event
 * @param {number} [now]
 * @param {number} [clockSkew] client clock − server clock
 * @returns {null | {type: string, added: object[], changed: object[], typing: boolean | undefined}}
 *   null for an event already applied; else `added`: items to render (agent replies not
 *   already shown, the visitor's own messages sent from elsewhere), `changed`: visitor messages
 *   whose id or receipt changed, `typing`: show (true) or hide (false) the agent's typing
 *   indicator, undefined to leave it
 */
export function applyEvent(conversation, event, now = Date.now(), clockSkew = 0) {
  const id = event && Number(event.id);
  if (!Number.isInteger(id) || id <= conversation.lastEventId) return null;
  conversation.lastEventId = id;
  const data = (event.data && typeof event.data === 'object' && event.data) || {};
  const outcome = { type: event.type, added: [], changed: [], typing: undefined };
  if (event.type === 'reply') {
    const merged = mergeReplies(conversation.items, conversation.replyCursor,
      [{ ...data, id: data.response_id, response: data.text }]);
    conversation.replyCursor = merged.cursor;
    conversation.items.push(...merged.added);
    outcome.added = merged.added;
    outcome.typing = false;
  } else if (event.type === 'message') {
    applyMessage(conversation, data, now, outcome);
  } else if (event.type === 'typing') {
    if (data.from === 'agent' && typingFresh(event.at, now, clockSkew)) outcome.typing = data.active === true;
  } else if (event.type === 'delivered' || (event.type === 'read' && data.by === 'agent')) {
    applyAgentReceipt(conversation, event.type, data, outcome);
  } else if (event.type === 'read' && data.by === 'visitor') {
    conversation.visitorReadUpTo = Math.max(conversation.visitorReadUpTo || 0, Number(data.up_to) || 0); // read in another tab
  }
  return outcome;
}
