// The `SanctumChat` API object (docs/widget.md#methods): options, the bubble, lazy loading of
// the chat window and the widget state. Everything that needs the chat window waits for it.
import { DEFAULTS, mergeConfig } from './config.js';
import { METHODS } from './command-queue.js';
import { createEmitter } from './emitter.js';
import { BUBBLE_CSS, brandVariablesCss, createBubble, renderBubble, setAttributes } from './bubble.js';
import { createChatCodeLoader, fetchStylesheetText } from './chat-code.js';
import { conversationStorageKey, legacyConversationStorageKey } from '../shared/storage-keys.js';

/** Replaced by the server with the content hash of the widget files. */
export const VERSION = '__SANCTUM_ASSET_VERSION__';

const IDLE_PRELOAD_DELAY_MS = 800;
const AUTO_OPEN_DELAY_MS = 1000;

/**
 * Creates the API object the page sees as `window.SanctumChat`.
 * @param {Window} window
 * @param {Document} document
 * @param {string} scriptBase server base URL derived from the loader's `src`
 */
export function createWidget(window, document, scriptBase) {
  const warn = (message) => window.console && console.warn('SanctumChat: ' + message);
  const mark = (name) => {
    try { performance.mark('sanctum-chat:' + name); } catch (error) { /* User Timing unsupported */ }
  };
  const emitter = createEmitter((error, name) => window.console && console.error('SanctumChat: "' + name + '" listener threw', error));
  const chatCode = createChatCodeLoader(document);
  const newStylesheet = (text) => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
    return sheet;
  };

  let config = Object.assign({}, DEFAULTS);
  let chosen = {};       // the options the page set itself (an I18n module changes only the others)
  let state = {};
  let parts = null;      // {host, root, bubble, badge} once mounted
  let sheets = {};
  let chat = null;       // the chat window, once loaded
  let chatLoading = null;
  let afterMount = [];
  let timers = [];

  const base = () => config.baseUrl || scriptBase;
  const assetUrl = (path) => base() + '/widget/v/' + VERSION + '/' + path;
  const text = (key, fallback) => (config.strings && config.strings[key]) || fallback;
  const updateBubble = () => { if (parts) renderBubble(parts, state, text, config.language); };

  const hasStoredConversation = () => {
    try {
      return !!(localStorage.getItem(conversationStorageKey(base())) || localStorage.getItem(legacyConversationStorageKey(base())));
    } catch (error) { return false; } // storage blocked
  };
  const forgetStoredConversation = () => {
    try {
      localStorage.removeItem(conversationStorageKey(base()));
      localStorage.removeItem(legacyConversationStorageKey(base()));
    } catch (error) { /* storage blocked */ }
  };

  const applyConfig = () => {
    if (!parts) return;
    setAttributes(parts.host, { 'data-position': config.position, 'data-theme': config.theme, 'data-size': config.size });
    sheets.brand.replaceSync(brandVariablesCss(config));
    sheets.custom.replaceSync(String(config.customCss || ''));
    if (chat) chat.update(config);
    parts.root.adoptedStyleSheets = [sheets.bubble, sheets.chat, sheets.brand, chat && chat.sheet, sheets.modules, sheets.custom].filter(Boolean);
    updateBubble();
  };

  // Preloads the chat window once the page is idle (preload: 'idle'), or at once when a
  // conversation is stored or the window opens by itself.
  const schedulePreload = () => {
    if (hasStoredConversation() || config.autoOpen) { loadChat(); return; }
    if (config.preload !== 'idle') return;
    const preload = () => timers.push(setTimeout(() => (window.requestIdleCallback || setTimeout)(() => parts && loadChat()), IDLE_PRELOAD_DELAY_MS));
    if (document.readyState === 'complete') preload();
    else window.addEventListener('load', preload, { once: true });
  };

  // Widget modules (docs/widget-modules.md): once the bubble is painted, asks /widget/modules for the
  // site's modules; only when there are some, loads their runtime (modules.js), which reads
  // `SanctumChat.__modules` ([modules, sheets]) and adopts their CSS as `sheets.modules`.
  const loadModules = () => fetch(base() + '/widget/modules?widget_key=' + encodeURIComponent(config.apiKey || ''))
    .then((response) => response.json())
    .then(({ data }) => {
      if (parts && data.plugins.length) {
        api.__modules = [data.plugins, sheets];
        chatCode.script(assetUrl('modules.js'));
      }
    }).catch(() => {});

  const mount = () => {
    parts = createBubble(document);
    sheets = { bubble: newStylesheet(BUBBLE_CSS), brand: newStylesheet(''), custom: newStylesheet('') };
    parts.bubble.addEventListener('click', () => api.toggle());
    for (const intent of ['pointerenter', 'focus']) parts.bubble.addEventListener(intent, () => loadChat(), { passive: true, once: true });
    applyConfig();
    document.body.append(parts.host);
    mark('bubble');
    requestAnimationFrame(() => timers.push(setTimeout(loadModules)));
    afterMount.splice(0).forEach((run) => run());
    schedulePreload();
    if (config.autoOpen) timers.push(setTimeout(() => parts && !state.isOpen && api.open(), AUTO_OPEN_DELAY_MS));
    Promise.resolve().then(() => emitter.emit('ready', api.getState()));
  };

  const startChat = (cssText, createChatWindow) => {
    if (!parts) throw new Error('destroyed');
    sheets.chat = newStylesheet(cssText);
    chat = createChatWindow({
      api, root: parts.root, host: parts.host, bubble: parts.bubble, emit: emitter.emit, base: base(),
      storageKey: conversationStorageKey(base()), state, mark,
      config: () => config,
      update: (patch) => { Object.assign(state, patch); updateBubble(); }
    });
    state.isLoaded = true;
    applyConfig();
    return chat;
  };

  /** Loads chat.js and chat.css once (again after a failure) and starts the chat window. */
  const loadChat = () => {
    if (chatLoading) return chatLoading;
    chatLoading = new Promise((resolve, reject) => {
      const load = () => {
        Promise.all([fetchStylesheetText(assetUrl('chat.css')), chatCode.load(assetUrl('chat.js'))])
          .then(([cssText, createChatWindow]) => resolve(startChat(cssText, createChatWindow)))
          .catch(reject);
      };
      if (parts) load(); else afterMount.push(load);
    });
    chatLoading.catch((error) => {
      chatLoading = null;
      if (parts) emitter.emit('error', { code: 'load_failed', message: error.message, error });
    });
    return chatLoading;
  };

  const withChat = (use) => {
    if (!state.initialized) { warn('call init() first'); return Promise.resolve(); }
    return loadChat().then(use, () => undefined);
  };

  const setConfig = (options) => {
    Object.keys(options || {}).forEach((key) => { chosen[key] = 1; });
    const problems = [];
    config = mergeConfig(config, options, problems);
    if (problems.length) warn('ignored invalid option(s): ' + problems.join(', '));
  };

  const api = function SanctumChat(method, ...args) {
    if (!METHODS.includes(method)) return warn('unknown method ' + method);
    return api[method](...args);
  };
  Object.defineProperty(api, '__register', { value: (factory) => chatCode.register(factory) });
  // For widget modules (docs/widget-modules.md#interface-languages): applies the options the page did not set.
  Object.defineProperty(api, '__defaults', {
    value(options) {
      const own = {};
      for (const key of Object.keys(options)) if (!chosen[key]) own[key] = options[key];
      config = mergeConfig(config, own);
      applyConfig();
    }
  });
  Object.assign(api, {
    version: VERSION,
    init(options) {
      if (state.initialized) return api.updateConfig(options);
      setConfig(options);
      state.initialized = true;
      if (document.body) mount();
      else document.addEventListener('DOMContentLoaded', () => state.initialized && !parts && mount(), { once: true });
      return api;
    },
    open() {
      state.wantOpen = true;
      return withChat((chatWindow) => state.wantOpen && chatWindow.open());
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
    on: (name, listener) => emitter.on(name, listener),
    off(name, listener) {
      emitter.off(name, listener);
      return api;
    },
    getState() {
      const { initialized, isOpen, isLoaded, unreadCount, user } = state;
      return Object.assign({
        initialized: !!initialized, isOpen: !!isOpen, isLoaded: !!isLoaded, unreadCount: unreadCount || 0,
        user: user || null, version: VERSION
      }, chat && chat.getState());
    },
    getConfig: () => Object.assign({}, config),
    identify(user) {
      state.user = user && typeof user === 'object' ? Object.assign({}, user) : null;
      if (chat) chat.identify(state.user);
      return api;
    },
    reset() {
      if (chat) chat.reset();
      else forgetStoredConversation();
      state.user = null;
      state.unreadCount = 0;
      updateBubble();
      return api;
    },
    destroy() {
      if (chat) chat.destroy();
      timers.forEach(clearTimeout);
      if (parts) parts.host.remove();
      emitter.off();
      parts = chat = chatLoading = null;
      sheets = {};
      afterMount = [];
      timers = [];
      config = Object.assign({}, DEFAULTS);
      chosen = {};
      state = {};
    }
  });
  for (const method of ['sendMessage', 'simulateTyping', 'clearChat']) {
    api[method] = (...args) => withChat((chatWindow) => chatWindow[method](...args));
  }

  return {
    api,
    /** Merges options without validation warnings (the `data-*` options before init). */
    preset(options) {
      Object.keys(options).forEach((key) => { chosen[key] = 1; });
      config = mergeConfig(config, options);
    }
  };
}
