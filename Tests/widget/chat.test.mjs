// Pure logic of the chat window (Sources/Widget/chat): ids, cursor + de-duplication, outbox,
// polling schedule, persistence and its migration, colour contrast. Run: node --test Tests/widget/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { SESSION_ID_PATTERN, newClientMessageId, newSessionId } from '../../Sources/Widget/chat/ids.js';
import { mergeItems, mergeReplies, pendingCount, trimItems } from '../../Sources/Widget/chat/transcript.js';
import { parseServerTime } from '../../Sources/Widget/chat/server-time.js';
import { pollDelay, retryDelay } from '../../Sources/Widget/chat/backoff.js';
import { classify, flushOutbox } from '../../Sources/Widget/chat/outbox.js';
import { createSender } from '../../Sources/Widget/chat/sender.js';
import { createStore, migrateLegacyRecord } from '../../Sources/Widget/chat/store.js';
import { colorScheme, contrast } from '../../Sources/Widget/chat/theme.js';
import { createElement } from '../../Sources/Widget/chat/dom.js';

test('session ids have 128 random bits in the bridge format', () => {
  const ids = new Set();
  for (let i = 0; i < 200; i++) {
    const id = newSessionId(webcrypto);
    assert.match(id, /^session_[0-9a-f]{32}$/);
    assert.ok(id.length <= 64);
    assert.match(id, SESSION_ID_PATTERN);
    ids.add(id);
  }
  assert.equal(ids.size, 200);
  assert.match(newClientMessageId(webcrypto), /^[A-Za-z0-9_-]{1,64}$/);
});

test('mergeReplies appends only ids above the cursor, once, in id order', () => {
  const items = [{ kind: 'visitor', text: 'hi', status: 'sent', id: 1 }];
  const r1 = mergeReplies(items, 0, [
    { id: 5, response: 'five', timestamp: '2025-01-02 03:04:05', message_id: 1 },
    { id: 3, response: 'three', timestamp: '2025-01-02 03:04:04', message_id: null }
  ]);
  assert.deepEqual(r1.added.map((i) => [i.kind, i.id, i.text]), [['agent', 3, 'three'], ['agent', 5, 'five']]);
  assert.equal(r1.cursor, 5);
  assert.equal(r1.added[0].time, Date.UTC(2025, 0, 2, 3, 4, 4));
  const all = items.concat(r1.added);
  // a server that ignores since_id and returns the full history: nothing is duplicated
  const r2 = mergeReplies(all, r1.cursor, [{ id: 3, response: 'three' }, { id: 5, response: 'five' }, { id: 6, response: 'six' }]);
  assert.deepEqual(r2.added.map((i) => i.id), [6]);
  assert.equal(r2.cursor, 6);
  // the same batch delivered twice (overlapping polls)
  const r3 = mergeReplies(all.concat(r2.added), r2.cursor, [{ id: 6, response: 'six' }]);
  assert.deepEqual(r3.added, []);
  assert.equal(r3.cursor, 6);
});

test('mergeReplies de-duplicates inside one batch and ignores malformed entries', () => {
  const r = mergeReplies([], 0, [
    { id: 2, response: 'a' }, { id: 2, response: 'a again' }, null, { id: 'x', response: 'bad' },
    { id: 4 }, { id: 7, response: 42 }, { id: 8, response: '' }
  ]);
  assert.deepEqual(r.added.map((i) => [i.id, i.text]), [[2, 'a'], [8, '']]);
  assert.equal(r.cursor, 8);
  assert.deepEqual(mergeReplies([], 3, undefined), { added: [], cursor: 3 });
});

test('mergeReplies never moves the cursor backwards and skips what the transcript has', () => {
  const items = [{ kind: 'agent', id: 10, text: 'x' }];
  const r = mergeReplies(items, 9, [{ id: 10, response: 'x' }, { id: 9, response: 'old' }]);
  assert.deepEqual(r.added, []);
  assert.equal(r.cursor, 10);
});

test('parseServerTime reads bridge timestamps as UTC and keeps explicit offsets', () => {
  assert.equal(parseServerTime('2025-08-04 03:17:33'), Date.UTC(2025, 7, 4, 3, 17, 33));
  assert.equal(parseServerTime('2025-08-04T03:17:33.250'), Date.UTC(2025, 7, 4, 3, 17, 33, 250));
  assert.equal(parseServerTime('2025-08-04T05:17:33+02:00'), Date.UTC(2025, 7, 4, 3, 17, 33));
  assert.equal(parseServerTime('2025-08-04T03:17:33Z'), Date.UTC(2025, 7, 4, 3, 17, 33));
  assert.equal(parseServerTime('garbage', 123), 123);
  assert.equal(parseServerTime(null, 456), 456);
});

test('pollDelay: fast while open and visible, slower closed or hidden, backoff with jitter, Retry-After', () => {
  assert.equal(pollDelay({ open: true, visible: true }), 1000);
  assert.equal(pollDelay({ open: false, visible: true }), 5000);
  assert.equal(pollDelay({ open: true, visible: false }), 15000);
  assert.equal(pollDelay({ open: true, visible: true, retryAfter: 7 }), 7000);
  const lo = (errors) => pollDelay({ open: true, visible: true, errors, random: () => 0 });
  const hi = (errors) => pollDelay({ open: true, visible: true, errors, random: () => 0.999999 });
  assert.deepEqual([1, 2, 3, 4].map(hi), [2000, 4000, 8000, 16000]);
  assert.deepEqual([1, 2, 3].map(lo), [1000, 2000, 4000]);
  assert.equal(hi(20), 60000, 'capped at a minute');
  for (let e = 1; e < 12; e++) {
    const d = pollDelay({ open: true, visible: true, errors: e });
    assert.ok(d >= 500 && d <= 60000, `delay ${d} for ${e} errors`);
  }
  assert.equal(pollDelay({ open: false, visible: false, errors: 1, random: () => 0.999999 }), 15000);
});

test('retryDelay grows exponentially, capped at 30 s', () => {
  assert.deepEqual([1, 2, 3, 4, 10].map((a) => retryDelay(a, () => 0.999999)), [1000, 2000, 4000, 8000, 30000]);
  assert.equal(retryDelay(1, () => 0), 500);
});

test('classify: network, timeout, 429 and 5xx retry; other 4xx and success:false fail', () => {
  assert.equal(classify({ status: 200, ok: true }), 'sent');
  assert.equal(classify({ status: 200, ok: false }), 'failed');
  for (const status of [0, 408, 429, 500, 502, 503]) assert.equal(classify({ status, ok: false }), 'retry');
  for (const status of [400, 401, 403, 404, 413]) assert.equal(classify({ status, ok: false }), 'failed');
});

const pending = (text, clientMessageId) => ({ kind: 'visitor', text: text, clientMessageId, status: 'pending', time: 1 });

test('flushOutbox sends pending messages in order, once each, and records the message ids', async () => {
  const items = [{ kind: 'visitor', text: 'old', status: 'sent', id: 1 }, pending('a', 'c1'), { kind: 'agent', id: 2, text: 'reply' }, pending('b', 'c2')];
  const sent = [];
  const changes = [];
  const r = await flushOutbox(items, async (item) => {
    sent.push(item.clientMessageId);
    return { status: 200, ok: true, data: { message_id: 10 + sent.length } };
  }, (item) => changes.push([item.clientMessageId, item.status]));
  assert.deepEqual(r, { done: true });
  assert.deepEqual(sent, ['c1', 'c2']);
  assert.deepEqual(changes, [['c1', 'sent'], ['c2', 'sent']]);
  assert.deepEqual(items.map((i) => i.status || i.kind), ['sent', 'sent', 'agent', 'sent']);
  assert.deepEqual([items[1].id, items[3].id], [11, 12]);
  assert.equal(pendingCount(items), 0);
  // flushing again sends nothing
  await flushOutbox(items, async () => { throw new Error('must not send'); });
});

test('flushOutbox stops at a retryable failure (keeping order) and retries with the same client id', async () => {
  const items = [pending('a', 'c1'), pending('b', 'c2')];
  const attempts = [];
  let online = false;
  const send = async (item) => {
    attempts.push(item.clientMessageId);
    return online ? { status: 200, ok: true, data: { message_id: 7 } } : { status: 0, ok: false, error: 'network error' };
  };
  const r1 = await flushOutbox(items, send);
  assert.deepEqual(r1, { done: false, retryAfter: 0, error: 'network error' });
  assert.deepEqual(attempts, ['c1'], 'b is not sent before a');
  assert.equal(pendingCount(items), 2);
  online = true;
  const r2 = await flushOutbox(items, send);
  assert.equal(r2.done, true);
  assert.deepEqual(attempts, ['c1', 'c1', 'c2']);
  assert.equal(pendingCount(items), 0);
});

test('flushOutbox passes Retry-After on 429 and marks rejected messages failed', async () => {
  const items = [pending('bad', 'c1'), pending('ok', 'c2'), pending('later', 'c3')];
  const results = [
    { status: 400, ok: false, error: 'Invalid message' },
    { status: 200, ok: true, data: { message_id: 3 } },
    { status: 429, ok: false, error: 'Rate limit exceeded', retryAfter: 12 }
  ];
  const r = await flushOutbox(items, async () => results.shift());
  assert.deepEqual(r, { done: false, retryAfter: 12, error: 'Rate limit exceeded' });
  assert.deepEqual(items.map((i) => i.status), ['failed', 'sent', 'pending']);
  assert.equal(items[0].error, 'Invalid message');
});

test('flushOutbox leaves an item alone when it changed while its request was in flight', async () => {
  const items = [pending('a', 'c1')];
  await flushOutbox(items, async (item) => { item.status = 'failed'; return { status: 200, ok: true, data: { message_id: 1 } }; });
  assert.equal(items[0].status, 'failed');
  assert.equal(items[0].id, undefined);
});

test('the sender posts a message\'s metadata hints with every attempt; replies keep their metadata', async () => {
  const hint = { attachments: { ids: ['f1'] } };
  const conversation = { sessionId: 'session_abc', items: [Object.assign(pending('photo.png', 'c1'), { metadata: hint })] };
  const bodies = [];
  let online = false;
  const server = { request: async (method, action, query, body) => {
    bodies.push(body);
    return online ? { status: 200, ok: true, data: { message_id: 3 } } : { status: 0, ok: false, error: 'network error' };
  } };
  const sender = createSender({ conversation, server, keyParams: () => ({ widget_key: 'pk' }), isOnline: () => true,
    isDestroyed: () => false, onItemChange: () => {}, emit: () => {} });
  await sender.flush();
  sender.stop(); // no timed retry in a unit test: flush again by hand
  online = true;
  await sender.flush();
  assert.equal(bodies.length, 2);
  for (const body of bodies) {
    assert.deepEqual(body, { session_id: 'session_abc', message: 'photo.png', client_message_id: 'c1', metadata: hint, widget_key: 'pk' });
  }
  assert.equal(pendingCount(conversation.items), 0);
  const files = { attachments: { files: [{ id: 'f2', name: 'a.png' }] } };
  assert.deepEqual(mergeReplies([], 0, [{ id: 1, response: 'see', metadata: files }]).added[0].metadata, files);
});

test('trimItems drops the oldest non-pending items only', () => {
  const items = [
    { kind: 'visitor', status: 'pending', text: 'p0' }, { kind: 'agent', text: 'b1' }, { kind: 'visitor', status: 'sent', text: 'u2' },
    { kind: 'agent', text: 'b3' }, { kind: 'visitor', status: 'pending', text: 'p4' }
  ];
  assert.deepEqual(trimItems(items, 3).map((i) => i.text), ['p0', 'b3', 'p4']);
  assert.equal(trimItems(items, 10), items);
});

function memoryStorage() {
  const data = new Map();
  return {
    data,
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem: (k, v) => data.set(k, String(v)),
    removeItem: (k) => data.delete(k)
  };
}

test('createStore round-trips the session, cursor, transcript and outbox', () => {
  const storage = memoryStorage();
  const store = createStore(storage, 'sanctum-chat:v1:https://chat.example.com');
  assert.equal(store.load(), null);
  const items = [{ kind: 'visitor', text: 'hi', status: 'sent', id: 1, clientMessageId: 'c1', time: 5 }, pending('queued', 'c2')];
  assert.equal(store.save({ sessionId: 'session_' + 'a'.repeat(32), replyCursor: 4, items, user: { id: 'u' } }), true);
  const loaded = store.load();
  assert.deepEqual(loaded, { version: 2, sessionId: 'session_' + 'a'.repeat(32), replyCursor: 4, items, user: { id: 'u' }, lastEventId: 0,
    agentReadUpTo: 0, visitorReadUpTo: 0, highestMessageId: 0, serverKnowsSession: false });
  assert.equal(pendingCount(loaded.items), 1);
  store.clear();
  assert.equal(store.load(), null);
  assert.equal(storage.data.size, 0);
});

test('createStore ignores corrupt records and survives a throwing storage', () => {
  const storage = memoryStorage();
  const store = createStore(storage, 'k');
  storage.setItem('k', '{not json');
  assert.equal(store.load(), null);
  storage.setItem('k', JSON.stringify({ sessionId: 'evil id', items: [] }));
  assert.equal(store.load(), null);
  const broken = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('quota'); }, removeItem() { throw new Error('x'); } };
  const s2 = createStore(broken, 'k');
  assert.equal(s2.load(), null);
  assert.equal(s2.save({ sessionId: 'session_x', replyCursor: 0, items: [] }), false);
  s2.clear();
});

test('colorScheme gives text colours with at least 4.5:1 contrast', () => {
  const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
  for (const brand of ['#007bff', '#ffd600', '#ff5722', '#00c853', '#222222', '#ffffff', '#6b21a8', '#e91e63', '#9e9e9e']) {
    const s = colorScheme(brand);
    assert.ok(contrast(hex(s.surface), hex(s.text)) >= 4.5, `${brand} → ${s.surface}/${s.text}`);
  }
  assert.deepEqual(colorScheme('#ffd600'), { surface: '#ffd600', text: '#111111' });
  assert.equal(colorScheme('#222222').surface, '#222222');
  assert.equal(colorScheme('#007bff').text, '#ffffff');
});

test('mergeItems combines two tabs’ transcripts without duplicates and keeps sent states', () => {
  const mine = [{ kind: 'visitor', clientMessageId: 'a', text: 'one', status: 'pending', time: 1 }, { kind: 'agent', id: 5, text: 'r', time: 2 }];
  const theirs = [
    { kind: 'visitor', clientMessageId: 'a', text: 'one', status: 'sent', id: 11, time: 1 },
    { kind: 'agent', id: 5, text: 'r', time: 2 },
    { kind: 'agent', id: 7, text: 'r2', time: 6 },
    { kind: 'visitor', clientMessageId: 'b', text: 'two', status: 'pending', time: 4 },
    { kind: 'error', text: 'ephemeral' }, null
  ];
  const r = mergeItems(mine, theirs);
  assert.equal(r.changed, true);
  assert.deepEqual(r.items.map((i) => i.text), ['one', 'r', 'two', 'r2']);
  assert.deepEqual([r.items[0].status, r.items[0].id], ['sent', 11]);
  const again = mergeItems(r.items, theirs);
  assert.equal(again.changed, false);
  assert.equal(again.items.length, 4);
  // a pending copy never downgrades a message this tab already sent
  const down = mergeItems([{ kind: 'visitor', clientMessageId: 'a', status: 'sent', id: 3, text: 'x', time: 1 }], [{ kind: 'visitor', clientMessageId: 'a', status: 'pending', text: 'x', time: 1 }]);
  assert.equal(down.items[0].status, 'sent');
  assert.equal(down.changed, false);
});

// Release 1 stored the conversation under `sanctum-chat:v1:<base>` with one- and two-letter
// field names; returning visitors keep their conversation.
const LEGACY_RECORD = {
  v: 1, sessionId: 'session_' + 'b'.repeat(32), cursor: 7, user: { id: 'u-1' }, ev: 1042, ar: 11, rd: 7, mx: 12, st: 1,
  items: [
    { k: 'u', cmid: 'cm_1', id: 11, t: 'hello', ts: 1000, s: 'sent', r: 2 },
    { k: 'b', id: 7, t: 'hi there', ts: 2000 },
    { k: 'u', cmid: 'cm_2', id: 12, t: 'and?', ts: 3000, s: 'sent', r: 1 },
    { k: 'u', cmid: 'cm_3', t: 'rejected', ts: 3500, s: 'failed', err: 'Invalid message' },
    { k: 'u', cmid: 'cm_4', t: 'queued offline', ts: 4000, s: 'pending' },
    { k: 'e', t: 'never stored' }, null
  ]
};

test('migrateLegacyRecord renames every field of a release-1 record', () => {
  assert.deepEqual(migrateLegacyRecord(LEGACY_RECORD), {
    version: 2, sessionId: 'session_' + 'b'.repeat(32), serverKnowsSession: true, user: { id: 'u-1' },
    replyCursor: 7, lastEventId: 1042, agentReadUpTo: 11, visitorReadUpTo: 7, highestMessageId: 12,
    items: [
      { kind: 'visitor', clientMessageId: 'cm_1', id: 11, text: 'hello', time: 1000, status: 'sent', receiptLevel: 2 },
      { kind: 'agent', id: 7, text: 'hi there', time: 2000 },
      { kind: 'visitor', clientMessageId: 'cm_2', id: 12, text: 'and?', time: 3000, status: 'sent', receiptLevel: 1 },
      { kind: 'visitor', clientMessageId: 'cm_3', text: 'rejected', time: 3500, status: 'failed', error: 'Invalid message' },
      { kind: 'visitor', clientMessageId: 'cm_4', text: 'queued offline', time: 4000, status: 'pending' }
    ]
  });
  assert.equal(migrateLegacyRecord({ v: 1, sessionId: 'not a session', items: [] }), null);
  assert.equal(migrateLegacyRecord(null), null);
  const bare = migrateLegacyRecord({ sessionId: 'session_old' }); // the very first release stored no real-time fields
  assert.deepEqual([bare.lastEventId, bare.serverKnowsSession, bare.items], [0, false, []]);
});

test('createStore migrates a release-1 record on first load, once, and clear() removes both keys', () => {
  const storage = memoryStorage();
  const key = 'sanctum-chat:v2:https://chat.example.com', legacyKey = 'sanctum-chat:v1:https://chat.example.com';
  storage.setItem(legacyKey, JSON.stringify(LEGACY_RECORD));
  const store = createStore(storage, key, legacyKey);
  const loaded = store.load();
  assert.equal(loaded.sessionId, LEGACY_RECORD.sessionId);
  assert.equal(pendingCount(loaded.items), 1, 'the offline outbox survives the upgrade');
  assert.deepEqual(loaded.items.map((i) => i.text), ['hello', 'hi there', 'and?', 'rejected', 'queued offline']);
  assert.equal(storage.getItem(legacyKey), null, 'the old entry is removed');
  assert.deepEqual(JSON.parse(storage.getItem(key)), loaded, 'and stored under the new key');
  // a later release-1 write (an old tab still open) does not override the migrated record
  storage.setItem(legacyKey, JSON.stringify({ ...LEGACY_RECORD, cursor: 1 }));
  assert.equal(store.load().replyCursor, 7);
  store.clear();
  assert.equal(storage.data.size, 0);
  // a corrupt legacy entry is dropped, not migrated
  storage.setItem(legacyKey, '{broken');
  assert.equal(store.load(), null);
  storage.setItem(legacyKey, JSON.stringify({ v: 1, sessionId: '../evil', items: [] }));
  assert.equal(store.load(), null);
  assert.equal(storage.getItem(legacyKey), null);
});

test('elements are built from own properties only: Object.prototype.onclick = "x" neither throws nor attaches', () => {
  const calls = [];
  const element = {
    setAttribute: (name, value) => calls.push(['attribute', name, value]),
    addEventListener: (type, listener) => {
      if (typeof listener !== 'function') throw new TypeError('not a listener');
      calls.push(['listener', type]);
    },
    append: () => {}
  };
  Object.prototype.onclick = 'x';
  Object.prototype.polluted = 'yes';
  try {
    createElement({ createElement: () => element }, 'button', { type: 'button', onclick: () => {} });
  } finally {
    delete Object.prototype.onclick;
    delete Object.prototype.polluted;
  }
  assert.deepEqual(calls, [['attribute', 'type', 'button'], ['listener', 'click']]);
});
