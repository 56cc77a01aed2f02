// The I18n plugin's widget module (docs/plugins/i18n.md; API: docs/widget-modules.md). The runtime
// has already chosen the interface language (the page's `language`, else the browser's languages
// the site offers, else `default_language`) and fetched that one file: its "i18n" section is this
// module's, the core widget's texts, which it hands to the widget. The page's own options win.
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
});
