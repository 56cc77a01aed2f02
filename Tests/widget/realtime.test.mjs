// Pure real-time logic of the chat window (Sources/Widget/chat, docs/realtime.md): the event
// cursor and de-duplication, receipts, typing freshness and debounce, reconnect backoff and
// transport fallback. Run: node --test Tests/widget/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEvent, newConversation, receiptOf, settleReceipt, typingFresh } from '../../Sources/Widget/chat/conversation.js';
import { mergeReplies } from '../../Sources/Widget/chat/transcript.js';
import { createTyping } from '../../Sources/Widget/chat/typing.js';
import { reconnectDelay } from '../../Sources/Widget/chat/backoff.js';
import { fallback, unsupported } from '../../Sources/Widget/chat/transport-policy.js';
import { colorScheme, contrast, readColor } from '../../Sources/Widget/chat/theme.js';
import { createStore } from '../../Sources/Widget/chat/store.js';

const AT = '2026-11-27T05:20:00.000000+00:00';
const NOW = Date.UTC(2026, 10, 27, 5, 20, 1);
const ev = (id, type, data, at = AT) => ({ id, seq: id, session_id: 'session_x', type, at, data });
const reply = (id, rid, text = 'r' + rid) => ev(id, 'reply', { response_id: rid, text, timestamp: '2026-11-27 05:20:00', message_id: null });
const userItem = (clientMessageId, id, status = 'sent') => ({ kind: 'visitor', clientMessageId, id, text: 'm ' + clientMessageId, time: 1, status });

test('applyEvent: the cursor advances on every event and an event at or below it is ignored', () => {
  const c = newConversation();
  assert.ok(applyEvent(c, reply(5, 1), NOW));
  assert.equal(c.lastEventId, 5);
  assert.equal(applyEvent(c, reply(5, 1), NOW), null, 'same event again (overlapping replay)');
  assert.equal(applyEvent(c, reply(3, 1), NOW), null, 'older event');
  assert.ok(applyEvent(c, ev(9, 'typing', { from: 'visitor', active: true }), NOW), 'unknown-to-the-UI events still move the cursor');
  assert.equal(c.lastEventId, 9);
  assert.equal(applyEvent(c, { id: 'x', type: 'reply' }, NOW), null);
  assert.equal(applyEvent(c, null, NOW), null);
  assert.deepEqual(c.items.map((i) => i.id), [1]);
});

test('applyEvent: replies are added once, in order, also against replies fetched with `responses`', () => {
  const c = newConversation();
  // polling already fetched reply 7 (cursor 7), then the stream replays events for 6 and 7
  const fetched = mergeReplies(c.items, c.replyCursor, [{ id: 6, response: 'six' }, { id: 7, response: 'seven' }]);
  c.items.push(...fetched.added);
  c.replyCursor = fetched.cursor;
  assert.deepEqual(applyEvent(c, reply(10, 6, 'six'), NOW).added, []);
  assert.deepEqual(applyEvent(c, reply(11, 7, 'seven'), NOW).added, []);
  const out = applyEvent(c, reply(12, 8, 'eight'), NOW);
  assert.deepEqual(out.added.map((i) => [i.kind, i.id, i.text]), [['agent', 8, 'eight']]);
  assert.equal(out.typing, false, 'a reply hides the typing indicator');
  assert.equal(c.replyCursor, 8);
  // a reply event re-delivered under a new event id (e.g. after a reset) is still not duplicated
  assert.deepEqual(applyEvent(c, reply(20, 8, 'eight'), NOW).added, []);
  assert.deepEqual(c.items.map((i) => i.id), [6, 7, 8]);
});

test('applyEvent: message events echo the visitor’s own messages, de-duplicated by client and message id', () => {
  const pending = userItem('cm_a', undefined, 'pending');
  const c = newConversation({ items: [userItem('cm_0', 3), pending] });
  c.highestMessageId = 3;
  // our own pending message: the echo gives it its id but leaves sending to the outbox
  let out = applyEvent(c, ev(1, 'message', { message_id: 4, text: 'm cm_a', client_message_id: 'cm_a', timestamp: AT }), NOW);
  assert.deepEqual(out.added, []);
  assert.deepEqual(out.changed, [pending]);
  assert.equal(pending.id, 4);
  assert.equal(pending.status, 'pending');
  // known by message id only
  assert.deepEqual(applyEvent(c, ev(2, 'message', { message_id: 3, text: 'x', client_message_id: null }), NOW).added, []);
  // from another tab: added once
  out = applyEvent(c, ev(3, 'message', { message_id: 9, text: 'other tab', client_message_id: 'cm_b', timestamp: AT }), NOW);
  assert.deepEqual(out.added.map((i) => [i.kind, i.id, i.clientMessageId, i.text, i.status]), [['visitor', 9, 'cm_b', 'other tab', 'sent']]);
  assert.deepEqual(applyEvent(c, ev(4, 'message', { message_id: 9, text: 'other tab', client_message_id: 'cm_b' }), NOW).added, []);
  // an old message trimmed from the transcript (id below the highest seen) is not re-added
  assert.deepEqual(applyEvent(c, ev(5, 'message', { message_id: 2, text: 'old', client_message_id: 'cm_old' }), NOW).added, []);
  assert.equal(c.items.filter((i) => i.kind === 'visitor').length, 3);
});

test('applyEvent: a new device replaying a verified conversation from its first event shows it in order, on the right sides', () => {
  const c = newConversation({ sessionId: 'session_x' });
  const replay = [
    ev(1, 'message', { message_id: 1, text: 'first', client_message_id: 'cm_1', timestamp: AT }),
    ev(2, 'message', { message_id: 2, text: 'second', client_message_id: 'cm_2', timestamp: AT }),
    ev(3, 'delivered', { message_ids: [1, 2] }),
    reply(4, 1, 'answer'),
    ev(5, 'read', { by: 'agent', up_to: 2 })
  ];
  for (const event of replay) applyEvent(c, event, NOW);
  assert.deepEqual(c.items.map((i) => [i.kind, i.text]), [['visitor', 'first'], ['visitor', 'second'], ['agent', 'answer']]);
  assert.deepEqual(c.items.filter((i) => i.kind === 'visitor').map(receiptOf), ['read', 'read']);
  assert.equal(c.lastEventId, 5);
  assert.equal(c.replyCursor, 1);
  for (const event of replay) assert.equal(applyEvent(c, event, NOW), null, 'a second replay adds nothing');
});

test('receipts: sent → delivered → read, never backwards, also for ids learned later', () => {
  const a = userItem('cm_a', 10), b = userItem('cm_b', 11), p = userItem('cm_p', undefined, 'pending');
  const c = newConversation({ items: [a, b, p] });
  assert.deepEqual([a, b, p].map(receiptOf), ['sent', 'sent', 'pending']);
  let out = applyEvent(c, ev(1, 'delivered', { message_ids: [10, 11, 12] }), NOW);
  assert.deepEqual(out.changed, [a, b]);
  assert.deepEqual([a, b].map(receiptOf), ['delivered', 'delivered']);
  out = applyEvent(c, ev(2, 'read', { by: 'agent', up_to: 10 }), NOW);
  assert.deepEqual(out.changed, [a]);
  assert.deepEqual([a, b].map(receiptOf), ['read', 'delivered']);
  // a late `delivered` for a read message does not downgrade it
  applyEvent(c, ev(3, 'delivered', { message_ids: [10] }), NOW);
  assert.equal(receiptOf(a), 'read');
  // the pending message was delivered (id 12) before its POST answer arrived
  p.status = 'sent';
  p.id = 12;
  assert.equal(settleReceipt(c, p), true);
  assert.equal(receiptOf(p), 'delivered');
  applyEvent(c, ev(4, 'read', { by: 'agent', up_to: 12 }), NOW);
  assert.deepEqual([a, b, p].map(receiptOf), ['read', 'read', 'read']);
  assert.equal(receiptOf({ kind: 'visitor', status: 'failed' }), 'failed');
  // a visitor `read` (from another tab) moves the visitor's read mark only
  applyEvent(c, ev(5, 'read', { by: 'visitor', up_to: 33 }), NOW);
  assert.equal(c.visitorReadUpTo, 33);
  assert.equal(c.agentReadUpTo, 12);
});

test('typing: only the agent’s, only if fresh (8 s, clock skew corrected), active true/false', () => {
  const c = newConversation();
  assert.equal(applyEvent(c, ev(1, 'typing', { from: 'agent', active: true }), NOW).typing, true);
  assert.equal(applyEvent(c, ev(2, 'typing', { from: 'agent', active: false }), NOW).typing, false);
  assert.equal(applyEvent(c, ev(3, 'typing', { from: 'visitor', active: true }), NOW).typing, undefined);
  assert.equal(applyEvent(c, ev(4, 'typing', { from: 'agent', active: true }), NOW + 9000).typing, undefined, 'stale replay');
  // the visitor's clock runs 20 s ahead of the server's: still fresh
  assert.equal(applyEvent(c, ev(5, 'typing', { from: 'agent', active: true }), NOW + 20000, 20000).typing, true);
  assert.equal(typingFresh(AT, NOW), true);
  assert.equal(typingFresh(AT, NOW + 8500), false);
  assert.equal(typingFresh('garbage', NOW), true, 'unparseable time: treated as now');
});

test('createTyping: true at once and at most every 2 s, false 3 s after the last key, on stop()', () => {
  let t = 0;
  const sent = [], timers = new Map();
  let seq = 0;
  const clock = { now: () => t, setTimer: (fn, ms) => { timers.set(++seq, [t + ms, fn]); return seq; }, clearTimer: (id) => timers.delete(id) };
  const advance = (ms) => {
    const end = t + ms;
    for (;;) {
      const due = [...timers].filter(([, [at]]) => at <= end).sort((a, b) => a[1][0] - b[1][0])[0];
      if (!due) break;
      timers.delete(due[0]);
      t = due[1][0];
      due[1][1]();
    }
    t = end;
  };
  const typer = createTyping((a) => sent.push([t, a]), clock);
  for (let i = 0; i < 30; i++) { typer.input(); advance(200); } // 6 s of typing, a key every 200 ms
  assert.deepEqual(sent, [[0, true], [2000, true], [4000, true]]);
  advance(2799); // the last key was at 5800 ms
  assert.equal(sent.length, 3);
  advance(1);
  assert.deepEqual(sent.at(-1), [8800, false]);
  assert.equal(typer.isActive(), false);
  typer.stop();
  assert.equal(sent.length, 4, 'stop() when idle sends nothing');
  typer.input();
  assert.deepEqual(sent.at(-1), [t, true], 'typing again after a stop signals at once');
  typer.stop();
  assert.deepEqual(sent.at(-1), [t, false]);
  advance(5000);
  assert.equal(sent.length, 6, 'the cancelled timer sends no second false');
});

test('reconnectDelay: 250 ms doubling to 30 s, jittered to 50–100 %', () => {
  const hi = (a) => reconnectDelay(a, () => 0.999999), lo = (a) => reconnectDelay(a, () => 0);
  assert.deepEqual([1, 2, 3, 4, 5].map(hi), [250, 500, 1000, 2000, 4000]);
  assert.deepEqual([1, 2, 3].map(lo), [125, 250, 500]);
  assert.equal(hi(30), 30000);
  assert.equal(hi(0), 250);
  for (let a = 1; a < 15; a++) {
    const d = reconnectDelay(a);
    assert.ok(d >= lo(a) && d <= hi(a), `attempt ${a}: ${d}`);
  }
});

test('fallback: WebSocket → long-poll after 3 failed attempts → responses polling on 404 or repeated failures', () => {
  assert.equal(fallback('ws', 1, 0), 'ws');
  assert.equal(fallback('ws', 2, 0), 'ws');
  assert.equal(fallback('ws', 3, 0), 'lp');
  assert.equal(fallback('lp', 1, 0, 'network error'), 'lp');
  assert.equal(fallback('lp', 1, 503, 'HTTP 503'), 'lp');
  assert.equal(fallback('lp', 4, 0), 'poll');
  assert.equal(fallback('lp', 1, 404, 'Endpoint not found'), 'poll');
  assert.equal(fallback('lp', 1, 400, 'Invalid action'), 'poll', 'servers before the real-time release');
  assert.equal(fallback('lp', 1, 400, 'Invalid session ID'), 'lp');
  assert.equal(fallback('poll', 9, 0), 'poll');
  assert.equal(unsupported(404), true);
  assert.equal(unsupported(429), false);
});

test('a replayed stream after random cuts yields every reply once and in order', () => {
  // The server's event log for one conversation; the client connects, takes a random prefix
  // of what is sent after its cursor, is cut, and reconnects with its cursor (as the widget does).
  const log = [];
  let id = 100;
  for (let r = 1; r <= 100; r++) {
    log.push(reply(id++, r * 2, 'reply ' + r));
    if (r % 3 === 0) log.push(ev(id++, 'typing', { from: 'agent', active: true }));
    if (r % 4 === 0) log.push(ev(id++, 'message', { message_id: r, text: 'v' + r, client_message_id: 'cm_' + r }));
  }
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const c = newConversation();
  const shown = [];
  let cuts = 0;
  while (c.lastEventId < log.at(-1).id) {
    const after = log.filter((e) => e.id > c.lastEventId);
    // a connection may also re-send a little of what was already seen (overlap) before new ones
    const overlap = log.filter((e) => e.id <= c.lastEventId).slice(-Math.floor(rnd() * 3));
    const take = overlap.concat(after.slice(0, 1 + Math.floor(rnd() * 8)));
    for (const e of take) {
      const out = applyEvent(c, e, NOW);
      if (out) shown.push(...out.added.filter((i) => i.kind === 'agent').map((i) => i.text));
    }
    cuts++;
  }
  assert.ok(cuts > 20);
  assert.deepEqual(shown, Array.from({ length: 100 }, (_, i) => 'reply ' + (i + 1)));
  assert.equal(c.items.filter((i) => i.kind === 'visitor').length, 25);
});

test('readColor: an accent with 4.5:1 on the message surface, else the text colour', () => {
  for (const brand of ['#007bff', '#0f766e', '#6b21a8', '#ffeb3b', '#ffffff', '#000000', '#ff5722']) {
    const sc = colorScheme(brand);
    const c = readColor(sc.surface, sc.text);
    const hex = (h) => [1, 3, 5].map((i) => parseInt(h.substr(i, 2), 16));
    assert.ok(c === sc.text || contrast(hex(c), hex(sc.surface)) >= 4.5, brand + ' → ' + c);
  }
  assert.notEqual(readColor('#000000', '#ffffff'), '#ffffff', 'a dark surface gets a coloured accent');
});

test('the store keeps the event cursor and receipt marks with the conversation', () => {
  const mem = new Map();
  const storage = { getItem: (k) => mem.get(k) ?? null, setItem: (k, v) => mem.set(k, v), removeItem: (k) => mem.delete(k) };
  const store = createStore(storage, 'k', 'old');
  const conversation = Object.assign(newConversation(), { sessionId: 'session_abc', replyCursor: 4, lastEventId: 1042,
    agentReadUpTo: 7, visitorReadUpTo: 4, highestMessageId: 9, serverKnowsSession: true });
  store.save(Object.assign({}, conversation, { user: null }));
  assert.deepEqual(store.load(), { version: 2, sessionId: 'session_abc', replyCursor: 4, items: [], user: null, lastEventId: 1042,
    agentReadUpTo: 7, visitorReadUpTo: 4, highestMessageId: 9, serverKnowsSession: true });
  assert.equal(JSON.parse(mem.get('k')).deliveredIds, undefined, 'unmatched delivered ids are not stored');
  mem.delete('k');
  mem.set('old', JSON.stringify({ v: 1, sessionId: 'session_old', cursor: 2, items: [] })); // stored by the first release
  const old = store.load();
  assert.equal(old.lastEventId, 0);
  assert.equal(old.serverKnowsSession, false);
  assert.equal(old.replyCursor, 2);
  // a loaded record starts a conversation with the same marks
  const resumed = newConversation(store.load());
  assert.deepEqual([resumed.sessionId, resumed.replyCursor, resumed.deliveredIds.size], ['session_old', 2, 0]);
});
