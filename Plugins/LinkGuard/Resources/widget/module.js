// LinkGuard's widget module (docs/plugins.md, step 5; API: docs/widget-modules.md): while the
// visitor's draft has more links than the site allows, a hint above the composer says so, before
// the server would refuse the message.
SanctumChat.module('link-guard', function (api) {
  var maxLinks = Number(api.options.max_links);
  api.addStrings('en', { tooManyLinks: 'Messages may contain at most {max} links.' });
  api.on('draft', function (draft) {
    var links = draft.text.split(/\s+/).filter(function (word) { return /^https?:\/\//.test(word); }).length;
    api.setHint(links > maxLinks ? api.t('tooManyLinks', { max: maxLinks }) : null);
  });
});
