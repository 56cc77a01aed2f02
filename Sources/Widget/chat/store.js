// Persistence: one JSON record per Sanctum server in localStorage (key from
// shared/storage-keys.js), so the conversation survives reloads and visits and is shared by
// the visitor's tabs. Every storage failure is swallowed (private mode, quota, disabled
// storage): the chat then keeps working in memory.
//
// Record (version 2): {version, sessionId, replyCursor, lastEventId, agentReadUpTo,
// visitorReadUpTo, highestMessageId, serverKnowsSession, user, items} — items as described in
// transcript.js. Release 1 stored {v, sessionId, cursor, ev, ar, rd, mx, st, user, items} with
// items {k: 'u'|'b', cmid, id, t, ts, s, r, err}; such a record is migrated on first load.
import { SESSION_ID_PATTERN } from './ids.js';
import { trimItems } from './transcript.js';

const RECORD_VERSION = 2;
/** The record's counters: reply and event cursors and receipt marks (0 when absent). */
const COUNTERS = ['replyCursor', 'lastEventId', 'agentReadUpTo', 'visitorReadUpTo', 'highestMessageId'];
const LEGACY_FIELDS = { cursor: 'replyCursor', ev: 'lastEventId', ar: 'agentReadUpTo', rd: 'visitorReadUpTo', mx: 'highestMessageId', st: 'serverKnowsSession' };
const LEGACY_ITEM_FIELDS = { cmid: 'clientMessageId', id: 'id', t: 'text', ts: 'time', s: 'status', r: 'receiptLevel', err: 'error' };

function renamed(source, names, target) {
  for (const [oldName, name] of Object.entries(names)) if (source[oldName] !== undefined) target[name] = source[oldName];
  return target;
}

/**
 * A well-formed record from `source` (a conversation or a parsed record).
 * @returns {object | null} null when it holds no valid session id
 */
function toRecord(source) {
  if (!source || !SESSION_ID_PATTERN.test(source.sessionId)) return null;
  const record = { version: RECORD_VERSION, sessionId: source.sessionId, serverKnowsSession: !!source.serverKnowsSession,
    user: source.user || null, items: Array.isArray(source.items) ? source.items : [] };
  for (const counter of COUNTERS) record[counter] = Number(source[counter]) || 0;
  return record;
}

/**
 * Converts a release-1 record (one- and two-letter field names) to the current record.
 * @param {object} legacy the parsed `sanctum-chat:v1:` record
 * @returns {object | null} null when it holds no valid session
 */
export function migrateLegacyRecord(legacy) {
  if (!legacy || typeof legacy !== 'object') return null;
  const items = (Array.isArray(legacy.items) ? legacy.items : [])
    .filter((item) => item && (item.k === 'u' || item.k === 'b'))
    .map((item) => renamed(item, LEGACY_ITEM_FIELDS, { kind: item.k === 'u' ? 'visitor' : 'agent' }));
  return toRecord(renamed(legacy, LEGACY_FIELDS, { sessionId: legacy.sessionId, user: legacy.user, items }));
}

/**
 * The conversation store.
 * @param {Storage} storage `localStorage`
 * @param {string} key where the record lives
 * @param {string} [legacyKey] where release 1 kept it: migrated to `key` by the first load()
 */
export function createStore(storage, key, legacyKey) {
  const migrate = () => {
    const legacy = legacyKey && storage.getItem(legacyKey);
    if (!legacy) return null;
    const record = migrateLegacyRecord(JSON.parse(legacy));
    if (record) storage.setItem(key, JSON.stringify(record));
    storage.removeItem(legacyKey);
    return record;
  };
  return {
    /** The stored record, or null (none, corrupt, or storage unavailable). */
    load() {
      try {
        const stored = storage.getItem(key);
        return toRecord(stored ? JSON.parse(stored) : migrate());
      } catch (error) { return null; }
    },
    /**
     * Stores the conversation and `user` (the transcript trimmed to its newest items).
     * @returns {boolean} false when storage failed
     */
    save(conversation) {
      try {
        const record = toRecord(conversation);
        record.items = trimItems(record.items);
        storage.setItem(key, JSON.stringify(record));
        return true;
      } catch (error) { return false; }
    },
    /** Deletes the stored conversation (also a release-1 record). */
    clear() {
      try {
        storage.removeItem(key);
        if (legacyKey) storage.removeItem(legacyKey);
      } catch (error) { /* storage unavailable */ }
    }
  };
}
