// Pure logic of the loader (chat-widget.js): config merge, data-* options, command queue,
// event emitter, base URL. Run: node --test Tests/widget/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const require = createRequire(import.meta.url);
const LOADER = new URL('../../Sources/Host/Resources/widget/chat-widget.js', import.meta.url);
const lib = require(LOADER.pathname);

test('defaults keep the original option names and values', () => {
  const d = lib.DEFAULTS;
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
  assert.equal(lib.ENUMS.position.length, 8);
});

test('mergeConfig merges into a copy and never mutates its inputs', () => {
  const base = { ...lib.DEFAULTS };
  const patch = { title: 'Hi', custom: 42 };
  const out = lib.mergeConfig(base, patch);
  assert.equal(out.title, 'Hi');
  assert.equal(out.custom, 42, 'unknown options are kept, as the original did');
  assert.equal(base.title, 'Chat with us');
  assert.deepEqual(patch, { title: 'Hi', custom: 42 });
  assert.deepEqual(lib.mergeConfig(base, null), base);
  assert.deepEqual(lib.mergeConfig(base, { title: undefined }), base);
});

test('mergeConfig validates enums and keeps the old value for invalid ones', () => {
  const problems = [];
  const out = lib.mergeConfig(lib.DEFAULTS, { position: 'nowhere', theme: 'DARK', size: 'huge', dir: 'sideways' }, problems);
  assert.equal(out.position, 'bottom-right');
  assert.equal(out.theme, 'dark');
  assert.equal(out.size, 'medium');
  assert.equal(out.dir, 'auto');
  assert.deepEqual(problems, ['position', 'size', 'dir']);
  for (const p of lib.ENUMS.position) assert.equal(lib.mergeConfig(lib.DEFAULTS, { position: p }).position, p);
  assert.equal(lib.mergeConfig(lib.DEFAULTS, { position: 'left' }).position, 'middle-left');
  assert.equal(lib.mergeConfig(lib.DEFAULTS, { position: 'top' }).position, 'top-center');
});

test('mergeConfig normalises colours, booleans, numbers and nested objects', () => {
  const problems = [];
  const out = lib.mergeConfig(lib.DEFAULTS, {
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
  const again = lib.mergeConfig(out, { strings: { message: 'Msg' }, primaryColor: 'red; background:url(x)', zIndex: 'top' }, problems);
  assert.deepEqual(again.strings, { send: 'Go', message: 'Msg' }, 'nested objects merge shallowly');
  assert.equal(again.primaryColor, '#ff5522');
  assert.equal(again.zIndex, 42);
  assert.deepEqual(problems, ['primaryColor', 'zIndex']);
});

test('configFromDataset maps data-* attributes to options', () => {
  const ds = { apiKey: 'pk_1', position: 'top-left', autoOpen: 'true', unrelated: 'x', strings: '{}' };
  assert.deepEqual(lib.configFromDataset(ds), { apiKey: 'pk_1', position: 'top-left', autoOpen: 'true' });
  assert.deepEqual(lib.configFromDataset(undefined), {});
});

test('createEmitter: on returns an unsubscribe, off removes, a throwing listener does not stop others', () => {
  const errors = [];
  const em = lib.createEmitter((e, name) => errors.push(name));
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
  const em = lib.createEmitter();
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
  assert.deepEqual(lib.takeQueue(stub), [['init', [{ title: 'T' }]], ['on', ['open', 'fn']]]);
  assert.deepEqual(lib.takeQueue([['open'], ['sendMessage', 'hi']]), [['open', []], ['sendMessage', ['hi']]]);
  assert.deepEqual(lib.takeQueue({ q: [['close']] }), [['close', []]]);
  assert.deepEqual(lib.takeQueue(undefined), []);
  assert.deepEqual(lib.takeQueue({}), []);
});

test('runQueue runs commands in order and collects errors without stopping', () => {
  const calls = [];
  const api = {
    init: (o) => calls.push(['init', o]),
    open: () => { throw new Error('not yet'); },
    sendMessage: (t) => calls.push(['send', t])
  };
  const errors = lib.runQueue(api, [['init', [{ a: 1 }]], ['open', []], ['nope', []], ['sendMessage', ['hi']]]);
  assert.deepEqual(calls, [['init', { a: 1 }], ['send', 'hi']]);
  assert.deepEqual(errors.map((e) => e.message), ['not yet', 'unknown method nope']);
});

test('baseFromSrc derives the server base URL from the script src', () => {
  assert.equal(lib.baseFromSrc('https://chat.example.com/widget/chat-widget.js'), 'https://chat.example.com');
  assert.equal(lib.baseFromSrc('https://example.com/support/widget/chat-widget.js?v=2'), 'https://example.com/support');
  assert.equal(lib.baseFromSrc('https://example.com/widget/static/js/chat-widget.js'), 'https://example.com');
  assert.equal(lib.baseFromSrc('https://cdn.example.com/js/chat-widget.js'), 'https://cdn.example.com/js');
  assert.equal(lib.baseFromSrc(''), '');
});

test('bubble icon colour follows the brand colour luminance', () => {
  assert.equal(lib.textOn(lib.parseHex('#007bff')), '#fff');
  assert.equal(lib.textOn(lib.parseHex('#ffd600')), '#111');
  assert.equal(lib.textOn(lib.parseHex('#000')), '#fff');
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
