/*! Sanctum Chat window, loaded lazily by chat-widget.js: the chat UI, the bridge transport
 * (POST messages, adaptive polling of responses with an id cursor), persistence and the
 * offline outbox that sends every message exactly once (client_message_id). */
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
    newMessage: 'You have a new message', cleared: 'Chat cleared. How can I help you?'
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

  const itemKey = (i) => (i.k === 'u' ? 'u:' + i.cmid : 'b:' + i.id);
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
      else if (m.k === 'u' && RANK[t.s] > RANK[m.s]) { Object.assign(m, { s: t.s, id: t.id, err: t.err }); changed = true; }
    }
    added.sort((a, b) => a.ts - b.ts);
    return { items: mine.concat(added), changed };
  };

  /** localStorage wrapper: one JSON record per server under `key`; every failure is swallowed
   * (private mode, quota, disabled storage) so the chat keeps working in memory. */
  const createStore = (storage, key) => ({
    load() {
      try {
        const d = JSON.parse(storage.getItem(key));
        if (!d || !SESSION_RE.test(d.sessionId)) return null;
        return { sessionId: d.sessionId, cursor: Number(d.cursor) || 0, items: Array.isArray(d.items) ? d.items : [], user: d.user || null };
      } catch (e) { return null; }
    },
    save(d) {
      try { storage.setItem(key, JSON.stringify({ v: 1, sessionId: d.sessionId, cursor: d.cursor, items: trimItems(d.items), user: d.user })); return true; } catch (e) { return false; }
    },
    clear() { try { storage.removeItem(key); } catch (e) { /* ignore */ } }
  });

  const lib = { SESSION_RE, newSessionId, newClientMessageId, colorScheme, contrast, parseServerTime, mergeReplies, mergeItems,
    pollDelay, retryDelay, classify, flushOutbox, pendingCount, trimItems, createStore };
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
    let isOpen = false, destroyed = false, polling = false, flushing = false;
    let pollTimer = null, flushTimer = null, typingTimer = null, pollErrors = 0, retryAfter = 0, sendAttempts = 0;
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
    status, list, typing, form);
    root.append(win);

    const fmtTime = (ms) => {
      try { return new Date(ms).toLocaleTimeString(cfg().language || undefined, { hour: '2-digit', minute: '2-digit' }); } catch (e) { return ''; }
    };
    const statusText = (item) => item.k !== 'u' || item.s === 'sent' ? fmtTime(item.ts)
      : item.s === 'failed' ? S('failed') : online ? S('sending') : S('queued');
    const renderItem = (item) => {
      const kind = item.k === 'u' ? 'user' : item.k === 'e' ? 'error' : 'bot';
      const time = h('div', { class: 'sanctum-message-time', text: statusText(item) });
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
      r.time.textContent = statusText(item);
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
      let css = `:host{--primary-surface:${sc.surface};--primary-text:${sc.text};`;
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
        if (r.changed) { items = r.items; renderAll(); }
      }
      store.save({ sessionId, cursor, items, user });
    };
    const ensureSession = () => {
      if (sessionId) return;
      sessionId = newSessionId(W.crypto);
      persist();
    };
    const hasConversation = () => items.some((i) => i.k === 'u');

    // --- transport
    const request = async (method, action, params, body) => {
      const url = new URL(ctx.base + '/api/v1/', W.location.href);
      url.searchParams.set('action', action);
      for (const k in params) url.searchParams.set(k, params[k]);
      const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
      const timer = setTimeout(() => ctrl && ctrl.abort(), 15000);
      try {
        const res = await fetch(url.toString(), {
          method, credentials: 'omit', cache: 'no-store', signal: ctrl && ctrl.signal,
          headers: body ? { 'Content-Type': 'application/json' } : undefined,
          body: body ? JSON.stringify(body) : undefined
        });
        let json = null;
        try { json = await res.json(); } catch (e) { /* not JSON */ }
        const ra = parseInt(res.headers.get('Retry-After') || (json && json.retry_after), 10);
        return { status: res.status, ok: !!(json && json.success === true), data: json && json.data,
          error: (json && json.error) || 'HTTP ' + res.status, retryAfter: isFinite(ra) ? ra : 0 };
      } catch (e) {
        return { status: 0, ok: false, error: e && e.name === 'AbortError' ? 'timeout' : 'network error' };
      } finally {
        clearTimeout(timer);
      }
    };
    const keyParams = () => (cfg().apiKey ? { widget_key: String(cfg().apiKey) } : {});

    const schedulePoll = (delay) => {
      clearTimeout(pollTimer);
      pollTimer = null;
      if (destroyed || !sessionId || !hasConversation()) return;
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
      r.added.forEach((i) => append(i));
      persist();
      const unseen = !isOpen || doc.visibilityState === 'hidden';
      r.added.forEach((i) => emit('message', { message: i.t, type: 'bot', id: i.id, timestamp: new Date(i.ts).toISOString() }));
      if (unseen) {
        const n = (ctx.state.unreadCount || 0) + (isOpen ? 0 : r.added.length);
        if (!isOpen) { ctx.update({ unreadCount: n }); emit('unread', { count: n }); }
        notify();
      }
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
          emit('message', { message: item.t, type: 'user', id: item.id, clientMessageId: item.cmid, timestamp: new Date(item.ts).toISOString() });
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
    };

    // --- events
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (send(input.value)) { input.value = ''; updateComposer(); }
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event('submit', { cancelable: true }));
      }
    });
    input.addEventListener('input', () => { ensureSession(); updateComposer(); });
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
    const onOnline = () => { online = true; setStatus(); flush(); schedulePoll(0); };
    const onOffline = () => { online = false; setStatus(); };
    const onVisible = () => { if (doc.visibilityState !== 'hidden') schedulePoll(0); };
    // Another tab of the same visitor changed the conversation.
    const onStorage = (e) => {
      if (e.key !== ctx.storageKey || destroyed) return;
      const other = store.load();
      if (!other || other.sessionId !== sessionId) {
        if (!other && !sessionId) return;
        // reset (or a new session) in the other tab: follow it
        sessionId = other ? other.sessionId : null;
        items = other ? other.items : [];
        cursor = other ? other.cursor : 0;
        renderAll();
      } else {
        const r = mergeItems(items, other.items);
        cursor = Math.max(cursor, other.cursor);
        if (r.changed) { items = r.items; renderAll(); }
      }
      if (pendingCount(items)) flush();
      schedulePoll();
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

    return {
      sheet: varsSheet,
      open,
      close: () => close(false),
      send,
      sendMessage: send,
      update: () => { applyConfig(); },
      identify: (u) => { user = u; persist(); },
      getState: () => ({ sessionId, online, messageCount: items.length, pendingCount: pendingCount(items), cursor }),
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
        store.clear();
        sessionId = null;
        cursor = 0;
        items = [];
        user = null;
        pollErrors = sendAttempts = retryAfter = 0;
        clearTimeout(pollTimer);
        clearTimeout(flushTimer);
        renderAll();
        emit('reset');
      },
      destroy: () => {
        destroyed = true;
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
