// The Notifications plugin's widget module (docs/plugins/notifications.md#visitor-side): a chime
// for an agent reply while the chat is closed or the tab hidden — once across the visitor's tabs,
// by the tab used last —, a browser notification (permission asked only after the visitor's first
// message), the unread count in the page's title and a badge pulse (not with reduced motion).
SanctumChat.module('notifications', function (api) {
  var widget = window.SanctumChat, options = Object.assign({}, api.options), page = function () { return widget.getConfig(); };
  var on = function (name) { return options[name] === 'true'; };
  var me = Math.random().toString(36).slice(2), leader = null, audio = null, lastPost = 0;
  var channel = window.BroadcastChannel ? new BroadcastChannel('sanctum-chat:notifications') : null;
  var hidden = function () { return document.visibilityState === 'hidden'; };
  var soundOn = function () { return on('sound') && page().sound !== false; };
  api.addStrings('en', { newMessage: 'You have a new message' });
  if (options.per_site === 'true') {
    api.fetch('/visitor-options').then(function (response) { return response.json(); })
      .then(function (body) { Object.assign(options, body.data); }, function () { /* the defaults stay */ });
  }

  // --- the tab the visitor used last (BroadcastChannel; nothing stored)
  var post = function (message) { if (channel) channel.postMessage(message); };
  var used = function () {
    var already = leader === me;
    leader = me;
    if (soundOn() && !audio && (window.AudioContext || window.webkitAudioContext)) {
      try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (error) { audio = null; }
    }
    if (!already || Date.now() - lastPost > 1000) { lastPost = Date.now(); post({ leader: me }); }
  };
  if (channel) channel.onmessage = function (event) {
    var data = event.data || {};
    if (data.leader) leader = data.leader;
    if (data.bye && leader === data.bye) leader = null;
    if (data.hello && leader === me) post({ leader: me });
    if (data.reply) reply(data.reply);
  };
  ['pointerdown', 'keydown'].forEach(function (name) { window.addEventListener(name, used, true); });
  window.addEventListener('pagehide', function () { if (leader === me) post({ bye: me }); });
  post({ hello: me });

  // --- the sounds (WebAudio oscillators: no file, nothing for the page's CSP)
  var SOUNDS = { chime: [[660, 0, 'sine'], [990, 0.12, 'sine']], beep: [[800, 0, 'square']], bell: [[1320, 0, 'triangle'], [1760, 0.02, 'sine']] };
  var play = function () {
    if (!audio) return;
    if (audio.resume) audio.resume();
    (SOUNDS[options.sound_name] || SOUNDS.chime).forEach(function (note) {
      var oscillator = audio.createOscillator(), gain = audio.createGain(), start = audio.currentTime + note[1];
      oscillator.type = note[2];
      oscillator.frequency.value = note[0];
      gain.gain.setValueAtTime(0.06, start);
      gain.gain.exponentialRampToValueAtTime(0.001, start + 0.35);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start);
      oscillator.stop(start + 0.4);
    });
  };
  var alert = function () {
    if (soundOn()) play();
    if (on('browser_notifications') && page().notifications !== false && hidden() && window.Notification && Notification.permission === 'granted') {
      var strings = page().strings || {};
      try { new Notification(page().title, { body: strings.newMessage || api.t('newMessage'), tag: 'sanctum-chat' }); } catch (error) { /* not here */ }
    }
  };
  // Exactly one tab alerts for a reply: the one used last; without one (it was closed), the first
  // to take the lock. The tab that receives a reply tells the others (another tab may only merge
  // it from storage, without the `message` event).
  var seen = {};
  var reply = function (id) {
    if (seen[id]) return;
    seen[id] = true;
    if (!widget.getState().isOpen || hidden()) alertOnce();
  };
  var alertOnce = function () {
    if (leader === me) return alert();
    if (leader || !navigator.locks) return;
    navigator.locks.request('sanctum-chat:notifications', { ifAvailable: true }, function (lock) {
      if (!lock) return;
      alert();
      return new Promise(function (resolve) { setTimeout(resolve, 3000); });
    });
  };

  // --- events
  // Permission: asked once, after the visitor's first message typed in this tab (while the send's
  // gesture lasts; another tab may send a message it merged, which is not a new one).
  var asked = !!api.storage.get('asked'), count = -1;
  var ask = function () {
    if (asked || !on('browser_notifications') || page().notifications === false || !window.Notification || Notification.permission !== 'default') return;
    asked = true;
    api.storage.set('asked', true);
    Notification.requestPermission();
  };
  api.on('draft', function (draft) { // the composer emptied by a send: one message more
    var now = widget.getState().messageCount || 0;
    if (!draft.text && count >= 0 && now > count) ask();
    count = now;
  });
  api.on('message', function (event) {
    if (event.type === 'bot') {
      post({ reply: event.id });
      reply(event.id);
    }
  });

  var title = null, shown = '';
  var badge = function () { return document.querySelector('sanctum-chat').shadowRoot.getElementById('sanctum-notification-badge'); };
  api.on('unread', function (event) {
    var count = event.count;
    if (count > 0 && badge()) {
      badge().classList.remove('sanctum-pulse');
      void badge().offsetWidth; // restarts the animation
      badge().classList.add('sanctum-pulse');
    }
    if (!on('title_count')) return;
    if (title === null || document.title !== shown) title = document.title;
    shown = count > 0 ? '(' + count + ') ' + title : title;
    document.title = shown;
  });
});
