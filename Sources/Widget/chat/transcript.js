// The transcript: the visitor's own messages (the server does not return them to the widget)
// and the agent's replies, in the order shown. One item is
//   visitor message: {kind: 'visitor', clientMessageId, id?, text, time, status, receiptLevel?, error?, metadata?}
//                    metadata: the hint sent with it (SanctumChat.sendMessage(text, metadata))
//                    status 'pending' (in the outbox) | 'sent' | 'failed'; receiptLevel 1 delivered, 2 read
//   agent reply:     {kind: 'agent', id, text, time, metadata?} (metadata: what plugins stored, e.g. attachments)
// Error notes and the greeting are shown but never stored.
import { parseServerTime } from './server-time.js';

/** How many items the transcript keeps (the outbox is never trimmed). */
export const MAX_ITEMS = 200;

const STATUS_RANK = { pending: 0, failed: 1, sent: 2 };

/** Whether `item` is a stored transcript item (a visitor message or an agent reply with text). */
export function isTranscriptItem(item) {
  return !!item && (item.kind === 'visitor' || item.kind === 'agent') && typeof item.text === 'string';
}

/** The number of visitor messages waiting in the outbox. */
export function pendingCount(items) {
  return items.filter((item) => item.kind === 'visitor' && item.status === 'pending').length;
}

/**
 * New agent replies from a `responses` answer: ids above `cursor` that the transcript does not
 * already hold, in ascending id order.
 * @param {object[]} items the transcript
 * @param {number} cursor the highest reply id seen
 * @param {unknown} replies `data.responses` ({id, response, timestamp})
 * @returns {{added: object[], cursor: number}} the items to append and the advanced cursor
 */
export function mergeReplies(items, cursor, replies) {
  const seen = new Set(items.filter((item) => item.kind === 'agent').map((item) => item.id));
  const added = [];
  let nextCursor = cursor || 0;
  for (const reply of Array.isArray(replies) ? replies : []) {
    const id = reply && Number(reply.id);
    if (!Number.isInteger(id) || id <= (cursor || 0) || typeof reply.response !== 'string') continue;
    nextCursor = Math.max(nextCursor, id);
    if (seen.has(id)) continue;
    seen.add(id);
    added.push({ kind: 'agent', id, text: reply.response, time: parseServerTime(reply.timestamp), metadata: reply.metadata });
  }
  added.sort((a, b) => a.id - b.id);
  return { added, cursor: nextCursor };
}

/**
 * Keeps at most `max` items, dropping the oldest ones that are not pending.
 * @returns {object[]} `items` itself when nothing had to go
 */
export function trimItems(items, max = MAX_ITEMS) {
  let excess = items.length - max;
  if (excess <= 0) return items;
  return items.filter((item) => !(excess > 0 && item.status !== 'pending' && excess-- > 0));
}

function identity(item) {
  return item.kind === 'visitor' ? 'visitor:' + (item.clientMessageId || 'm' + item.id) : 'agent:' + item.id;
}

/**
 * Merges the transcript another tab stored into ours (same session): unknown items are
 * appended in time order, and a message another tab has sent is no longer pending here. An
 * item both tabs try to send is still stored once (same client_message_id).
 * @param {object[]} mine changed in place where another tab knows more
 * @param {unknown} theirs
 * @returns {{items: object[], changed: boolean}}
 */
export function mergeItems(mine, theirs) {
  const byIdentity = new Map(mine.map((item) => [identity(item), item]));
  const added = [];
  let changed = false;
  for (const other of Array.isArray(theirs) ? theirs : []) {
    if (!other || (other.kind !== 'visitor' && other.kind !== 'agent')) continue;
    const own = byIdentity.get(identity(other));
    if (!own) {
      added.push(other);
      byIdentity.set(identity(other), other);
      changed = true;
    } else if (own.kind === 'visitor' && STATUS_RANK[other.status] > STATUS_RANK[own.status]) {
      Object.assign(own, { status: other.status, id: other.id, error: other.error, receiptLevel: other.receiptLevel });
      changed = true;
    } else if (own.kind === 'visitor' && (other.receiptLevel || 0) > (own.receiptLevel || 0)) {
      own.receiptLevel = other.receiptLevel;
      changed = true;
    }
  }
  added.sort((a, b) => a.time - b.time);
  return { items: mine.concat(added), changed };
}
