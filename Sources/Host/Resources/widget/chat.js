/*! Sanctum Chat window, loaded lazily by chat-widget.js: the chat UI, the real-time channel
 * (WebSocket stream resumed by last_event_id, falling back to long-polling `events`, then to
 * polling `responses`), typing and receipts, persistence and the offline outbox that sends
 * every message exactly once (client_message_id, over HTTP POST). */
(() => {
  'use strict';
  const SESSION_RE = /^session_[A-Za-z0-9_]{1,56}$/;
  const MAX_ITEMS = 200;
  const MAX_CHARS = 10000;
  const STRINGS = {
    closeChat: 'Close chat', send: 'Send message', message: 'Message', conversation: 'Conversation',
    you: 'You', agent: 'Support', sending: 'Sending…', queued: 'Waiting for network…', failed: 'Not sent',
    offline: 'You are offline. Messages will be sent when you reconnect.',
    sendError: 'Your message could not be sent.', tooLong: 'Your message is too long (10000 characters at most).',
    newMessage: 'You have a new message', cleared: 'Chat cleared. How can I help you?',
    sent: 'Sent', delivered: 'Delivered', read: 'Read'
  };

  // ---------------------------------------------------------------- pure logic (unit-tested)
  const randomHex = (bytes, cryptoObj) =>
    Array.from(cryptoObj.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
  /** `session_` + 128 random bits in hex: the bridge format (^session_[a-zA-Z0-9_]+$, ≤ 64 chars). */
  const newSessionId = (cryptoObj) => 'session_' + randomHex(16, cryptoObj);
  /** Idempotency key for one visitor message ([A-Za-z0-9_-]{1,64}). */
  const newClientMessageId = (cryptoObj) => 'cm_' + randomHex(12, cryptoObj);

  const parseHex = (hex) => {
    const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(hex || '').trim());
    if (!m) return null;
    const h = m[1].length === 3 ? m[1].replace(/./g, '$&$&') : m[1];
    return [0, 2, 4].map((i) => parseInt(h.substr(i, 2), 16));
  };
  const toHex = (rgb) => '#' + rgb.map((c) => Math.max(0, Math.min(255, Math.round(c))).toString(16).padStart(2, '0')).join('');
  const luminance = (rgb) => {
    const c = rgb.map((v) => ((v /= 255) <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4)));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const contrast = (a, b) => {
    const x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };
  /** Brand colour → surface and text colours for text-bearing areas (header, visitor messages):
   * white text when it reaches 4.5:1, else the brand colour darkened by ≤ 30 % so white text
   * does, else near-black text on the brand colour. */
  const colorScheme = (hex) => {
    const rgb = parseHex(hex) || [0, 123, 255], white = [255, 255, 255];
    for (let f = 1; f > 0.69; f -= 0.04) {
      const d = rgb.map((c) => c * f);
      if (contrast(d, white) >= 4.5) return { surface: toHex(d), text: '#ffffff' };
    }
    return { surface: toHex(rgb), text: contrast(rgb, [17, 17, 17]) >= contrast(rgb, white) ? '#111111' : '#ffffff' };
  };

  /** Colour of the "read" ✓✓ on the visitor's messages: the accent with the best contrast on the
   * message surface, if it reaches 4.5:1; else the text colour (the state is also bold and has
   * hidden text, so it never relies on colour alone). */
  const readColor = (surface, text) => {
    const bg = parseHex(surface) || [0, 0, 0];
    const pick = (text === '#ffffff' ? ['#a5f3fc', '#bbf7d0', '#fde68a'] : ['#0b3d91', '#064e3b', '#5b1a7a'])
      .map((c) => [contrast(parseHex(c), bg), c]).sort((a, b) => b[0] - a[0])[0];
    return pick[0] >= 4.5 ? pick[1] : text;
  };

  /** Server timestamps: `YYYY-MM-DD HH:MM:SS` is UTC without a zone; ISO strings keep their offset. */
  const parseServerTime = (s, now = Date.now()) => {
    if (typeof s !== 'string') return now;
    let t = s.trim().replace(' ', 'T');
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(t)) t += 'Z';
    const ms = Date.parse(t);
    return isNaN(ms) ? now : ms;
  };

  /** New agent replies: ids above the cursor that are not already in the transcript, ascending.
   * Returns the items to append and the advanced cursor (the highest id seen). */
  const mergeReplies = (items, cursor, replies) => {
    const seen = new Set(items.filter((i) => i.k === 'b').map((i) => i.id));
    const added = [];
    let next = cursor || 0;
    for (const r of Array.isArray(replies) ? replies : []) {
      const id = r && Number(r.id);
      if (!Number.isInteger(id) || id <= (cursor || 0) || typeof r.response !== 'string') continue;
      next = Math.max(next, id);
      if (seen.has(id)) continue;
      seen.add(id);
      added.push({ k: 'b', id, t: r.response, ts: parseServerTime(r.timestamp) });
    }
    added.sort((a, b) => a.id - b.id);
    return { added, cursor: next };
  };

  /** Milliseconds until the next poll: ~1 s while open and visible, 5 s while closed, 15 s while
   * the page is hidden; exponential backoff with jitter after errors (max 60 s); Retry-After wins. */
  const pollDelay = ({ open, visible, errors = 0, retryAfter = 0, random = Math.random }) => {
    if (retryAfter > 0) return retryAfter * 1000;
    const base = !visible ? 15000 : open ? 1000 : 5000;
    if (!errors) return base;
    const back = Math.min(60000, 1000 * Math.pow(2, errors));
    return Math.round(Math.max(base, back) * (0.5 + random() * 0.5));
  };
  /** Backoff for outbox retries: 1 s, 2 s, 4 s … ≤ 30 s, with jitter. */
  const retryDelay = (attempt, random = Math.random) =>
    Math.round(Math.min(30000, 1000 * Math.pow(2, Math.max(0, attempt - 1))) * (0.5 + random() * 0.5));

  /** What an outbox does with the result of one POST: 'sent', 'retry' (network, timeout, 429,
   * 5xx — safe because the client message id makes retries idempotent) or 'failed' (rejected). */
  const classify = (res) => {
    if (res.status >= 200 && res.status < 300) return res.ok ? 'sent' : 'failed';
    return res.status === 0 || res.status === 408 || res.status === 429 || res.status >= 500 ? 'retry' : 'failed';
  };

  /** Sends the pending visitor messages of `items` in order, one at a time, with `send(item)` →
   * {status, ok, data, error, retryAfter}. Stops at the first retryable failure so order is kept.
   * `onChange(item)` is called after each state change. */
  const flushOutbox = async (items, send, onChange = () => {}) => {
    for (const item of items) {
      if (item.k !== 'u' || item.s !== 'pending') continue;
      const res = await send(item);
      if (item.s !== 'pending') continue; // reset or changed meanwhile
      const what = classify(res);
      if (what === 'retry') return { done: false, retryAfter: res.retryAfter || 0, error: res.error };
      if (what === 'sent') {
        item.s = 'sent';
        item.id = res.data && res.data.message_id;
      } else {
        item.s = 'failed';
        item.err = res.error || 'HTTP ' + res.status;
      }
      onChange(item);
    }
    return { done: true };
  };
  const pendingCount = (items) => items.filter((i) => i.k === 'u' && i.s === 'pending').length;
  /** Keeps at most `max` items, dropping the oldest ones that are not pending. */
  const trimItems = (items, max = MAX_ITEMS) => {
    let excess = items.length - max;
    if (excess <= 0) return items;
    return items.filter((i) => !(excess > 0 && i.s !== 'pending' && excess-- > 0));
  };

  const itemKey = (i) => (i.k === 'u' ? 'u:' + (i.cmid || 'm' + i.id) : 'b:' + i.id);
  const RANK = { pending: 0, failed: 1, sent: 2 };
  /** Merges the transcript another tab stored into ours (same session): unknown items are
   * appended in time order, and a message another tab has sent is no longer pending here. An
   * item both tabs try to send is still stored once (same client_message_id). */
  const mergeItems = (mine, theirs) => {
    const byKey = new Map(mine.map((i) => [itemKey(i), i]));
    const added = [];
    let changed = false;
    for (const t of Array.isArray(theirs) ? theirs : []) {
      if (!t || (t.k !== 'u' && t.k !== 'b')) continue;
      const m = byKey.get(itemKey(t));
      if (!m) { added.push(t); byKey.set(itemKey(t), t); changed = true; }
      else if (m.k === 'u' && RANK[t.s] > RANK[m.s]) { Object.assign(m, { s: t.s, id: t.id, err: t.err, r: t.r }); changed = true; }
      else if (m.k === 'u' && (t.r || 0) > (m.r || 0)) { m.r = t.r; changed = true; }
    }
    added.sort((a, b) => a.ts - b.ts);
    return { items: mine.concat(added), changed };
  };

  // ---------------------------------------------------------------- real time (docs/realtime.md)
  /** Delay before reconnecting after `attempt` consecutive closes or failures (1, 2, …):
   * 250 ms, 500 ms, 1 s … ≤ 30 s, jittered to 50–100 % so a restarted server is not stampeded. */
  const reconnectDelay = (attempt, random = Math.random) =>
    Math.round(Math.min(30000, 250 * Math.pow(2, Math.max(0, attempt - 1))) * (0.5 + random() * 0.5));
  /** The server has no real-time API (older release): 404, or its 400 "Invalid action". */
  const unsupported = (status, error) =>
    status === 404 || status === 405 || status === 501 || (status === 400 && /invalid action/i.test(error || ''));
  /** Transport after a failure: 'ws' → 'lp' (long-poll `events`) after 3 WebSocket attempts in a
   * row that never became ready (blocked by a proxy); 'lp' → 'poll' (`responses`) at once when the
   * server does not know `events`, or after 4 failures in a row. */
  const fallback = (mode, fails, status, error) => {
    if (mode === 'ws') return fails >= 3 ? 'lp' : 'ws';
    if (mode === 'lp') return unsupported(status, error) || fails >= 4 ? 'poll' : 'lp';
    return mode;
  };
  /** A typing event is shown only if younger than 8 s (`skew` = client clock − server clock). */
  const typingFresh = (at, now = Date.now(), skew = 0) => now - skew - parseServerTime(at, now - skew) <= 8000;

  /** Receipt of one visitor message: pending / failed / sent / delivered / read. */
  const receipt = (item) => (item.s !== 'sent' ? item.s : item.r >= 2 ? 'read' : item.r === 1 ? 'delivered' : 'sent');
  /** Applies what is known about agent-side receipts (`c.ar` read up to, `c.dl` delivered ids)
   * to one visitor message that has its message_id; receipts only move forward. */
  const settle = (c, item) => {
    if (item.k !== 'u' || item.id == null) return false;
    c.mx = Math.max(c.mx || 0, item.id);
    const r = item.id <= (c.ar || 0) ? 2 : c.dl && c.dl.has(item.id) ? 1 : 0;
    if (c.dl && r) c.dl.delete(item.id);
    if (r <= (item.r || 0)) return false;
    item.r = r;
    return true;
  };
  /** A fresh conversation state for applyEvent. */
  const newConv = (o = {}) => ({ items: o.items || [], cursor: o.cursor || 0, ev: o.ev || 0, ar: o.ar || 0, rd: o.rd || 0,
    mx: o.mx || 0, dl: new Set() });
  /** Folds one event into the conversation `c` ({items, cursor, ev, ar, rd, mx, dl}; mutated).
   * Returns null for an event already seen (id ≤ c.ev: replays overlap, nothing is applied
   * twice), else {type, added, changed, typing}: `added` items to render (agent replies not
   * already shown — e.g. fetched with `responses` — and the visitor's own messages sent from
   * elsewhere), `changed` visitor messages whose id or receipt changed, `typing` true/false to
   * show/hide the agent's typing indicator, undefined to leave it. */
  const applyEvent = (c, ev, now = Date.now(), skew = 0) => {
    const id = ev && Number(ev.id);
    if (!Number.isInteger(id) || id <= c.ev) return null;
    c.ev = id;
    const d = (ev.data && typeof ev.data === 'object' && ev.data) || {};
    const out = { type: ev.type, added: [], changed: [], typing: undefined };
    const mine = c.items.filter((i) => i.k === 'u');
    if (ev.type === 'reply') {
      const r = mergeReplies(c.items, c.cursor, [{ id: d.response_id, response: d.text, timestamp: d.timestamp }]);
      c.cursor = r.cursor;
      c.items.push(...r.added);
      out.added = r.added;
      out.typing = false;
    } else if (ev.type === 'message') {
      const mid = Number(d.message_id), cm = d.client_message_id;
      const known = mine.find((i) => (cm && i.cmid === cm) || (i.id != null && i.id === mid));
      if (known) {
        if (known.id == null && Number.isInteger(mid)) { known.id = mid; settle(c, known); out.changed.push(known); }
      } else if (Number.isInteger(mid) && mid > (c.mx || 0) && typeof d.text === 'string') {
        // sent from another tab or device (an id at or below the highest one seen is an old
        // message trimmed from the transcript, not a new one)
        const item = { k: 'u', cmid: cm || 'm' + mid, id: mid, t: d.text, ts: parseServerTime(d.timestamp, now), s: 'sent' };
        settle(c, item);
        c.items.push(item);
        out.added.push(item);
      }
    } else if (ev.type === 'typing') {
      if (d.from === 'agent' && typingFresh(ev.at, now, skew)) out.typing = d.active === true;
    } else if (ev.type === 'delivered' || (ev.type === 'read' && d.by === 'agent')) {
      if (ev.type === 'read') c.ar = Math.max(c.ar || 0, Number(d.up_to) || 0);
      else for (const m of Array.isArray(d.message_ids) ? d.message_ids : []) if (Number(m) > 0) c.dl.add(Number(m));
      for (const i of mine) if (settle(c, i)) out.changed.push(i);
      while (c.dl.size > 200) c.dl.delete(c.dl.values().next().value);
    } else if (ev.type === 'read' && d.by === 'visitor') {
      c.rd = Math.max(c.rd || 0, Number(d.up_to) || 0); // read in another tab
    }
    return out;
  };
  /** Visitor typing signals: `signal(true)` at once and then at most every 2 s while typing,
   * `signal(false)` 3 s after the last keystroke, or at once on stop() (send, blur). */
  const createTyping = (signal, { now = Date.now, setTimer = setTimeout, clearTimer = clearTimeout } = {}) => {
    let last = -Infinity, active = false, timer = null;
    const stop = () => {
      clearTimer(timer);
      timer = null;
      if (active) { active = false; signal(false); }
    };
    return {
      input() {
        const t = now();
        if (!active || t - last >= 2000) { active = true; last = t; signal(true); }
        clearTimer(timer);
        timer = setTimer(stop, 3000);
      },
      stop,
      isActive: () => active
    };
  };

  /** localStorage wrapper: one JSON record per server under `key`; every failure is swallowed
   * (private mode, quota, disabled storage) so the chat keeps working in memory. */
  const createStore = (storage, key) => ({
    load() {
      try {
        const d = JSON.parse(storage.getItem(key));
        if (!d || !SESSION_RE.test(d.sessionId)) return null;
        const n = (k) => Number(d[k]) || 0;
        return { sessionId: d.sessionId, cursor: n('cursor'), items: Array.isArray(d.items) ? d.items : [], user: d.user || null,
          ev: n('ev'), ar: n('ar'), rd: n('rd'), mx: n('mx'), st: !!d.st };
      } catch (e) { return null; }
    },
    save(d) {
      try {
        storage.setItem(key, JSON.stringify({ v: 1, sessionId: d.sessionId, cursor: d.cursor, items: trimItems(d.items), user: d.user,
          ev: d.ev || 0, ar: d.ar || 0, rd: d.rd || 0, mx: d.mx || 0, st: d.st ? 1 : 0 }));
        return true;
      } catch (e) { return false; }
    },
    clear() { try { storage.removeItem(key); } catch (e) { /* ignore */ } }
  });

  const lib = { SESSION_RE, newSessionId, newClientMessageId, colorScheme, contrast, readColor, parseServerTime, mergeReplies, mergeItems,
    pollDelay, retryDelay, classify, flushOutbox, pendingCount, trimItems, createStore,
    reconnectDelay, unsupported, fallback, typingFresh, receipt, settle, newConv, applyEvent, createTyping };
  if (typeof window === 'undefined') {
    if (typeof module === 'object' && module && module.exports) module.exports = lib;
    return;
  }

  // ---------------------------------------------------------------- browser controller
  const doc = document, W = window;
  const h = (tag, props, ...children) => {
    const el = doc.createElement(tag);
    for (const k in props || {}) {
      const v = props[k];
      if (v == null || v === false) continue;
      if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    el.append(...children.filter((c) => c != null));
    return el;
  };
  const icon = (d, stroke) => {
    const ns = 'http://www.w3.org/2000/svg', s = doc.createElementNS(ns, 'svg'), p = doc.createElementNS(ns, 'path');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('focusable', 'false');
    if (stroke) s.setAttribute('class', 'sanctum-stroke');
    p.setAttribute('d', d);
    s.append(p);
    return s;
  };

  const make = (ctx) => {
    const cfg = ctx.config, root = ctx.root, emit = ctx.emit;
    const store = createStore(W.localStorage, ctx.storageKey);
    const saved = store.load();
    let sessionId = saved ? saved.sessionId : null;
    let cursor = saved ? saved.cursor : 0;
    let items = saved ? saved.items.filter((i) => i && (i.k === 'u' || i.k === 'b') && typeof i.t === 'string') : [];
    let user = saved && saved.user ? saved.user : ctx.state.user;
    // real-time state: event cursor, agent read/delivered receipts, visitor read mark (persisted)
    const conv = newConv(saved || {});
    conv.st = !!(saved && (saved.st || items.some((i) => i.k === 'b' || (i.k === 'u' && i.s === 'sent'))));
    let isOpen = false, destroyed = false, polling = false, flushing = false;
    let pollTimer = null, flushTimer = null, typingTimer = null, pollErrors = 0, retryAfter = 0, sendAttempts = 0;
    // transport: 'ws' (WebSocket stream) → 'lp' (long-poll events) → 'poll' (responses)
    let mode = 'ws', live = false, ws = null, lpCtrl = null, rtTimer = null, probeTimer = null, pingTimer = null;
    let wsFails = 0, lpFails = 0, attempt = 0, probes = 0, rtOff = false, skew = 0, lastRx = 0, readBusy = false;
    let checked = false, paused = false, idleTimer = null;
    let audio = null, online = navigator.onLine !== false;
    const rows = new Map();
    const S = (k) => (cfg().strings && cfg().strings[k]) || STRINGS[k];
    const coarse = W.matchMedia && W.matchMedia('(pointer: coarse)').matches;
    const phone = W.matchMedia ? W.matchMedia('(max-width: 479.98px)') : { matches: false };
    const varsSheet = new CSSStyleSheet();

    // --- DOM
    const title = h('h3', { id: 'sanctum-chat-title', part: 'title' });
    const logo = h('img', { class: 'sanctum-chat-logo sanctum-hidden', part: 'logo', alt: '' });
    const status = h('p', { id: 'sanctum-chat-status', class: 'sanctum-chat-status sanctum-hidden', role: 'status', part: 'status' });
    const closeBtn = h('button', { type: 'button', class: 'close-btn', id: 'sanctum-chat-close', part: 'close-button', onclick: () => close(true) },
      icon('M6 6l12 12M18 6 6 18', true));
    const list = h('div', { id: 'sanctum-chat-messages', class: 'sanctum-chat-messages', part: 'messages', role: 'log',
      'aria-live': 'polite', 'aria-relevant': 'additions', tabindex: '0' });
    const announcer = h('div', { class: 'sanctum-sr-only', 'aria-live': 'polite' });
    const typing = h('div', { id: 'sanctum-typing-indicator', class: 'sanctum-typing-indicator sanctum-hidden', 'aria-hidden': 'true' },
      h('span', { class: 'sanctum-typing-dot' }), h('span', { class: 'sanctum-typing-dot' }), h('span', { class: 'sanctum-typing-dot' }));
    const input = h('textarea', { id: 'sanctum-chat-input', rows: '1', part: 'input', enterkeyhint: 'send', maxlength: String(MAX_CHARS) });
    const label = h('label', { for: 'sanctum-chat-input', class: 'sanctum-sr-only' });
    const sendBtn = h('button', { type: 'submit', class: 'sanctum-chat-send', id: 'sanctum-chat-send', part: 'send-button', disabled: true },
      icon('M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z'));
    const form = h('form', { class: 'sanctum-chat-input', part: 'composer', novalidate: true }, label, input, sendBtn);
    const win = h('div', { id: 'sanctum-chat-window', class: 'sanctum-chat-window', part: 'window', role: 'dialog',
      'aria-labelledby': 'sanctum-chat-title', 'aria-modal': 'false', tabindex: '-1' },
    h('div', { class: 'sanctum-chat-header', part: 'header' }, logo, h('div', { class: 'sanctum-chat-heading' }, title), closeBtn),
    status, list, typing, form, announcer);
    root.append(win);

    const fmtTime = (ms) => {
      try { return new Date(ms).toLocaleTimeString(cfg().language || undefined, { hour: '2-digit', minute: '2-digit' }); } catch (e) { return ''; }
    };
    const statusText = (item) => item.k !== 'u' || item.s === 'sent' ? fmtTime(item.ts)
      : item.s === 'failed' ? S('failed') : online ? S('sending') : S('queued');
    // Time, then for the visitor's sent messages ✓ sent, ✓✓ delivered, ✓✓ (coloured) read, with
    // the state as hidden text for screen readers.
    const fillTime = (el, item) => {
      el.textContent = statusText(item);
      const r = item.k === 'u' && receipt(item);
      if (r === 'sent' || r === 'delivered' || r === 'read') {
        el.append(' ', h('span', { class: 'sanctum-receipt', 'data-receipt': r, title: S(r) },
          h('span', { 'aria-hidden': 'true', text: r === 'sent' ? '✓' : '✓✓' }), h('span', { class: 'sanctum-sr-only', text: S(r) })));
      }
      return el;
    };
    const renderItem = (item) => {
      const kind = item.k === 'u' ? 'user' : item.k === 'e' ? 'error' : 'bot';
      const time = fillTime(h('div', { class: 'sanctum-message-time' }), item);
      const row = h('div', { class: 'sanctum-message ' + kind + (item.s === 'pending' ? ' pending' : ''), part: 'message message-' + kind },
        h('div', { class: 'sanctum-message-avatar', 'aria-hidden': 'true', text: kind === 'user' ? 'U' : 'S' }),
        h('div', { class: 'sanctum-message-content' },
          h('span', { class: 'sanctum-sr-only', text: (kind === 'user' ? S('you') : S('agent')) + ': ' }),
          h('div', { class: 'sanctum-message-text', dir: 'auto', text: item.t }), time));
      rows.set(item, { row, time });
      return row;
    };
    const refreshItem = (item) => {
      const r = rows.get(item);
      if (!r) return;
      fillTime(r.time, item);
      r.row.classList.toggle('pending', item.s === 'pending');
      r.row.classList.toggle('failed', item.s === 'failed');
    };
    const nearBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    const toBottom = () => { list.scrollTop = list.scrollHeight; };
    const append = (item, force) => {
      const stick = force || nearBottom();
      list.append(renderItem(item));
      if (stick) toBottom();
    };
    let greeting = null;
    const renderAll = (intro) => {
      rows.clear();
      list.textContent = '';
      const g = intro || cfg().greeting;
      greeting = g ? { k: 'g', t: String(g), ts: Date.now() } : null;
      if (greeting) list.append(renderItem(greeting));
      items.forEach((i) => list.append(renderItem(i)));
      toBottom();
    };
    const showError = (text) => append({ k: 'e', t: text, ts: Date.now() }, true);
    const setStatus = () => {
      status.textContent = online ? '' : S('offline');
      status.classList.toggle('sanctum-hidden', online);
      items.forEach((i) => i.s === 'pending' && refreshItem(i));
    };
    const updateComposer = () => {
      sendBtn.disabled = !input.value.trim();
      // Grow with the content (1–5 rows) without inline styles.
      input.rows = 1;
      while (input.rows < 5 && input.scrollHeight > input.clientHeight + 1) input.rows++;
    };

    const applyConfig = () => {
      const c = cfg();
      title.textContent = c.title;
      input.placeholder = c.placeholder || '';
      label.textContent = S('message');
      list.setAttribute('aria-label', S('conversation'));
      closeBtn.setAttribute('aria-label', S('closeChat'));
      sendBtn.setAttribute('aria-label', S('send'));
      const safeLogo = c.logo && /^(https?:|data:image\/|\/)/i.test(String(c.logo)) ? String(c.logo) : '';
      if (safeLogo && logo.getAttribute('src') !== safeLogo) logo.src = safeLogo;
      logo.classList.toggle('sanctum-hidden', !safeLogo);
      const dir = c.dir !== 'auto' ? c.dir : /^(ar|he|iw|fa|ur|ps|yi|dv|ckb|sd|ug)\b/i.test(c.language || '') ? 'rtl' : '';
      if (dir) ctx.host.setAttribute('dir', dir); else ctx.host.removeAttribute('dir');
      ctx.host.setAttribute('lang', c.language || 'en');
      const sc = colorScheme(c.primaryColor);
      let css = `:host{--primary-surface:${sc.surface};--primary-text:${sc.text};--receipt-read:${readColor(sc.surface, sc.text)};`;
      for (const [k, val] of Object.entries(c.colors || {})) {
        const name = k.startsWith('--') ? k : '--' + k.replace(/[A-Z]/g, (m) => '-' + m.toLowerCase());
        if (/^--[\w-]+$/.test(name) && !/[;{}<>\\]/.test(String(val))) css += name + ':' + val + ';';
      }
      varsSheet.replaceSync(css + '}');
      if (greeting && rows.has(greeting) && c.greeting) rows.get(greeting).row.querySelector('.sanctum-message-text').textContent = String(c.greeting);
    };

    // --- persistence
    // Saves the conversation, first folding in what another tab of the same visitor stored.
    const persist = (replace) => {
      if (!sessionId) return;
      const other = !replace && store.load();
      if (other && other.sessionId === sessionId) {
        const r = mergeItems(items, other.items);
        cursor = Math.max(cursor, other.cursor);
        foldOther(other);
        if (r.changed) { items = r.items; renderAll(); }
      }
      store.save({ sessionId, cursor, items, user, ev: conv.ev, ar: conv.ar, rd: conv.rd, mx: conv.mx, st: conv.st });
    };
    // Receipts and marks another tab learned (its event cursor stays its own).
    const foldOther = (o) => {
      conv.ar = Math.max(conv.ar, o.ar);
      conv.rd = Math.max(conv.rd, o.rd);
      conv.mx = Math.max(conv.mx, o.mx);
      if (o.st && !conv.st) { conv.st = true; connect(); }
    };
    const ensureSession = () => {
      if (sessionId) return;
      sessionId = newSessionId(W.crypto);
      persist();
    };
    const hasConversation = () => items.some((i) => i.k === 'u');

    // --- transport
    const request = async (method, action, params, body, opt = {}) => {
      const url = new URL(ctx.base + '/api/v1/', W.location.href);
      url.searchParams.set('action', action);
      for (const k in params) url.searchParams.set(k, params[k]);
      const ctrl = opt.ctrl || (typeof AbortController === 'function' ? new AbortController() : null);
      let timedOut = false;
      const timer = setTimeout(() => { timedOut = true; if (ctrl) ctrl.abort(); }, opt.timeout || 15000);
      try {
        const res = await fetch(url.toString(), {
          method, credentials: 'omit', cache: 'no-store', signal: ctrl && ctrl.signal,
          headers: body ? { 'Content-Type': 'application/json' } : undefined,
          body: body ? JSON.stringify(body) : undefined
        });
        let json = null;
        try { json = await res.json(); } catch (e) { /* not JSON */ }
        if (json && typeof json.timestamp === 'string') skew = Date.now() - parseServerTime(json.timestamp);
        const ra = parseInt(res.headers.get('Retry-After') || (json && json.retry_after), 10);
        return { status: res.status, ok: !!(json && json.success === true), data: json && json.data,
          error: (json && json.error) || 'HTTP ' + res.status, retryAfter: isFinite(ra) ? ra : 0 };
      } catch (e) {
        const abort = e && e.name === 'AbortError';
        return { status: 0, ok: false, aborted: abort && !timedOut, error: abort ? 'timeout' : 'network error' };
      } finally {
        clearTimeout(timer);
      }
    };
    const keyParams = () => (cfg().apiKey ? { widget_key: String(cfg().apiKey) } : {});

    const schedulePoll = (delay) => {
      clearTimeout(pollTimer);
      pollTimer = null;
      if (destroyed || !sessionId || !hasConversation() || live || (paused && mode !== 'poll')) return;
      const d = delay != null ? delay : pollDelay({ open: isOpen, visible: doc.visibilityState !== 'hidden', errors: pollErrors, retryAfter });
      pollTimer = setTimeout(poll, d);
    };
    const poll = async () => {
      if (destroyed || polling || !sessionId) return;
      if (!online) return; // resumed by the 'online' event
      polling = true;
      const sid = sessionId;
      const params = Object.assign({ session_id: sid }, cursor ? { since_id: cursor } : {}, keyParams());
      const res = await request('GET', 'responses', params);
      polling = false;
      if (destroyed || sid !== sessionId) return;
      if (res.ok && res.data) {
        pollErrors = 0;
        retryAfter = 0;
        receive(res.data.responses);
      } else {
        pollErrors++;
        retryAfter = res.status === 429 ? res.retryAfter || 5 : 0;
        emit('error', { code: 'poll_failed', status: res.status, message: res.error });
      }
      schedulePoll();
    };
    const receive = (replies) => {
      const r = mergeReplies(items, cursor, replies);
      cursor = r.cursor;
      if (!r.added.length) { if (replies && replies.length) persist(); return; }
      items = items.concat(r.added);
      conv.st = true;
      showReplies(r.added);
    };
    // New agent replies (already in `items`): render, persist, emit `message` once each, unread.
    const showReplies = (added) => {
      added.forEach((i) => append(i));
      setTyping(false);
      persist();
      const unseen = !isOpen || doc.visibilityState === 'hidden';
      added.forEach((i) => emit('message', { message: i.t, type: 'bot', id: i.id, timestamp: new Date(i.ts).toISOString() }));
      if (unseen) {
        const n = (ctx.state.unreadCount || 0) + (isOpen ? 0 : added.length);
        if (!isOpen) { ctx.update({ unreadCount: n }); emit('unread', { count: n }); }
        notify();
      }
      markRead();
    };
    const setTyping = (on) => {
      clearTimeout(typingTimer);
      typing.classList.toggle('sanctum-hidden', !on);
      if (on) typingTimer = setTimeout(() => typing.classList.add('sanctum-hidden'), 6000);
    };
    const announce = (text) => {
      announcer.textContent = '';
      setTimeout(() => { announcer.textContent = text; }, 50);
    };

    // --- real time: WebSocket stream → long-poll `events` → polling `responses`
    const frame = (obj) => {
      if (!ws || !live || ws.readyState !== 1) return false;
      try { ws.send(JSON.stringify(obj)); return true; } catch (e) { return false; }
    };
    const onEvent = (ev) => {
      if (!ev || (ev.session_id && ev.session_id !== sessionId)) return;
      conv.items = items;
      conv.cursor = cursor;
      const out = applyEvent(conv, ev, Date.now(), skew);
      cursor = conv.cursor;
      if (!out) return;
      conv.st = true;
      const replies = out.added.filter((i) => i.k === 'b'), echoes = out.added.filter((i) => i.k === 'u');
      echoes.forEach((i) => append(i));
      out.changed.forEach(refreshItem);
      if (replies.length) showReplies(replies);
      else if (out.typing !== undefined) setTyping(out.typing);
      if (out.changed.length) {
        const last = items.filter((i) => i.k === 'u' && i.s === 'sent').pop();
        if (last && out.changed.includes(last)) announce(S(receipt(last)));
      }
      if (!replies.length && (echoes.length || out.changed.length || out.type === 'read')) persist();
    };
    const setLive = (on) => {
      if (live === on) return;
      live = on;
      clearInterval(pingTimer);
      if (on) {
        clearTimeout(pollTimer);
        pollTimer = null;
        markRead();
      } else schedulePoll();
    };
    const hiddenClosed = () => !isOpen && doc.visibilityState === 'hidden';
    // Connects the channel of the current mode, once the server knows the session.
    const connect = (delay) => {
      clearTimeout(rtTimer);
      rtTimer = null;
      if (destroyed || !sessionId || !conv.st || ws || lpCtrl || mode === 'poll' || paused) return;
      if (delay > 0) { rtTimer = setTimeout(connect, delay); return; }
      if (!online) return; // resumed by the 'online' event
      // The first connection starts with a catch-up `events?wait=0`: it also tells whether the
      // server has the real-time API at all (older servers: straight to polling, no failing socket).
      if (mode === 'ws' && checked) openSocket(); else longPoll(!checked);
    };
    // The page stays hidden with the window closed: keep the channel 10 minutes, then pause it
    // until the page is visible again (a reconnect replays what was missed).
    const idle = () => {
      clearTimeout(idleTimer);
      if (hiddenClosed()) idleTimer = setTimeout(() => { if (hiddenClosed()) { paused = true; disconnect(); } }, 600000);
      else if (paused) { paused = false; connect(); schedulePoll(); }
    };
    const disconnect = () => {
      clearTimeout(rtTimer);
      rtTimer = null;
      const s = ws;
      ws = null;
      if (s) try { s.close(1000); } catch (e) { /* ignore */ }
      if (lpCtrl) lpCtrl.abort();
      lpCtrl = null;
      setLive(false);
    };
    // After a fallback, try the WebSocket again now and then (30 s, 1 min … 10 min).
    const probeLater = () => {
      clearTimeout(probeTimer);
      if (rtOff || destroyed) return;
      probeTimer = setTimeout(() => {
        if (mode === 'ws' || destroyed) return;
        disconnect();
        mode = 'ws';
        wsFails = lpFails = 0;
        connect();
      }, Math.min(600000, 30000 * Math.pow(2, probes++)));
    };
    const failed = (status, error) => {
      setLive(false);
      const before = mode;
      mode = fallback(mode, mode === 'ws' ? ++wsFails : ++lpFails, status, error);
      if (mode === 'poll') {
        rtOff = unsupported(status, error);
        probeLater();
        schedulePoll(0);
        return;
      }
      if (mode !== before) { probeLater(); return connect(); }
      connect(reconnectDelay(++attempt));
    };
    const openSocket = () => {
      if (typeof W.WebSocket !== 'function') { mode = 'lp'; return connect(); }
      const u = new URL(ctx.base + '/api/v1/stream', W.location.href);
      u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
      const p = Object.assign({ session_id: sessionId }, keyParams(), { last_event_id: conv.ev });
      for (const k in p) u.searchParams.set(k, p[k]);
      let s, ready = false, reset = false;
      try { s = new W.WebSocket(u.toString()); } catch (e) { return failed(0, 'websocket'); }
      ws = s;
      const sid = sessionId;
      const opening = setTimeout(() => { if (ws === s && !ready) { ws = null; s.close(); failed(0, 'timeout'); } }, 10000);
      s.onmessage = (m) => {
        if (ws !== s) return;
        lastRx = Date.now();
        let f;
        try { f = JSON.parse(m.data); } catch (e) { return; }
        if (f.type === 'event') onEvent(f.event);
        else if (f.type === 'reset') reset = true;
        else if (f.type === 'ready') {
          ready = true;
          clearTimeout(opening);
          const id = Number(f.last_event_id) || 0;
          conv.ev = reset ? id : Math.max(conv.ev, id);
          wsFails = attempt = probes = 0;
          clearTimeout(probeTimer);
          setLive(true);
          persist();
          if (reset) { reset = false; poll(); } // reload what the replay could not give
          pingTimer = setInterval(() => {
            if (Date.now() - lastRx > 50000) drop(s); else frame({ type: 'ping' });
          }, 25000);
        }
      };
      s.onclose = (e) => {
        clearTimeout(opening);
        if (ws !== s) return;
        ws = null;
        setLive(false);
        if (destroyed || sid !== sessionId) return;
        if (reset) { conv.ev = 0; poll(); } // closed after reset without a ready id: replay all that is kept
        if (!ready && online) return failed(0, (e && e.code) || 'websocket');
        connect(e && e.code === 4008 ? 0 : reconnectDelay(++attempt));
      };
    };
    // Cuts the socket as a network failure would (frames still in flight are lost), then reconnects.
    const drop = (s) => {
      if (!s || ws !== s) return;
      ws = null;
      try { s.close(); } catch (e) { /* ignore */ }
      setLive(false);
      connect(reconnectDelay(++attempt));
    };
    const longPoll = async (probe) => {
      const sid = sessionId, ctrl = lpCtrl = new AbortController();
      if (!probe && !lpFails) setLive(true); // a held long-poll is the live channel
      const res = await request('GET', 'events', Object.assign({ session_id: sid }, keyParams(), { last_event_id: conv.ev, wait: probe ? 0 : 25 }),
        null, { timeout: 40000, ctrl });
      if (lpCtrl !== ctrl || destroyed || sid !== sessionId) return;
      lpCtrl = null;
      if (probe && !res.aborted) {
        checked = true;
        if (unsupported(res.status, res.error)) { mode = 'poll'; rtOff = true; schedulePoll(0); return; }
      }
      if (res.ok && res.data) {
        if (!probe) { lpFails = attempt = 0; setLive(true); }
        const d = res.data, id = Number(d.last_event_id) || 0;
        if (d.reset) { conv.ev = id; poll(); }
        else {
          (Array.isArray(d.events) ? d.events : []).forEach(onEvent);
          conv.ev = Math.max(conv.ev, id);
        }
        persist();
        connect(hiddenClosed() && !probe ? 15000 : 0);
      } else if (probe) connect(reconnectDelay(++attempt));
      else if (!res.aborted) {
        emit('error', { code: 'poll_failed', status: res.status, message: res.error });
        if (online) failed(res.status, res.error); else setLive(false);
      }
    };

    // Visitor signals: typing (debounced) and read (once per new highest reply shown).
    const typer = createTyping((active) => {
      if (rtOff || !conv.st || !sessionId || frame({ type: 'typing', active })) return;
      request('POST', 'typing', null, Object.assign({ session_id: sessionId, active }, keyParams())).then((res) => {
        if (unsupported(res.status, res.error)) rtOff = true;
      });
    });
    const markRead = () => {
      if (rtOff || !conv.st || !isOpen || doc.visibilityState === 'hidden' || !sessionId) return;
      const max = items.reduce((m, i) => (i.k === 'b' && i.id > m ? i.id : m), 0);
      if (max <= conv.rd) return;
      if (frame({ type: 'read', up_to: max })) { conv.rd = max; persist(); return; }
      if (readBusy) return;
      readBusy = true;
      const sid = sessionId;
      request('POST', 'read', null, Object.assign({ session_id: sid, up_to: max }, keyParams())).then((res) => {
        readBusy = false;
        if (sid !== sessionId) return;
        if (res.ok) { conv.rd = Math.max(conv.rd, max); persist(); markRead(); }
        else if (unsupported(res.status, res.error)) rtOff = true;
      });
    };
    const notify = () => {
      const c = cfg();
      if (c.sound && audio) {
        try {
          const o = audio.createOscillator(), g = audio.createGain();
          o.frequency.value = 800;
          g.gain.value = 0.05;
          o.connect(g).connect(audio.destination);
          o.start();
          o.stop(audio.currentTime + 0.2);
        } catch (e) { /* audio unavailable */ }
      }
      if (c.notifications && doc.visibilityState === 'hidden' && W.Notification && Notification.permission === 'granted') {
        try { new Notification(c.title, { body: S('newMessage'), icon: ctx.base + '/widget/static/assets/icons/chat-icon.svg', tag: 'sanctum-chat' }); } catch (e) { /* ignore */ }
      }
    };

    const flush = async () => {
      clearTimeout(flushTimer);
      flushTimer = null;
      if (flushing || destroyed || !sessionId || !pendingCount(items)) return;
      if (!online) return; // resumed by the 'online' event
      flushing = true;
      const sid = sessionId;
      const send = (item) => request('POST', 'messages', null,
        Object.assign({ session_id: sid, message: item.t, client_message_id: item.cmid }, keyParams()));
      const r = await flushOutbox(items, send, (item) => {
        if (sid !== sessionId) return;
        refreshItem(item);
        persist();
        if (item.s === 'sent') {
          settle(conv, item);
          refreshItem(item);
          emit('message', { message: item.t, type: 'user', id: item.id, clientMessageId: item.cmid, timestamp: new Date(item.ts).toISOString() });
          if (!conv.st) { conv.st = true; persist(); }
          connect();
          schedulePoll(400);
        } else {
          showError(S('sendError') + ' (' + item.err + ')');
          emit('error', { code: 'send_failed', message: item.err, clientMessageId: item.cmid });
        }
      });
      flushing = false;
      if (destroyed || sid !== sessionId) return;
      if (r.done) {
        sendAttempts = 0;
        if (pendingCount(items)) flush();
      } else {
        sendAttempts++;
        emit('error', { code: 'send_retry', message: r.error, attempt: sendAttempts });
        flushTimer = setTimeout(flush, r.retryAfter ? r.retryAfter * 1000 : retryDelay(sendAttempts));
      }
    };

    const send = (text) => {
      text = String(text == null ? '' : text).trim();
      if (!text) return null;
      if (Array.from(text).length > MAX_CHARS) {
        showError(S('tooLong'));
        emit('error', { code: 'too_long', message: S('tooLong') });
        return null;
      }
      if (!audio && cfg().sound) {
        const AC = W.AudioContext || W.webkitAudioContext;
        try { if (AC && navigator.userActivation && navigator.userActivation.isActive) audio = new AC(); } catch (e) { /* ignore */ }
      }
      ensureSession();
      const item = { k: 'u', cmid: newClientMessageId(W.crypto), t: text, ts: Date.now(), s: 'pending' };
      items.push(item);
      append(item, true);
      persist();
      flush();
      return { clientMessageId: item.cmid, status: item.s };
    };

    // --- open / close
    const open = () => {
      if (isOpen || destroyed) return;
      isOpen = true;
      win.classList.add('open');
      win.setAttribute('aria-modal', String(phone.matches));
      const had = ctx.state.unreadCount;
      ctx.update({ isOpen: true, unreadCount: 0 });
      if (had) emit('unread', { count: 0 });
      toBottom();
      (coarse ? win : input).focus({ preventScroll: true });
      ctx.mark('interactive');
      emit('open');
      if (pendingCount(items)) flush();
      schedulePoll(0);
      idle();
      connect();
      markRead();
    };
    const close = (returnFocus) => {
      if (!isOpen) return;
      const focusInside = !!root.activeElement;
      isOpen = false;
      win.classList.remove('open');
      ctx.update({ isOpen: false });
      ctx.state.wantOpen = false;
      if (returnFocus || focusInside) ctx.bubble.focus({ preventScroll: true });
      emit('close');
      schedulePoll();
      idle();
    };

    // --- events
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      typer.stop();
      if (send(input.value)) { input.value = ''; updateComposer(); }
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event('submit', { cancelable: true }));
      }
    });
    input.addEventListener('input', () => {
      ensureSession();
      updateComposer();
      if (input.value.trim()) typer.input(); else typer.stop();
    });
    input.addEventListener('blur', () => typer.stop());
    root.addEventListener('keydown', (e) => {
      if (!isOpen) return;
      if (e.key === 'Escape') { e.stopPropagation(); close(true); return; }
      // Full screen on phones: the page behind is covered, so Tab cycles inside the window.
      if (e.key === 'Tab' && phone.matches) {
        const f = [closeBtn, list, input, sendBtn].filter((el) => !el.disabled);
        const i = f.indexOf(root.activeElement);
        if (e.shiftKey ? i <= 0 : i === f.length - 1) {
          e.preventDefault();
          f[e.shiftKey ? f.length - 1 : 0].focus();
        }
      }
    });
    const onOutside = (e) => {
      if (isOpen && cfg().closeOnOutsideClick && !e.composedPath().includes(ctx.host)) close(false);
    };
    const onOnline = () => { online = true; setStatus(); flush(); schedulePoll(0); connect(); };
    const onOffline = () => { online = false; setStatus(); };
    const onVisible = () => {
      idle();
      if (doc.visibilityState === 'hidden') return;
      schedulePoll(0);
      if (rtTimer && mode === 'lp') connect(); // skip the hidden-page pause between long-polls
      markRead();
    };
    // Another tab of the same visitor changed the conversation.
    const onStorage = (e) => {
      if (e.key !== ctx.storageKey || destroyed) return;
      const other = store.load();
      if (!other || other.sessionId !== sessionId) {
        if (!other && !sessionId) return;
        // reset (or a new session) in the other tab: follow it
        disconnect();
        sessionId = other ? other.sessionId : null;
        items = other ? other.items : [];
        cursor = other ? other.cursor : 0;
        Object.assign(conv, newConv(other || {}), { st: !!(other && other.st) });
        renderAll();
      } else {
        const r = mergeItems(items, other.items);
        cursor = Math.max(cursor, other.cursor);
        foldOther(other);
        if (r.changed) { items = r.items; renderAll(); }
      }
      if (pendingCount(items)) flush();
      schedulePoll();
      connect();
    };
    W.addEventListener('storage', onStorage);
    doc.addEventListener('pointerdown', onOutside, true);
    W.addEventListener('online', onOnline);
    W.addEventListener('offline', onOffline);
    doc.addEventListener('visibilitychange', onVisible);

    applyConfig();
    renderAll();
    setStatus();
    updateComposer();
    if (pendingCount(items)) flush();
    schedulePoll(0);
    connect();
    // Test hook (only when the page sets window.__SANCTUM_TEST__ before the widget loads).
    if (W.__SANCTUM_TEST__) {
      ctx.api.__test = {
        dropConnection: () => { if (ws) drop(ws); else if (lpCtrl) { lpCtrl.abort(); lpCtrl = null; setLive(false); connect(reconnectDelay(++attempt)); } },
        transport: () => ({ mode, live, lastEventId: conv.ev, wsFails, lpFails, rtOff })
      };
    }

    return {
      sheet: varsSheet,
      open,
      close: () => close(false),
      send,
      sendMessage: send,
      update: () => { applyConfig(); },
      identify: (u) => { user = u; persist(); },
      getState: () => ({ sessionId, online, messageCount: items.length, pendingCount: pendingCount(items), cursor,
        lastEventId: conv.ev, transport: live ? { ws: 'websocket', lp: 'longpoll' }[mode] : mode === 'poll' ? 'polling' : 'connecting' }),
      simulateTyping: () => {
        typing.classList.remove('sanctum-hidden');
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => typing.classList.add('sanctum-hidden'), 3000);
      },
      clearChat: () => {
        items = items.filter((i) => i.s === 'pending');
        persist(true);
        renderAll(S('cleared'));
      },
      reset: () => {
        disconnect();
        typer.stop();
        store.clear();
        sessionId = null;
        cursor = 0;
        items = [];
        Object.assign(conv, newConv(), { st: false });
        user = null;
        pollErrors = sendAttempts = retryAfter = 0;
        clearTimeout(pollTimer);
        clearTimeout(flushTimer);
        renderAll();
        emit('reset');
      },
      destroy: () => {
        destroyed = true;
        typer.stop();
        disconnect();
        clearTimeout(probeTimer);
        clearTimeout(idleTimer);
        clearTimeout(pollTimer);
        clearTimeout(flushTimer);
        clearTimeout(typingTimer);
        doc.removeEventListener('pointerdown', onOutside, true);
        W.removeEventListener('online', onOnline);
        W.removeEventListener('offline', onOffline);
        W.removeEventListener('storage', onStorage);
        doc.removeEventListener('visibilitychange', onVisible);
        if (audio && audio.close) audio.close().catch(() => {});
      }
    };
  };

  const SC = W.SanctumChat;
  if (SC && SC.__register) SC.__register(make);
})();
