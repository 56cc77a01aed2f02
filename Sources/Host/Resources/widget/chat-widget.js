/*! Sanctum Chat widget loader: window.SanctumChat, the bubble, and lazy chat.js/chat.css. */
(() => {
  'use strict';
  const VERSION = '__SANCTUM_ASSET_VERSION__';
  const DEFAULTS = {
    apiKey: null, position: 'bottom-right', theme: 'light', title: 'Chat with us', primaryColor: '#007bff',
    language: 'en', autoOpen: false, notifications: true, sound: true, size: 'medium', logo: null,
    customCss: '', greeting: 'Hello! How can I help you today?', placeholder: 'Type your message...',
    zIndex: 999999, dir: 'auto', colors: null, strings: null, baseUrl: null, closeOnOutsideClick: true, preload: 'idle'
  };
  const BOOLS = ['autoOpen', 'notifications', 'sound', 'closeOnOutsideClick'];
  const ENUMS = {
    position: ['bottom-right', 'bottom-left', 'top-right', 'top-left', 'bottom-center', 'top-center', 'middle-left', 'middle-right'],
    theme: ['light', 'dark', 'auto', 'custom'], size: ['small', 'medium', 'large'], dir: ['auto', 'ltr', 'rtl'], preload: ['idle', 'intent']
  };
  const METHODS = ['init', 'open', 'close', 'toggle', 'sendMessage', 'updateConfig', 'on', 'off', 'destroy',
    'getState', 'getConfig', 'identify', 'reset', 'simulateTyping', 'clearChat'];

  const parseHex = (hex) => {
    const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(hex || '').trim());
    if (!m) return null;
    const h = m[1].length === 3 ? m[1].replace(/./g, '$&$&') : m[1];
    return [0, 2, 4].map((i) => parseInt(h.substr(i, 2), 16));
  };
  const toHex = (rgb) => '#' + rgb.map((c) => Math.max(0, Math.min(255, Math.round(c))).toString(16).padStart(2, '0')).join('');
  // Bubble icon colour (chat.js refines text colours with WCAG contrast).
  const textOn = (rgb) => (rgb[0] * 299 + rgb[1] * 587 + rgb[2] * 114 > 170000 ? '#111' : '#fff');

  // Invalid values keep the old one (listed in `problems`); unknown options are kept, as the original did.
  const mergeConfig = (base, patch, problems = []) => {
    const out = Object.assign({}, base);
    if (!patch || typeof patch !== 'object') return out;
    for (const key of Object.keys(patch)) {
      let v = patch[key];
      if (v === undefined) continue;
      if (ENUMS[key]) {
        v = String(v).trim().toLowerCase();
        if (key === 'position') v = v.replace(/^(left|right)$/, 'middle-$1').replace(/^(top|bottom)$/, '$1-center');
        if (!ENUMS[key].includes(v)) { problems.push(key); continue; }
      } else if (key === 'primaryColor') {
        if (!parseHex(v)) { problems.push(key); continue; }
        v = toHex(parseHex(v));
      } else if (key === 'zIndex') {
        v = parseInt(v, 10);
        if (!isFinite(v)) { problems.push(key); continue; }
      } else if (key === 'colors' || key === 'strings') {
        if (v !== null && typeof v !== 'object') { problems.push(key); continue; }
        v = v && Object.assign({}, out[key], v);
      } else if (BOOLS.includes(key)) {
        v = typeof v === 'string' ? !/^(false|0|no|off)$/i.test(v.trim()) : !!v;
      } else if (key === 'baseUrl') {
        v = v ? String(v).replace(/\/+$/, '') : null;
      }
      out[key] = v;
    }
    return out;
  };
  // Options from the script tag's data-* attributes (data-api-key → apiKey, …).
  const configFromDataset = (ds) => {
    const out = {};
    for (const k of Object.keys(DEFAULTS)) if (ds && typeof ds[k] === 'string' && k !== 'colors' && k !== 'strings') out[k] = ds[k];
    return out;
  };
  // Event emitter; `on` returns an unsubscribe function; a throwing listener never stops the others.
  const createEmitter = (onError) => {
    let map = Object.create(null);
    const off = (name, fn) => {
      if (name == null) map = Object.create(null);
      else if (!fn) delete map[name];
      else if (map[name] && map[name].includes(fn)) map[name].splice(map[name].indexOf(fn), 1);
    };
    return {
      on(name, fn) {
        if (typeof fn !== 'function') return () => {};
        (map[name] = map[name] || []).push(fn);
        return () => off(name, fn);
      },
      off,
      emit(name, data) {
        for (const fn of (map[name] || []).slice()) {
          try { fn(data); } catch (e) { if (onError) onError(e, name); }
        }
      }
    };
  };
  // Pre-load queue: the stub function's `q` (arguments objects), an array of arrays, or {q}.
  const takeQueue = (pre) => {
    const q = pre && (Array.isArray(pre) ? pre : pre.q);
    if (!q || typeof q.length !== 'number') return [];
    return Array.from(q, (a) => Array.from(a || [])).filter((a) => typeof a[0] === 'string').map((a) => [a[0], a.slice(1)]);
  };
  const runQueue = (api, items) => {
    const errors = [];
    for (const [m, args] of items) {
      if (!METHODS.includes(m) || typeof api[m] !== 'function') errors.push(new Error('unknown method ' + m));
      else try { api[m](...args); } catch (e) { errors.push(e); }
    }
    return errors;
  };
  const baseFromSrc = (src) => {
    if (!src) return '';
    const i = src.indexOf('/widget/');
    return i >= 0 ? src.slice(0, i) : src.replace(/\/[^/]*$/, '');
  };
  const storageKey = (base) => 'sanctum-chat:v1:' + base;

  const lib = { VERSION, DEFAULTS, ENUMS, METHODS, mergeConfig, configFromDataset, createEmitter,
    takeQueue, runQueue, baseFromSrc, parseHex, toHex, textOn, storageKey };
  if (typeof window === 'undefined') {
    if (typeof module === 'object' && module && module.exports) module.exports = lib;
    return;
  }

  // ------------------------------------------------------------------ browser
  const doc = document, W = window;
  const pre = W.SanctumChat;
  if (pre && pre.__register) return;
  const script = doc.currentScript || Array.from(doc.scripts).reverse().find((s) => (s.src || '').includes('chat-widget.js'));
  const scriptBase = baseFromSrc(script && script.src);
  const CSS = ':host{all:initial;display:block;--widget-margin:20px;--bubble-size:60px;--focus-ring:#1a73e8;--badge-bg:#c62828}' +
    ':host([data-size=small]){--bubble-size:52px}:host([data-size=large]){--bubble-size:68px}' +
    '.sanctum-chat-bubble{position:fixed;z-index:var(--widget-z-index);width:var(--bubble-size);height:var(--bubble-size);' +
    'margin:0;padding:0;border:0;border-radius:50%;cursor:pointer;display:flex;align-items:center;justify-content:center;' +
    'background:var(--primary-color);color:var(--bubble-text,var(--primary-text));box-shadow:0 4px 16px rgba(0,0,0,.22);' +
    'transition:transform .2s,background-color .2s}' +
    '.sanctum-chat-bubble:hover{background:var(--primary-hover);transform:scale(1.06)}' +
    '.sanctum-chat-bubble:focus-visible{outline:3px solid var(--focus-ring);outline-offset:3px}' +
    '.sanctum-chat-bubble svg{width:45%;height:45%;fill:currentColor;stroke:currentColor;stroke-width:2.6;stroke-linecap:round;pointer-events:none}' +
    '.sanctum-icon-chat{stroke-width:0}' +
    '.sanctum-icon-close,.open .sanctum-icon-chat{display:none}.open .sanctum-icon-close{display:block}' +
    ':host([data-position^=bottom]) .sanctum-chat-bubble{bottom:var(--widget-margin)}' +
    ':host([data-position^=top]) .sanctum-chat-bubble{top:var(--widget-margin)}' +
    ':host([data-position$=right]) .sanctum-chat-bubble{right:var(--widget-margin)}' +
    ':host([data-position$=left]) .sanctum-chat-bubble{left:var(--widget-margin)}' +
    ':host([data-position$=center]) .sanctum-chat-bubble{left:calc(50% - var(--bubble-size)/2)}' +
    ':host([data-position^=middle]) .sanctum-chat-bubble{top:calc(50% - var(--bubble-size)/2)}' +
    '.notification-badge{position:absolute;top:-4px;right:-4px;box-sizing:border-box;min-width:22px;height:22px;padding:0 6px;' +
    'border-radius:11px;border:2px solid #fff;background:var(--badge-bg);color:#fff;font:700 11px/18px system-ui,sans-serif;text-align:center}' +
    '.sanctum-hidden{display:none!important}@media (prefers-reduced-motion:reduce){*{transition:none!important;animation:none!important}}';
  const attrs = (el, a) => { for (const k in a) el.setAttribute(k, a[k]); return el; };
  const svg = (d, cls) => {
    const ns = 'http://www.w3.org/2000/svg';
    return attrs(doc.createElementNS(ns, 'svg'), { viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false', class: cls })
      .appendChild(attrs(doc.createElementNS(ns, 'path'), { d })).parentNode;
  };
  const sheet = (text) => { const s = new CSSStyleSheet(); s.replaceSync(text); return s; };
  const warn = (m) => W.console && console.warn('SanctumChat: ' + m);
  const mark = (n) => { try { performance.mark('sanctum-chat:' + n); } catch (e) { /* unsupported */ } };
  const emitter = createEmitter((e, name) => W.console && console.error('SanctumChat: "' + name + '" listener threw', e));
  let config = Object.assign({}, DEFAULTS), state = {};
  let host = null, root = null, bubble = null, badge = null, chat = null, chatP = null, factory = null, sheets = {};
  let factoryWaiters = [], mountWaiters = [], timers = [];
  const base = () => config.baseUrl || scriptBase;
  const asset = (p) => base() + '/widget/v/' + VERSION + '/' + p;
  const str = (k, d) => (config.strings && config.strings[k]) || d;

  const varsCss = () => {
    const rgb = parseHex(config.primaryColor) || [0, 123, 255];
    return `:host{--primary-color:${toHex(rgb)};--primary-hover:${toHex(rgb.map((c) => c - 20))};--primary-text:${textOn(rgb)};--widget-z-index:${config.zIndex}}`;
  };
  const applyConfig = () => {
    if (!host) return;
    attrs(host, { 'data-position': config.position, 'data-theme': config.theme, 'data-size': config.size });
    sheets.vars.replaceSync(varsCss());
    sheets.custom.replaceSync(String(config.customCss || ''));
    if (chat) chat.update(config);
    root.adoptedStyleSheets = [sheets.bubble, sheets.chat, sheets.vars, chat && chat.sheet, sheets.custom].filter(Boolean);
    updateBubble();
  };
  const updateBubble = () => {
    if (!bubble) return;
    const n = state.unreadCount || 0;
    attrs(bubble, { 'aria-expanded': !!state.isOpen,
      'aria-label': state.isOpen ? str('closeChat', 'Close chat') : str('openChat', 'Open chat') + (n ? ` (${n} ${str('unread', 'unread')})` : '') });
    bubble.classList.toggle('open', !!state.isOpen);
    badge.textContent = n > 99 ? '99+' : String(n);
    badge.classList.toggle('sanctum-hidden', !n);
  };

  const mount = () => {
    host = attrs(doc.createElement('div'), { class: 'sanctum-chat-widget' });
    root = host.attachShadow({ mode: 'open' });
    sheets = { bubble: sheet(CSS), vars: sheet(''), custom: sheet('') };
    bubble = attrs(doc.createElement('button'), { type: 'button', id: 'sanctum-chat-bubble', class: 'sanctum-chat-bubble', part: 'bubble',
      'aria-haspopup': 'dialog', 'aria-controls': 'sanctum-chat-window' });
    badge = attrs(doc.createElement('span'), { id: 'sanctum-notification-badge', class: 'notification-badge sanctum-hidden', part: 'badge', 'aria-hidden': 'true' });
    bubble.append(svg('M12 3C6.5 3 2 6.6 2 11c0 2.4 1.3 4.6 3.4 6.1L4.5 21l4.3-2.3c1 .2 2.1.3 3.2.3 5.5 0 10-3.6 10-8s-4.5-8-10-8z', 'sanctum-icon-chat'),
      svg('M6 6l12 12M18 6 6 18', 'sanctum-icon-close'), badge);
    bubble.addEventListener('click', () => api.toggle());
    for (const ev of ['pointerenter', 'focus']) bubble.addEventListener(ev, () => loadChat(), { passive: true, once: true });
    root.append(bubble);
    applyConfig();
    doc.body.append(host);
    mark('bubble');
    mountWaiters.splice(0).forEach((fn) => fn());
    let stored;
    try { stored = localStorage.getItem(storageKey(base())); } catch (e) { /* storage blocked */ }
    if (stored || config.autoOpen) loadChat();
    else if (config.preload === 'idle') {
      const kick = () => timers.push(setTimeout(() => (W.requestIdleCallback || setTimeout)(() => host && loadChat()), 800));
      if (doc.readyState === 'complete') kick(); else W.addEventListener('load', kick, { once: true });
    }
    if (config.autoOpen) timers.push(setTimeout(() => host && !state.isOpen && api.open(), 1000));
    Promise.resolve().then(() => emitter.emit('ready', api.getState()));
  };

  // chat.js by script tag (script-src), chat.css by fetch into a constructable sheet (no style-src needed).
  const loadChat = () => {
    if (chatP) return chatP;
    chatP = new Promise((resolve, reject) => {
      const go = () => {
        const css = fetch(asset('chat.css'), { credentials: 'omit' }).then((r) => {
          if (!r.ok) throw new Error('HTTP ' + r.status + ' for chat.css');
          return r.text();
        });
        const js = new Promise((res, rej) => {
          if (factory) return res(factory);
          factoryWaiters.push(res);
          const s = doc.createElement('script');
          s.src = asset('chat.js');
          s.async = true;
          s.onerror = () => rej(new Error('could not load chat.js'));
          doc.head.append(s);
        });
        Promise.all([css, js]).then(([text, make]) => {
          if (!host) throw new Error('destroyed');
          sheets.chat = sheet(text);
          chat = make({ api, root, host, bubble, emit: emitter.emit, base: base(), storageKey: storageKey(base()), state, mark,
            config: () => config, update: (patch) => { Object.assign(state, patch); updateBubble(); } });
          state.isLoaded = true;
          applyConfig();
          resolve(chat);
        }).catch(reject);
      };
      if (host) go(); else mountWaiters.push(go);
    });
    chatP.catch((e) => {
      chatP = null;
      if (host) emitter.emit('error', { code: 'load_failed', message: e.message, error: e });
    });
    return chatP;
  };
  const withChat = (fn) => {
    if (!state.initialized) { warn('call init() first'); return Promise.resolve(); }
    return loadChat().then(fn, () => undefined);
  };
  const setConfig = (o) => {
    const problems = [];
    config = mergeConfig(config, o, problems);
    if (problems.length) warn('ignored invalid option(s): ' + problems.join(', '));
  };

  const api = function SanctumChat(method, ...args) {
    if (!METHODS.includes(method)) return warn('unknown method ' + method);
    return api[method](...args);
  };
  Object.defineProperty(api, '__register', { value: (f) => { factory = f; factoryWaiters.splice(0).forEach((fn) => fn(f)); } });
  Object.assign(api, {
    version: VERSION,
    init(options) {
      if (state.initialized) return api.updateConfig(options);
      setConfig(options);
      state.initialized = true;
      if (doc.body) mount();
      else doc.addEventListener('DOMContentLoaded', () => state.initialized && !host && mount(), { once: true });
      return api;
    },
    open() {
      state.wantOpen = true;
      return withChat((c) => state.wantOpen && c.open());
    },
    close() {
      state.wantOpen = false;
      if (chat) chat.close();
    },
    toggle: () => (state.isOpen || state.wantOpen ? api.close() : api.open()),
    updateConfig(options) {
      setConfig(options);
      applyConfig();
      return api;
    },
    on: (name, fn) => emitter.on(name, fn),
    off(name, fn) { emitter.off(name, fn); return api; },
    getState() {
      const { initialized, isOpen, isLoaded, unreadCount, user } = state;
      return Object.assign({ initialized: !!initialized, isOpen: !!isOpen, isLoaded: !!isLoaded, unreadCount: unreadCount || 0, user: user || null, version: VERSION }, chat && chat.getState());
    },
    getConfig: () => Object.assign({}, config),
    identify(user) {
      state.user = user && typeof user === 'object' ? Object.assign({}, user) : null;
      if (chat) chat.identify(state.user);
      return api;
    },
    reset() {
      if (chat) chat.reset();
      else try { localStorage.removeItem(storageKey(base())); } catch (e) { /* storage blocked */ }
      state.user = null;
      state.unreadCount = 0;
      updateBubble();
      return api;
    },
    destroy() {
      if (chat) chat.destroy();
      timers.forEach(clearTimeout);
      if (host) host.remove();
      emitter.off();
      host = root = bubble = badge = chat = chatP = null;
      sheets = {};
      mountWaiters = [];
      timers = [];
      config = Object.assign({}, DEFAULTS);
      state = {};
    }
  });

  for (const m of ['sendMessage', 'simulateTyping', 'clearChat']) api[m] = (...a) => withChat((c) => c[m](...a));
  W.SanctumChat = api;
  const queued = takeQueue(pre);
  const dataCfg = configFromDataset(script && script.dataset);
  const auto = script && script.dataset.autoInit;
  if (auto !== 'false' && (auto || Object.keys(dataCfg).length)) {
    config = mergeConfig(config, dataCfg);
    if (!queued.some((q) => q[0] === 'init')) api.init({});
  }
  runQueue(api, queued).forEach((e) => warn(e.message));
})();
