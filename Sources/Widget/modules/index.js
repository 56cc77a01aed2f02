// Entry point of modules.js, the widget-module runtime (docs/widget-modules.md). The loader
// fetches it only when /widget/modules lists modules for the site, after the bubble is painted,
// and hands over `SanctumChat.__modules` = [modules in the tier's order, the shadow root's
// stylesheet slots]. It loads each module's script (Subresource Integrity, in order), CSS (into
// the shadow root) and language file, and gives each module its API object. Every call into a
// module is guarded (isolation.js): a broken module is reported once and switched off.
import { createGuard } from './isolation.js';
import { createStrings, languageChain, pickLanguage } from './module-strings.js';
import { createModuleStorage } from './module-storage.js';

/** The version of the module API (docs/widget-modules.md). */
export const MODULE_API_VERSION = '1.2';
const EVENTS = ['open', 'close', 'message', 'typing', 'receipt', 'unread', 'reset', 'draft', 'files'];
const RUNTIME_CSS = '.sanctum-module-hint{margin:0;padding:4px 12px;font-size:12px;background:var(--warning-bg,#fff8e1);' +
  'color:var(--warning-text,#5c4400)}.sanctum-module-actions{display:flex;align-items:center;gap:4px}' +
  '.sanctum-module-action{border:0;background:none;color:inherit;font:inherit;cursor:pointer;padding:4px;border-radius:6px}' +
  '.sanctum-module-action:focus-visible{outline:2px solid var(--primary-color)}.sanctum-module-decoration{font-size:12px;opacity:.85}' +
  '.sanctum-module-decoration:empty,.sanctum-module-panel:empty{display:none}';

function start(window, document) {
  const widget = window.SanctumChat;
  const handoff = widget && widget.__modules;
  if (!handoff || widget.module) return;
  const [list, sheets] = handoff;
  const src = document.currentScript ? document.currentScript.src : '';
  const base = src.slice(0, src.indexOf('/widget/'));
  const host = document.querySelector('sanctum-chat');
  const root = host && host.shadowRoot;
  if (!root) return;
  const config = () => widget.getConfig();
  // Client hints sent with every visitor message, by module id (`hintMessages`): the chat window
  // asks `SanctumChat.__hints()` when it queues a message (docs/widget-modules.md#message-hints).
  const messageHints = [];
  Object.defineProperty(widget, '__hints', {
    value() {
      const all = {};
      for (const { id, guard, fn } of messageHints) {
        const value = guard.call(fn);  // synchronous only: a promise is not a hint
        if (value && typeof value === 'object' && typeof value.then !== 'function') all[id] = value;
      }
      return all;
    }
  });
  const keyQuery = () => (config().apiKey ? 'widget_key=' + encodeURIComponent(config().apiKey) : '');
  const report = (...details) => window.console && console.error(...details);
  const make = (tag, className, attributes) => {
    const element = document.createElement(tag);
    element.className = className;
    for (const [name, value] of Object.entries(attributes || {})) element.setAttribute(name, value);
    return element;
  };

  // --- slots in the chat window (created once the window exists)
  const slots = { hint: make('p', 'sanctum-module-hint', { role: 'status', part: 'module-hint', hidden: '' }),
    composer: make('div', 'sanctum-module-actions', { part: 'composer-actions' }),
    header: make('div', 'sanctum-module-actions', { part: 'header-actions' }),
    panels: make('div', 'sanctum-module-panels', { part: 'module-panels' }) };
  const hints = new Map();
  const decorators = [];
  const listeners = [];
  const renderHints = () => {
    const texts = Array.from(hints.values()).filter(Boolean);
    slots.hint.textContent = texts.join(' ');
    slots.hint.hidden = !texts.length;
  };
  const decorated = new WeakMap(); // message row → the decorators it has had
  const decorate = (row) => {
    const content = row.querySelector && row.querySelector('.sanctum-message-content');
    if (!content) return;
    const done = decorated.get(row) || new Set();
    decorated.set(row, done);
    const textElement = row.querySelector('.sanctum-message-text');
    const item = row.item || {}; // the transcript item the chat window rendered (absent: greeting, notes)
    const message = { type: ['user', 'error'].find((kind) => row.classList.contains(kind)) || 'bot', text: textElement ? textElement.textContent : '',
      id: item.id, clientMessageId: item.clientMessageId, metadata: item.metadata };
    for (const decorator of decorators) {
      if (done.has(decorator)) continue;
      done.add(decorator);
      const slot = make('div', 'sanctum-module-decoration', { 'data-module': decorator.id });
      content.append(slot);
      decorator.guard.call(decorator.fn, message, slot);
    }
  };
  const decorateAll = () => root.querySelectorAll('.sanctum-message').forEach(decorate);
  const dispatch = (event, data) => listeners.forEach((entry) => entry.event === event && entry.guard.call(entry.fn, data));
  let attached = false;
  const attach = () => {
    const windowElement = root.getElementById('sanctum-chat-window');
    if (attached || !windowElement) return;
    attached = true;
    const form = windowElement.querySelector('form');
    const input = root.getElementById('sanctum-chat-input');
    form.before(slots.hint, slots.panels);
    root.getElementById('sanctum-chat-send').before(slots.composer);
    root.getElementById('sanctum-chat-close').before(slots.header);
    input.addEventListener('input', () => dispatch('draft', { text: input.value }));
    form.addEventListener('submit', () => Promise.resolve().then(() => dispatch('draft', { text: input.value })));
    // Files dropped on the window or pasted into the composer, for modules listening to `files`.
    const takeFiles = (event, transfer, source) => {
      const files = Array.from((transfer && transfer.files) || []);
      if (!files.length || !listeners.some((entry) => entry.event === 'files')) return;
      event.preventDefault();
      dispatch('files', { files, source });
    };
    windowElement.addEventListener('dragover', (event) => {
      if (event.dataTransfer && Array.from(event.dataTransfer.types || []).includes('Files') && listeners.some((entry) => entry.event === 'files')) event.preventDefault();
    });
    windowElement.addEventListener('drop', (event) => takeFiles(event, event.dataTransfer, 'drop'));
    input.addEventListener('paste', (event) => takeFiles(event, event.clipboardData, 'paste'));
    const messages = root.getElementById('sanctum-chat-messages');
    new MutationObserver((records) => records.forEach((record) => record.addedNodes.forEach(decorate)))
      .observe(messages, { childList: true });
    decorateAll();
  };
  new MutationObserver(attach).observe(root, { childList: true });
  attach();
  for (const event of EVENTS) if (event !== 'draft') widget.on(event, (data) => dispatch(event, data));

  // --- styles: the runtime's and each module's CSS, in the tier's order, inside the shadow root
  const styles = list.map((entry) => (entry.style ? fetchChecked(entry.style).then((response) => response.text(), () => '') : ''));
  Promise.all(styles).then((texts) => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync([RUNTIME_CSS].concat(texts).join('\n'));
    sheets.modules = sheet;
    widget.updateConfig({});
  });

  function fetchChecked(file) {
    return window.fetch(base + file.url, Object.assign({ credentials: 'omit' }, file.integrity && { integrity: file.integrity })).then((response) => {
      if (!response.ok) throw new Error('HTTP ' + response.status + ' for ' + file.url);
      return response;
    });
  }

  // --- the module API
  const setups = new Map();
  const routeURL = (id, path) => {
    const url = base + '/plugins/' + id + (String(path).startsWith('/') ? '' : '/') + path;
    const query = keyQuery();
    return query ? url + (url.includes('?') ? '&' : '?') + query : url;
  };
  const createApi = (entry, guard) => {
    const id = entry.id;
    const strings = createStrings(() => config().language);
    const addAction = (slot, spec) => {
      spec = spec || {};
      const label = String(spec.label || '');
      const button = make('button', 'sanctum-module-action', { type: 'button', 'aria-label': label, title: label, 'data-module': id });
      button.textContent = String(spec.text || label);
      button.addEventListener('click', () => guard.call(spec.onClick, { draft: api.draft() }));
      slots[slot].append(button);
      return () => button.remove();
    };
    const api = Object.freeze({
      id,
      version: entry.version || null,
      apiVersion: MODULE_API_VERSION,
      widgetVersion: widget.version,
      options: Object.freeze(Object.assign({}, entry.options)),
      language: () => config().language || 'en',
      on(event, fn) {
        if (!EVENTS.includes(event) || typeof fn !== 'function') return () => {};
        const listener = { event, guard, fn };
        listeners.push(listener);
        return () => listeners.includes(listener) && listeners.splice(listeners.indexOf(listener), 1);
      },
      addComposerAction: (spec) => addAction('composer', spec),
      addHeaderAction: (spec) => addAction('header', spec),
      panel() {
        let panel = slots.panels.querySelector('[data-module="' + id + '"]');
        if (!panel) slots.panels.append(panel = make('div', 'sanctum-module-panel', { 'data-module': id }));
        return panel;
      },
      sessionId() {
        const input = root.getElementById('sanctum-chat-input');
        // Attaching is an interaction like typing: the chat window starts the session on `input`.
        if (!widget.getState().sessionId && input) input.dispatchEvent(new Event('input'));
        return widget.getState().sessionId || null;
      },
      sendMessage: (text, metadata) => widget.sendMessage(text, metadata),
      hintMessages(fn) {
        if (typeof fn === 'function') messageHints.push({ id, guard, fn });
      },
      base,
      url: (path) => routeURL(id, path),
      decorateMessages(fn) {
        if (typeof fn === 'function') decorators.push({ id, guard, fn });
        decorateAll();
      },
      setHint(text) {
        hints.set(id, text == null ? '' : String(text));
        renderHints();
      },
      draft: () => { const input = root.getElementById('sanctum-chat-input'); return input ? input.value : ''; },
      addStrings: (language, table) => strings.add(language, table),
      t: (key, vars) => strings.t(key, vars),
      text: (key) => { const found = strings.entry(key); return found ? found.value : undefined; },
      setWidgetStrings: (table) => widget.updateConfig({ strings: Object.assign({}, table, config().strings) }),
      storage: createModuleStorage(window.localStorage, 'sanctum-chat:module:' + id + ':' + base, () => !!widget.getState().sessionId),
      fetch: (path, init) => window.fetch(routeURL(id, path), Object.assign({ credentials: 'omit' }, init))
    });
    return { api, strings };
  };

  // --- the interface language: a module offering languages (option `languages`: I18n) chooses it
  // before any strings load (the page's `language`, else the browser's, else the site's default);
  // only that language's file is fetched, and it holds a section per module id.
  const provider = list.find((entry) => entry.options && entry.options.languages && entry.strings);
  const shared = new Promise((resolve) => {
    if (!provider) return resolve({ tables: {} });
    const options = provider.options;
    const nav = window.navigator;
    widget.__defaults({ language: pickLanguage(nav.languages || [nav.language], options.languages.split(','), options.default_language) });
    const language = languageChain(config().language).find((candidate) => provider.strings[candidate]);
    if (!language) return resolve({ tables: {} });
    fetchChecked(provider.strings[language]).then((response) => response.json())
      .then((tables) => resolve({ language, tables }), () => resolve({ tables: {} }));
  });

  const loaded = [];
  const load = (entry, retried) => {
    const guard = createGuard(entry.id, report, () => {
      // Its buttons may still wait in slots that are not in the window yet.
      [root, slots.composer, slots.header, slots.panels].forEach((scope) => scope.querySelectorAll('[data-module="' + entry.id + '"]')
        .forEach((element) => element.remove()));
      hints.delete(entry.id);
      renderHints();
    });
    const { api, strings } = createApi(entry, guard);
    // A module's texts: its section of the interface language's file, else its own file.
    const stringsReady = shared.then((file) => {
      if (file.tables[entry.id]) return strings.add(file.language, file.tables[entry.id]);
      const language = languageChain(config().language).find((candidate) => entry.strings && entry.strings[candidate]);
      return language && fetchChecked(entry.strings[language]).then((response) => response.json()).then((table) => strings.add(language, table));
    }).catch(() => {});
    setups.set(entry.id, (setup) => stringsReady.then(() => {
      loaded.push(entry.id);
      guard.call(setup, api);
    }));
    const script = document.createElement('script');
    script.src = base + entry.script.url;
    script.async = false; // run in the tier's order
    script.crossOrigin = 'anonymous';
    if (entry.script.integrity) script.integrity = entry.script.integrity;
    script.onerror = () => {
      script.remove();
      if (retried) return report('SanctumChat: module "' + entry.id + '" could not be loaded');
      // A page from before a server upgrade holds an old URL: ask for the current modules once.
      window.fetch(base + '/widget/modules' + (keyQuery() && '?' + keyQuery()), { credentials: 'omit' })
        .then((response) => response.json())
        .then(({ data }) => {
          const fresh = data.plugins.find((candidate) => candidate.id === entry.id);
          if (!fresh || fresh.script.url === entry.script.url) throw new Error('unchanged');
          load(fresh, true);
        })
        .catch(() => report('SanctumChat: module "' + entry.id + '" could not be loaded'));
    };
    document.head.append(script);
  };

  let chain = Promise.resolve();
  Object.defineProperty(widget, 'module', {
    configurable: true,
    /** Called by a module's script: `SanctumChat.module('<plugin id>', (api) => { … })`. */
    value(id, setup) {
      const run = setups.get(id);
      if (!run) return;
      setups.delete(id);
      chain = chain.then(() => run(setup));
    }
  });
  Object.defineProperty(widget, '__moduleState', { configurable: true, value: () => ({ loaded: loaded.slice() }) });
  list.forEach((entry) => load(entry, false));
}

start(window, document);
