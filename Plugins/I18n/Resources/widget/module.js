// The I18n plugin's widget module (docs/plugins/i18n.md; API: docs/widget-modules.md). The runtime
// has already chosen the interface language (the page's `language`, else the browser's languages
// the site offers, else `default_language`) and fetched that one file: its "i18n" section is this
// module's, the core widget's texts, which it hands to the widget. The page's own options win.
// It also sends the active language with every visitor message (for message translation) and
// puts a "show original" toggle under each agent reply the plugin translated.
SanctumChat.module('i18n', function (api) {
  var CORE = ['closeChat', 'send', 'message', 'conversation', 'you', 'agent', 'sending', 'queued', 'failed', 'offline',
    'sendError', 'tooLong', 'cleared', 'sent', 'delivered', 'read', 'openChat', 'youInitial', 'agentInitial',
    // plural forms ({one: '{count} unread message', other: …}): the loader picks one with Intl.PluralRules
    'unread'];
  var strings = {}, texts = {};
  CORE.forEach(function (key) { if (api.text(key) != null) strings[key] = api.text(key); });
  api.setWidgetStrings(strings);
  ['title', 'greeting', 'placeholder'].forEach(function (key) { if (api.text(key) != null) texts[key] = api.text(key); });
  window.SanctumChat.__defaults(texts);
  // Every visitor message carries the active language, for message translation (docs/plugins/i18n.md).
  if (api.hintMessages) api.hintMessages(function () { return { language: api.language() }; });
  // An agent reply the plugin translated: its original (metadata.i18n.original) behind a toggle.
  api.addStrings('en', { showOriginal: 'Show original', hideOriginal: 'Show translation' });
  api.decorateMessages(function (message, slot) {
    var info = message.type === 'bot' && message.metadata && message.metadata.i18n;
    if (!info || typeof info.original !== 'string') return;
    var toggle = document.createElement('button'), original = document.createElement('div');
    toggle.type = 'button';
    toggle.className = 'sanctum-module-action';
    toggle.textContent = api.t('showOriginal');
    toggle.setAttribute('aria-expanded', 'false');
    original.hidden = true;
    original.dir = 'auto';
    original.lang = info.language || '';
    original.textContent = info.original;
    toggle.addEventListener('click', function () {
      original.hidden = !original.hidden;
      toggle.textContent = api.t(original.hidden ? 'showOriginal' : 'hideOriginal');
      toggle.setAttribute('aria-expanded', String(!original.hidden));
    });
    slot.replaceChildren(toggle, original);
  });
});
