// Pure logic of the loader (Sources/Widget/loader): config merge, data-* options, command
// queue, event emitter, base URL; and the built chat-widget.js in a browser-like context.
// Run: node --test Tests/widget/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { DEFAULTS, ENUMS, baseFromScriptSource, configFromDataset, mergeConfig } from '../../Sources/Widget/loader/config.js';
import { createEmitter } from '../../Sources/Widget/loader/emitter.js';
import { runQueue, takeQueue } from '../../Sources/Widget/loader/command-queue.js';
import { bubbleIconColor, setAttributes } from '../../Sources/Widget/loader/bubble.js';
import { parseHex } from '../../Sources/Widget/shared/color.js';

const LOADER = new URL('../../Sources/Host/Resources/widget/chat-widget.js', import.meta.url);

test('defaults keep the original option names and values', () => {
  const d = DEFAULTS;
  assert.equal(d.apiKey, null);
  assert.equal(d.position, 'bottom-right');
  assert.equal(d.theme, 'light');
  assert.equal(d.title, 'Chat with us');
  assert.equal(d.primaryColor, '#007bff');
  assert.equal(d.language, 'en');
  assert.equal(d.autoOpen, false);
  assert.equal(d.notifications, true);
  assert.equal(d.sound, true);
  assert.equal(d.size, 'medium');
  assert.equal(d.greeting, 'Hello! How can I help you today?');
  assert.equal(d.placeholder, 'Type your message...');
  assert.equal(d.zIndex, 999999);
  assert.equal(ENUMS.position.length, 8);
});

test('mergeConfig merges into a copy and never mutates its inputs', () => {
  const base = { ...DEFAULTS };
  const patch = { title: 'Hi', custom: 42 };
  const out = mergeConfig(base, patch);
  assert.equal(out.title, 'Hi');
  assert.equal(out.custom, 42, 'unknown options are kept, as the original did');
  assert.equal(base.title, 'Chat with us');
  assert.deepEqual(patch, { title: 'Hi', custom: 42 });
  assert.deepEqual(mergeConfig(base, null), base);
  assert.deepEqual(mergeConfig(base, { title: undefined }), base);
});

test('mergeConfig validates enums and keeps the old value for invalid ones', () => {
  const problems = [];
  const out = mergeConfig(DEFAULTS, { position: 'nowhere', theme: 'DARK', size: 'huge', dir: 'sideways' }, problems);
  assert.equal(out.position, 'bottom-right');
  assert.equal(out.theme, 'dark');
  assert.equal(out.size, 'medium');
  assert.equal(out.dir, 'auto');
  assert.deepEqual(problems, ['position', 'size', 'dir']);
  for (const p of ENUMS.position) assert.equal(mergeConfig(DEFAULTS, { position: p }).position, p);
  assert.equal(mergeConfig(DEFAULTS, { position: 'left' }).position, 'middle-left');
  assert.equal(mergeConfig(DEFAULTS, { position: 'top' }).position, 'top-center');
});

test('mergeConfig normalises colours, booleans, numbers and nested objects', () => {
  const problems = [];
  const out = mergeConfig(DEFAULTS, {
    primaryColor: '#F52', autoOpen: 'true', sound: 'false', notifications: 0, zIndex: '42',
    baseUrl: 'https://chat.example.com///', strings: { send: 'Go' }
  }, problems);
  assert.equal(out.primaryColor, '#ff5522');
  assert.equal(out.autoOpen, true);
  assert.equal(out.sound, false);
  assert.equal(out.notifications, false);
  assert.equal(out.zIndex, 42);
  assert.equal(out.baseUrl, 'https://chat.example.com');
  assert.deepEqual(out.strings, { send: 'Go' });
  const again = mergeConfig(out, { strings: { message: 'Msg' }, primaryColor: 'red; background:url(x)', zIndex: 'top' }, problems);
  assert.deepEqual(again.strings, { send: 'Go', message: 'Msg' }, 'nested objects merge shallowly');
  assert.equal(again.primaryColor, '#ff5522');
  assert.equal(again.zIndex, 42);
  assert.deepEqual(problems, ['primaryColor', 'zIndex']);
});

test('configFromDataset maps data-* attributes to options', () => {
  const ds = { apiKey: 'pk_1', position: 'top-left', autoOpen: 'true', unrelated: 'x', strings: '{}' };
  assert.deepEqual(configFromDataset(ds), { apiKey: 'pk_1', position: 'top-left', autoOpen: 'true' });
  assert.deepEqual(configFromDataset(undefined), {});
});

test('createEmitter: on returns an unsubscribe, off removes, a throwing listener does not stop others', () => {
  const errors = [];
  const em = createEmitter((e, name) => errors.push(name));
  const seen = [];
  const a = (d) => seen.push('a' + d);
  const un = em.on('x', a);
  em.on('x', () => { throw new Error('boom'); });
  em.on('x', (d) => seen.push('c' + d));
  em.emit('x', 1);
  un();
  em.emit('x', 2);
  assert.deepEqual(seen, ['a1', 'c1', 'c2']);
  assert.deepEqual(errors, ['x', 'x']);
  em.off('x');
  em.emit('x', 3);
  assert.deepEqual(seen, ['a1', 'c1', 'c2']);
  assert.equal(typeof em.on('y', 'not a function'), 'function');
  const b = () => seen.push('b');
  em.on('y', b);
  em.off('y', b);
  em.emit('y');
  em.on('z', b);
  em.off();
  em.emit('z');
  assert.deepEqual(seen, ['a1', 'c1', 'c2']);
});

test('listeners added during emit run from the next emit on', () => {
  const em = createEmitter();
  const seen = [];
  em.on('x', () => { seen.push(1); em.on('x', () => seen.push(2)); });
  em.emit('x');
  assert.deepEqual(seen, [1]);
});

test('takeQueue accepts the stub function, an array and {q}', () => {
  function stub() { (stub.q = stub.q || []).push(arguments); }
  stub('init', { title: 'T' });
  stub('on', 'open', 'fn');
  stub(42);
  assert.deepEqual(takeQueue(stub), [['init', [{ title: 'T' }]], ['on', ['open', 'fn']]]);
  assert.deepEqual(takeQueue([['open'], ['sendMessage', 'hi']]), [['open', []], ['sendMessage', ['hi']]]);
  assert.deepEqual(takeQueue({ q: [['close']] }), [['close', []]]);
  assert.deepEqual(takeQueue(undefined), []);
  assert.deepEqual(takeQueue({}), []);
});

test('runQueue runs commands in order and collects errors without stopping', () => {
  const calls = [];
  const api = {
    init: (o) => calls.push(['init', o]),
    open: () => { throw new Error('not yet'); },
    sendMessage: (t) => calls.push(['send', t])
  };
  const errors = runQueue(api, [['init', [{ a: 1 }]], ['open', []], ['nope', []], ['sendMessage', ['hi']]]);
  assert.deepEqual(calls, [['init', { a: 1 }], ['send', 'hi']]);
  assert.deepEqual(errors.map((e) => e.message), ['not yet', 'unknown method nope']);
});

test('baseFromScriptSource derives the server base URL from the script src', () => {
  assert.equal(baseFromScriptSource('https://chat.example.com/widget/chat-widget.js'), 'https://chat.example.com');
  assert.equal(baseFromScriptSource('https://example.com/support/widget/chat-widget.js?v=2'), 'https://example.com/support');
  assert.equal(baseFromScriptSource('https://example.com/widget/static/js/chat-widget.js'), 'https://example.com');
  assert.equal(baseFromScriptSource('https://cdn.example.com/js/chat-widget.js'), 'https://cdn.example.com/js');
  assert.equal(baseFromScriptSource(''), '');
});

test('bubble icon colour follows the brand colour luminance', () => {
  assert.equal(bubbleIconColor(parseHex('#007bff')), '#fff');
  assert.equal(bubbleIconColor(parseHex('#ffd600')), '#111');
  assert.equal(bubbleIconColor(parseHex('#000')), '#fff');
});

test('in a browser-like context the loader defines only window.SanctumChat and drains the queue', () => {
  // A minimal fake DOM: enough for the loader's start-up path (no body yet → waits for DOMContentLoaded).
  const listeners = {};
  const script = { src: 'https://chat.example.com/widget/chat-widget.js', dataset: {}, getAttribute: () => null };
  const document = {
    currentScript: script, scripts: [script], body: null, readyState: 'loading',
    addEventListener: (n, fn) => { listeners[n] = fn; }
  };
  const calls = [];
  function stub() { (stub.q = stub.q || []).push(arguments); }
  stub('on', 'ready', () => calls.push('ready'));
  stub('init', { title: 'Queued' });
  const window = { SanctumChat: stub, console: { warn: () => {}, error: () => {} } };
  const ctx = vm.createContext({ window, document, console, setTimeout, clearTimeout, Promise });
  const before = new Set(Object.getOwnPropertyNames(ctx));
  vm.runInContext(readFileSync(LOADER, 'utf8'), ctx);
  const added = Object.getOwnPropertyNames(ctx).filter((k) => !before.has(k));
  assert.deepEqual(added, [], 'no global leaks besides window.SanctumChat');
  const SC = window.SanctumChat;
  assert.equal(typeof SC, 'function');
  assert.equal(SC.getConfig().title, 'Queued');
  assert.equal(SC.getState().initialized, true);
  assert.equal(typeof listeners.DOMContentLoaded, 'function', 'mount waits for the body');
  assert.equal(SC('getConfig').title, 'Queued', 'callable like the stub after load');
});

test('attributes come from own properties only: a page that pollutes Object.prototype adds none', () => {
  const set = [];
  Object.prototype.polluted = 'yes';
  try {
    setAttributes({ setAttribute: (name, value) => set.push([name, value]) }, { class: 'a', 'data-x': '1' });
  } finally {
    delete Object.prototype.polluted;
  }
  assert.deepEqual(set, [['class', 'a'], ['data-x', '1']]);
});
