// Snippet generator of /widget/ (no inline scripts: the page runs under default-src 'self').
(() => {
  'use strict';
  const form = document.getElementById('generator');
  const origin = location.origin;
  const DEFAULTS = { apiKey: '', position: 'bottom-right', theme: 'light', size: 'medium', title: 'Chat with us',
    primaryColor: '#007bff', language: 'en', greeting: 'Hello! How can I help you today?', autoOpen: false };
  const attr = (k) => 'data-' + k.replace(/[A-Z]/g, (m) => '-' + m.toLowerCase());
  const esc = (v) => String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

  function values() {
    const out = {};
    for (const key of Object.keys(DEFAULTS)) {
      const el = form.elements[key];
      out[key] = el.type === 'checkbox' ? el.checked : el.value.trim();
    }
    return out;
  }
  function changed(v) {
    const out = {};
    for (const k of Object.keys(v)) if (v[k] !== DEFAULTS[k] && v[k] !== '') out[k] = v[k];
    return out;
  }
  function render() {
    const v = values();
    const c = changed(v);
    const attrs = Object.keys(c).map((k) => `\n        ${attr(k)}="${esc(c[k])}"`).join('');
    document.getElementById('snippet-data').textContent =
      `<script src="${origin}/widget/chat-widget.js" async${attrs || '\n        data-auto-init="true"'}></script>`;
    document.getElementById('snippet-js').textContent =
      `<script>\n  window.SanctumChat = window.SanctumChat || function () {\n    (SanctumChat.q = SanctumChat.q || []).push(arguments);\n  };\n` +
      `  SanctumChat('init', ${JSON.stringify(c, null, 2).replace(/\n/g, '\n  ')});\n</script>\n` +
      `<script src="${origin}/widget/chat-widget.js" async></script>`;
    document.getElementById('snippet-csp').textContent =
      `Content-Security-Policy:\n  script-src 'self' ${origin};\n  connect-src 'self' ${origin};\n  img-src 'self' ${origin} data:`;
    if (window.SanctumChat && SanctumChat.updateConfig) SanctumChat.updateConfig(Object.assign({}, DEFAULTS, v, { autoOpen: false }));
  }
  form.addEventListener('input', render);
  form.addEventListener('change', render);
  form.addEventListener('submit', (e) => e.preventDefault());
  document.querySelectorAll('[data-copy]').forEach((button) => {
    button.addEventListener('click', async () => {
      const id = button.getAttribute('data-copy');
      const status = document.getElementById(id === 'snippet-data' ? 'copied-data' : 'copied-js');
      try {
        await navigator.clipboard.writeText(document.getElementById(id).textContent);
        status.textContent = 'Copied.';
      } catch (e) {
        status.textContent = 'Select the text and copy it (clipboard not available).';
      }
    });
  });
  window.SanctumChat = window.SanctumChat || function () { (window.SanctumChat.q = window.SanctumChat.q || []).push(arguments); };
  window.SanctumChat('init', { title: 'Chat with us' });
  render();
})();
