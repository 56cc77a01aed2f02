// Sanctum Chat inside a mobile app (WKWebView on iOS, WebView on Android); see README.md.
//
// - Starts the widget with the options of this script tag's data-* attributes (apiKey, title,
//   …) and the query string (?language=de&theme=dark&title=…&open=0), and opens it full screen.
// - Forwards every widget event to the app as {type, payload}:
//     iOS:     window.webkit.messageHandlers.sanctum.postMessage(object)
//     Android: window.SanctumAndroid.postMessage(JSON string)   (addJavascriptInterface)
//   Events: ready, open, close, message, unread, error, reset (docs/widget.md → Events), plus
//   `sent` ({clientMessageId, status}) after a native sendMessage and `state` after getState.
// - Accepts commands from the app: window.sanctumNative.open(), close(), toggle(),
//   sendMessage(text), identify(user), reset(), updateConfig(options), getState().
//   They return nothing (a WebView cannot wait for a Promise); results arrive as events.
(function () {
  'use strict';

  var script = document.currentScript;
  var chat = window.SanctumChat;
  var QUERY_OPTIONS = ['title', 'language', 'theme', 'primaryColor', 'greeting', 'placeholder'];
  var EVENTS = ['ready', 'open', 'close', 'message', 'unread', 'error', 'reset'];
  // The widget's own small-screen layout (chat.css, below 480 px), for every width: tablets too.
  var FULL_SCREEN =
    ':host([data-position]) .sanctum-chat-window{inset:0;width:100%;height:100vh;height:100dvh;max-width:none;' +
    'max-height:none;margin:0;border:0;border-radius:0;padding-bottom:env(safe-area-inset-bottom,0px)}' +
    ':host([data-position]) .sanctum-chat-window.open{transform:none}' +
    '.sanctum-chat-header{padding-top:max(12px,env(safe-area-inset-top,0px))}' +
    '#sanctum-chat-input{font-size:16px}.sanctum-chat-bubble.open{display:none}';

  function plain(value) {
    try {
      return value === undefined ? null : JSON.parse(JSON.stringify(value));
    } catch (e) {
      return null;
    }
  }

  /** Sends {type, payload} to the app; false when there is no native bridge (a normal browser). */
  function toNative(type, payload) {
    var message = { type: type, payload: plain(payload) };
    try {
      var ios = window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.sanctum;
      if (ios) {
        ios.postMessage(message);
        return true;
      }
      if (window.SanctumAndroid && typeof window.SanctumAndroid.postMessage === 'function') {
        window.SanctumAndroid.postMessage(JSON.stringify(message));
        return true;
      }
    } catch (e) {
      console.warn('SanctumChat WebView: the native bridge failed', e);
    }
    return false;
  }

  function status(text) {
    var element = document.getElementById('sanctum-webview-status');
    if (element) {
      element.textContent = text;
      element.hidden = !text;
    }
  }

  if (!chat || typeof chat.init !== 'function') {
    status('The chat could not be loaded. Check your connection and try again.');
    toNative('error', { code: 'load_failed', message: 'chat-widget.js did not load' });
    return;
  }

  var options = { closeOnOutsideClick: false, customCss: FULL_SCREEN };
  var data = (script && script.dataset) || {};
  for (var key in data) {
    if (Object.prototype.hasOwnProperty.call(data, key)) options[key] = data[key];
  }
  var query = new URLSearchParams(location.search);
  QUERY_OPTIONS.forEach(function (name) {
    if (query.has(name)) options[name] = query.get(name);
  });

  EVENTS.forEach(function (name) {
    chat.on(name, function (payload) {
      toNative(name, payload);
    });
  });
  chat.on('ready', function () {
    status('');
  });
  chat.on('error', function (e) {
    if (e && e.code === 'load_failed') status('The chat could not be loaded. Check your connection and try again.');
  });

  function parse(value) {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch (e) {
      return value;
    }
  }

  function failed(command) {
    return function (error) {
      toNative('error', { code: 'command_failed', command: command, message: String((error && error.message) || error) });
    };
  }

  /** Commands for the app (evaluateJavaScript / evaluateJavascript). Objects may come as JSON strings. */
  window.sanctumNative = {
    open: function () {
      chat.open().catch(failed('open'));
    },
    close: function () {
      chat.close();
    },
    toggle: function () {
      Promise.resolve(chat.toggle()).catch(failed('toggle'));
    },
    sendMessage: function (text) {
      chat.sendMessage(String(text)).then(function (result) {
        toNative('sent', result);
      }, failed('sendMessage'));
    },
    identify: function (user) {
      chat.identify(parse(user));
    },
    reset: function () {
      chat.reset();
    },
    updateConfig: function (next) {
      chat.updateConfig(parse(next));
    },
    getState: function () {
      toNative('state', chat.getState());
    }
  };

  chat.init(options);
  if (query.get('open') !== '0') chat.open().catch(failed('open'));
})();
