// Playground of /widget/demo (no inline scripts: the page runs under default-src 'self').
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const form = $('options-form');
  const EVENTS = ['ready', 'open', 'close', 'message', 'unread', 'error', 'reset'];
  const log = (line) => {
    const time = new Date().toLocaleTimeString();
    $('event-log').textContent = `${time}  ${line}\n` + $('event-log').textContent;
  };
  const show = (value) => { $('output').textContent = JSON.stringify(value, null, 2); };
  const parseJson = (id) => {
    const text = $(id).value.trim();
    if (!text) return null;
    return JSON.parse(text);
  };

  function options() {
    const out = {};
    for (const el of form.elements) {
      if (!el.name) continue;
      if (el.type === 'checkbox') out[el.name] = el.checked;
      else if (el.type === 'number') out[el.name] = Number(el.value);
      else out[el.name] = el.value.trim() || (el.name === 'apiKey' || el.name === 'logo' ? null : '');
    }
    out.customCss = $('opt-customCss').value;
    try {
      out.colors = parseJson('opt-colors');
      out.strings = parseJson('opt-strings');
      $('options-status').textContent = '';
    } catch (e) {
      $('options-status').textContent = 'Invalid JSON: ' + e.message;
    }
    return out;
  }
  function listen() {
    for (const name of EVENTS) SanctumChat.on(name, (data) => log(name + (data === undefined ? '' : ' ' + JSON.stringify(data))));
  }

  window.SanctumChat = window.SanctumChat || function () { (window.SanctumChat.q = window.SanctumChat.q || []).push(arguments); };
  for (const name of EVENTS) window.SanctumChat('on', name, (data) => log(name + (data === undefined ? '' : ' ' + JSON.stringify(data))));
  window.SanctumChat('init', options());

  const on = (id, fn) => $(id).addEventListener('click', () => {
    try { fn(); } catch (e) { show({ error: e.message }); }
  });
  on('apply', () => { SanctumChat.updateConfig(options()); show(SanctumChat.getConfig()); });
  on('init', () => {
    const fresh = !SanctumChat.getState().initialized;
    SanctumChat.init(options());
    if (fresh) listen();
    show(SanctumChat.getState());
  });
  on('destroy', () => { SanctumChat.destroy(); show(SanctumChat.getState()); log('destroyed (listeners removed; press init to start again)'); });
  on('open', () => SanctumChat.open());
  on('close', () => SanctumChat.close());
  on('toggle', () => SanctumChat.toggle());
  on('typing', () => SanctumChat.simulateTyping());
  on('clear', () => SanctumChat.clearChat());
  on('reset', () => { SanctumChat.reset(); show(SanctumChat.getState()); });
  on('state', () => show(SanctumChat.getState()));
  on('config', () => show(SanctumChat.getConfig()));
  on('send', () => Promise.resolve(SanctumChat.sendMessage($('send-text').value)).then(show));
  on('identify', () => { SanctumChat.identify(JSON.parse($('identify-json').value)); show(SanctumChat.getState()); });
  on('clear-log', () => { $('event-log').textContent = ''; });
  form.addEventListener('submit', (e) => e.preventDefault());
})();
