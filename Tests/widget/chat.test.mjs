// Pure logic of the chat window (chat.js): ids, cursor + de-duplication, outbox, polling
// schedule, persistence, colour contrast. Run: node --test Tests/widget/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { webcrypto } from 'node:crypto';

const require = createRequire(import.meta.url);
const lib = require(new URL('../../Sources/Host/Resources/widget/chat.js', import.meta.url).pathname);

test('session ids have 128 random bits in the bridge format', () => {
  const ids = new Set();
  for (let i = 0; i < 200; i++) {
    const id = lib.newSessionId(webcrypto);
    assert.match(id, /^session_[0-9a-f]{32}$/);
    assert.ok(id.length <= 64);
    assert.match(id, lib.SESSION_RE);
    ids.add(id);
  }
  assert.equal(ids.size, 200);
  assert.match(lib.newClientMessageId(webcrypto), /^[A-Za-z0-9_-]{1,64}$/);
});

test('mergeReplies appends only ids above the cursor, once, in id order', () => {
  const items = [{ k: 'u', t: 'hi', s: 'sent', id: 1 }];
  const r1 = lib.mergeReplies(items, 0, [
    { id: 5, response: 'five', timestamp: '2025-01-02 03:04:05', message_id: 1 },
    { id: 3, response: 'three', timestamp: '2025-01-02 03:04:04', message_id: null }
  ]);
  assert.deepEqual(r1.added.map((i) => [i.k, i.id, i.t]), [['b', 3, 'three'], ['b', 5, 'five']]);
  assert.equal(r1.cursor, 5);
  assert.equal(r1.added[0].ts, Date.UTC(2025, 0, 2, 3, 4, 4));
  const all = items.concat(r1.added);
  // a server that ignores since_id and returns the full history: nothing is duplicated
  const r2 = lib.mergeReplies(all, r1.cursor, [{ id: 3, response: 'three' }, { id: 5, response: 'five' }, { id: 6, response: 'six' }]);
  assert.deepEqual(r2.added.map((i) => i.id), [6]);
  assert.equal(r2.cursor, 6);
  // the same batch delivered twice (overlapping polls)
  const r3 = lib.mergeReplies(all.concat(r2.added), r2.cursor, [{ id: 6, response: 'six' }]);
  assert.deepEqual(r3.added, []);
  assert.equal(r3.cursor, 6);
});

test('mergeReplies de-duplicates inside one batch and ignores malformed entries', () => {
  const r = lib.mergeReplies([], 0, [
    { id: 2, response: 'a' }, { id: 2, response: 'a again' }, null, { id: 'x', response: 'bad' },
    { id: 4 }, { id: 7, response: 42 }, { id: 8, response: '' }
  ]);
  assert.deepEqual(r.added.map((i) => [i.id, i.t]), [[2, 'a'], [8, '']]);
  assert.equal(r.cursor, 8);
  assert.deepEqual(lib.mergeReplies([], 3, undefined), { added: [], cursor: 3 });
});

test('mergeReplies never moves the cursor backwards and skips what the transcript has', () => {
  const items = [{ k: 'b', id: 10, t: 'x' }];
  const r = lib.mergeReplies(items, 9, [{ id: 10, response: 'x' }, { id: 9, response: 'old' }]);
  assert.deepEqual(r.added, []);
  assert.equal(r.cursor, 10);
});

test('parseServerTime reads bridge timestamps as UTC and keeps explicit offsets', () => {
  assert.equal(lib.parseServerTime('2025-08-04 03:17:33'), Date.UTC(2025, 7, 4, 3, 17, 33));
  assert.equal(lib.parseServerTime('2025-08-04T03:17:33.250'), Date.UTC(2025, 7, 4, 3, 17, 33, 250));
  assert.equal(lib.parseServerTime('2025-08-04T05:17:33+02:00'), Date.UTC(2025, 7, 4, 3, 17, 33));
  assert.equal(lib.parseServerTime('2025-08-04T03:17:33Z'), Date.UTC(2025, 7, 4, 3, 17, 33));
  assert.equal(lib.parseServerTime('garbage', 123), 123);
  assert.equal(lib.parseServerTime(null, 456), 456);
});

test('pollDelay: fast while open and visible, slower closed or hidden, backoff with jitter, Retry-After', () => {
  assert.equal(lib.pollDelay({ open: true, visible: true }), 1000);
  assert.equal(lib.pollDelay({ open: false, visible: true }), 5000);
  assert.equal(lib.pollDelay({ open: true, visible: false }), 15000);
  assert.equal(lib.pollDelay({ open: true, visible: true, retryAfter: 7 }), 7000);
  const lo = (errors) => lib.pollDelay({ open: true, visible: true, errors, random: () => 0 });
  const hi = (errors) => lib.pollDelay({ open: true, visible: true, errors, random: () => 0.999999 });
  assert.deepEqual([1, 2, 3, 4].map(hi), [2000, 4000, 8000, 16000]);
  assert.deepEqual([1, 2, 3].map(lo), [1000, 2000, 4000]);
  assert.equal(hi(20), 60000, 'capped at a minute');
  for (let e = 1; e < 12; e++) {
    const d = lib.pollDelay({ open: true, visible: true, errors: e });
    assert.ok(d >= 500 && d <= 60000, `delay ${d} for ${e} errors`);
  }
  assert.equal(lib.pollDelay({ open: false, visible: false, errors: 1, random: () => 0.999999 }), 15000);
});

test('retryDelay grows exponentially, capped at 30 s', () => {
  assert.deepEqual([1, 2, 3, 4, 10].map((a) => lib.retryDelay(a, () => 0.999999)), [1000, 2000, 4000, 8000, 30000]);
  assert.equal(lib.retryDelay(1, () => 0), 500);
});

test('classify: network, timeout, 429 and 5xx retry; other 4xx and success:false fail', () => {
  assert.equal(lib.classify({ status: 200, ok: true }), 'sent');
  assert.equal(lib.classify({ status: 200, ok: false }), 'failed');
  for (const status of [0, 408, 429, 500, 502, 503]) assert.equal(lib.classify({ status, ok: false }), 'retry');
  for (const status of [400, 401, 403, 404, 413]) assert.equal(lib.classify({ status, ok: false }), 'failed');
});

const pending = (text, cmid) => ({ k: 'u', t: text, cmid, s: 'pending', ts: 1 });

test('flushOutbox sends pending messages in order, once each, and records the message ids', async () => {
  const items = [{ k: 'u', t: 'old', s: 'sent', id: 1 }, pending('a', 'c1'), { k: 'b', id: 2, t: 'reply' }, pending('b', 'c2')];
  const sent = [];
  const changes = [];
  const r = await lib.flushOutbox(items, async (item) => {
    sent.push(item.cmid);
    return { status: 200, ok: true, data: { message_id: 10 + sent.length } };
  }, (item) => changes.push([item.cmid, item.s]));
  assert.deepEqual(r, { done: true });
  assert.deepEqual(sent, ['c1', 'c2']);
  assert.deepEqual(changes, [['c1', 'sent'], ['c2', 'sent']]);
  assert.deepEqual(items.map((i) => i.s || i.k), ['sent', 'sent', 'b', 'sent']);
  assert.deepEqual([items[1].id, items[3].id], [11, 12]);
  assert.equal(lib.pendingCount(items), 0);
  // flushing again sends nothing
  await lib.flushOutbox(items, async () => { throw new Error('must not send'); });
});

test('flushOutbox stops at a retryable failure (keeping order) and retries with the same client id', async () => {
  const items = [pending('a', 'c1'), pending('b', 'c2')];
  const attempts = [];
  let online = false;
  const send = async (item) => {
    attempts.push(item.cmid);
    return online ? { status: 200, ok: true, data: { message_id: 7 } } : { status: 0, ok: false, error: 'network error' };
  };
  const r1 = await lib.flushOutbox(items, send);
  assert.deepEqual(r1, { done: false, retryAfter: 0, error: 'network error' });
  assert.deepEqual(attempts, ['c1'], 'b is not sent before a');
  assert.equal(lib.pendingCount(items), 2);
  online = true;
  const r2 = await lib.flushOutbox(items, send);
  assert.equal(r2.done, true);
  assert.deepEqual(attempts, ['c1', 'c1', 'c2']);
  assert.equal(lib.pendingCount(items), 0);
});

test('flushOutbox passes Retry-After on 429 and marks rejected messages failed', async () => {
  const items = [pending('bad', 'c1'), pending('ok', 'c2'), pending('later', 'c3')];
  const results = [
    { status: 400, ok: false, error: 'Invalid message' },
    { status: 200, ok: true, data: { message_id: 3 } },
    { status: 429, ok: false, error: 'Rate limit exceeded', retryAfter: 12 }
  ];
  const r = await lib.flushOutbox(items, async () => results.shift());
  assert.deepEqual(r, { done: false, retryAfter: 12, error: 'Rate limit exceeded' });
  assert.deepEqual(items.map((i) => i.s), ['failed', 'sent', 'pending']);
  assert.equal(items[0].err, 'Invalid message');
});

test('flushOutbox leaves an item alone when it changed while its request was in flight', async () => {
  const items = [pending('a', 'c1')];
  await lib.flushOutbox(items, async (item) => { item.s = 'failed'; return { status: 200, ok: true, data: { message_id: 1 } }; });
  assert.equal(items[0].s, 'failed');
  assert.equal(items[0].id, undefined);
});

test('trimItems drops the oldest non-pending items only', () => {
  const items = [
    { k: 'u', s: 'pending', t: 'p0' }, { k: 'b', t: 'b1' }, { k: 'u', s: 'sent', t: 'u2' },
    { k: 'b', t: 'b3' }, { k: 'u', s: 'pending', t: 'p4' }
  ];
  assert.deepEqual(lib.trimItems(items, 3).map((i) => i.t), ['p0', 'b3', 'p4']);
  assert.equal(lib.trimItems(items, 10), items);
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
  const store = lib.createStore(storage, 'sanctum-chat:v1:https://chat.example.com');
  assert.equal(store.load(), null);
  const items = [{ k: 'u', t: 'hi', s: 'sent', id: 1, cmid: 'c1', ts: 5 }, pending('queued', 'c2')];
  assert.equal(store.save({ sessionId: 'session_' + 'a'.repeat(32), cursor: 4, items, user: { id: 'u' } }), true);
  const loaded = store.load();
  assert.deepEqual(loaded, { sessionId: 'session_' + 'a'.repeat(32), cursor: 4, items, user: { id: 'u' }, ev: 0, ar: 0, rd: 0, mx: 0, st: false });
  assert.equal(lib.pendingCount(loaded.items), 1);
  store.clear();
  assert.equal(store.load(), null);
  assert.equal(storage.data.size, 0);
});

test('createStore ignores corrupt records and survives a throwing storage', () => {
  const storage = memoryStorage();
  const store = lib.createStore(storage, 'k');
  storage.setItem('k', '{not json');
  assert.equal(store.load(), null);
  storage.setItem('k', JSON.stringify({ sessionId: 'evil id', items: [] }));
  assert.equal(store.load(), null);
  const broken = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('quota'); }, removeItem() { throw new Error('x'); } };
  const s2 = lib.createStore(broken, 'k');
  assert.equal(s2.load(), null);
  assert.equal(s2.save({ sessionId: 'session_x', cursor: 0, items: [] }), false);
  s2.clear();
});

test('colorScheme gives text colours with at least 4.5:1 contrast', () => {
  const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
  for (const brand of ['#007bff', '#ffd600', '#ff5722', '#00c853', '#222222', '#ffffff', '#6b21a8', '#e91e63', '#9e9e9e']) {
    const s = lib.colorScheme(brand);
    assert.ok(lib.contrast(hex(s.surface), hex(s.text)) >= 4.5, `${brand} → ${s.surface}/${s.text}`);
  }
  assert.deepEqual(lib.colorScheme('#ffd600'), { surface: '#ffd600', text: '#111111' });
  assert.equal(lib.colorScheme('#222222').surface, '#222222');
  assert.equal(lib.colorScheme('#007bff').text, '#ffffff');
});

test('mergeItems combines two tabs’ transcripts without duplicates and keeps sent states', () => {
  const mine = [{ k: 'u', cmid: 'a', t: 'one', s: 'pending', ts: 1 }, { k: 'b', id: 5, t: 'r', ts: 2 }];
  const theirs = [
    { k: 'u', cmid: 'a', t: 'one', s: 'sent', id: 11, ts: 1 },
    { k: 'b', id: 5, t: 'r', ts: 2 },
    { k: 'b', id: 7, t: 'r2', ts: 6 },
    { k: 'u', cmid: 'b', t: 'two', s: 'pending', ts: 4 },
    { k: 'e', t: 'ephemeral' }, null
  ];
  const r = lib.mergeItems(mine, theirs);
  assert.equal(r.changed, true);
  assert.deepEqual(r.items.map((i) => i.t), ['one', 'r', 'two', 'r2']);
  assert.deepEqual([r.items[0].s, r.items[0].id], ['sent', 11]);
  const again = lib.mergeItems(r.items, theirs);
  assert.equal(again.changed, false);
  assert.equal(again.items.length, 4);
  // a pending copy never downgrades a message this tab already sent
  const down = lib.mergeItems([{ k: 'u', cmid: 'a', s: 'sent', id: 3, t: 'x', ts: 1 }], [{ k: 'u', cmid: 'a', s: 'pending', t: 'x', ts: 1 }]);
  assert.equal(down.items[0].s, 'sent');
  assert.equal(down.changed, false);
});
