// The Analytics plugin's widget module (docs/plugins/analytics.md#the-widget-module; API:
// docs/widget-modules.md). Reports, in batches by navigator.sendBeacon (else fetch keepalive):
// the funnel (bubble shown → chat opened → first message sent, each once per page), the widget's
// timings by browser family (bubble painted, open → interactive, send → acknowledged, reply
// arrived → shown) and uncaught errors of the widget and its modules. It asks the site's
// settings first: a page outside the sample, or with Do-Not-Track / Global Privacy Control when
// the site respects them, sends nothing. Nothing is sent before the visitor opens the chat unless
// the site counts bubble views. No cookies, nothing stored.
(function (script) {
  var base = script ? script.src.slice(0, script.src.indexOf('/widget/')) : '';
  SanctumChat.module('analytics', function (api) {
    var w = window, nav = navigator, perf = w.performance;
    var ua = nav.userAgent;
    var browser = /Edg\//.test(ua) ? 'edge' : /Firefox\//.test(ua) ? 'firefox' : /Chrome\//.test(ua) ? 'chrome' : /Safari\//.test(ua) ? 'safari' : 'other';
    var batch = { funnel: [], timings: [], errors: [] };
    var seen = {}, errorsLeft = 5, settings = null, interacted = false, clickAt = 0, sendAt = 0, lastDraft = '';
    var now = function () { return perf ? perf.now() : 0; };
    var step = function (name) { if (!seen[name]) { seen[name] = 1; batch.funnel.push(name); } };
    var timing = function (name, ms) { if (ms >= 0 && batch.timings.length < 20) batch.timings.push({ name: name, ms: Math.round(ms) }); };
    var flush = function () {
      if (!settings || !(interacted || settings.count_bubble_views)) return;
      if (!batch.funnel.length && !batch.timings.length && !batch.errors.length) return;
      var body = JSON.stringify({ browser: browser, version: api.widgetVersion, funnel: batch.funnel, timings: batch.timings, errors: batch.errors });
      batch = { funnel: [], timings: [], errors: [] };
      var key = SanctumChat.getConfig().apiKey || '';
      var url = base + '/plugins/analytics/beacon?widget_key=' + encodeURIComponent(key);
      var sent = false;
      try { sent = nav.sendBeacon && nav.sendBeacon(url, body); } catch (e) { /* fall back */ }
      if (!sent) api.fetch('/beacon', { method: 'POST', body: body, keepalive: true, headers: { 'content-type': 'text/plain' } }).catch(function () {});
    };
    var painted = perf && perf.getEntriesByName && perf.getEntriesByName('sanctum-chat:bubble')[0];
    if (painted) timing('bubble_painted', painted.startTime);
    step('bubble_shown');
    var host = document.querySelector('sanctum-chat');
    if (host) host.addEventListener('click', function (event) { if (!clickAt) clickAt = event.timeStamp; }, true);
    api.on('open', function () {
      interacted = true;
      var marks = perf && perf.getEntriesByName ? perf.getEntriesByName('sanctum-chat:interactive') : [];
      if (!seen.chat_opened && clickAt && marks.length) timing('open_interactive', marks[marks.length - 1].startTime - clickAt);
      step('chat_opened');
      flush();
    });
    api.on('draft', function (draft) {
      interacted = true;
      if (!draft.text && lastDraft) sendAt = now();
      lastDraft = draft.text;
    });
    api.on('message', function (event) {
      if (event.type === 'bot' && event.receivedAt && w.requestAnimationFrame) {
        // Arrival → on screen: the frame after the reply was added to the transcript.
        w.requestAnimationFrame(function () { timing('reply_shown', now() - event.receivedAt); });
      }
      if (event.type !== 'user') return;
      if (sendAt) timing('send_acknowledged', now() - sendAt);
      sendAt = 0;
      step('message_sent');
      flush();
    });
    w.addEventListener('error', function (event) {
      var file = event.filename || '';
      var message = String(event.message).slice(0, 300);
      if (!base || file.indexOf(base + '/widget/') !== 0 || errorsLeft <= 0 || seen['e:' + message]) return;
      seen['e:' + message] = 1;
      errorsLeft--;
      var source = (/\/widget\/plugins\/([^/]+)\//.exec(file) || [0, 'widget'])[1];
      var stack = event.error && event.error.stack ? String(event.error.stack).split('\n').slice(1, 4) : [file + ':' + event.lineno + ':' + event.colno];
      batch.errors.push({ message: message, source: source.slice(0, 64), frames: stack.map(function (line) { return line.trim().slice(0, 300); }) });
      flush();
    });
    var hidden = function () { if (document.visibilityState !== 'visible') flush(); };
    document.addEventListener('visibilitychange', hidden);
    w.addEventListener('pagehide', flush);
    api.fetch('/settings').then(function (response) { return response.ok ? response.json() : null; }).then(function (answer) {
      var site = answer && answer.data;
      if (!site || Math.random() >= site.sample_rate) return;
      if (site.respect_dnt && (nav.doNotTrack === '1' || w.doNotTrack === '1' || nav.globalPrivacyControl === true)) return;
      settings = site;
      setInterval(flush, site.flush_seconds * 1000);
      flush();
    }).catch(function () {});
  });
})(document.currentScript);
