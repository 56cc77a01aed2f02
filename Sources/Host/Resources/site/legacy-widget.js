// Legacy `window.WebChatBridge` script of the original server (/chat/widget.js), kept for
// pages that embed it. Fixed: every response is dispatched once (de-duplicated by id).
// New sites should embed /widget/chat-widget.js (window.SanctumChat) instead.
"use strict";
(function () {
  var state = { sessionId: null, uid: null, polling: null, failures: 0, seen: new Set() };
  var config = { apiEndpoint: "/chat/api", pollInterval: 3000, maxRetries: 3, retryDelay: 1000 };
  function randomId() {
    return "widget_" + Date.now() + "_" + Math.random().toString(36).slice(2, 11);
  }
  var bridge = {
    init: function (options) {
      Object.assign(config, options || {});
      state.sessionId = state.sessionId || randomId();
      state.uid = state.uid || "user_" + Math.random().toString(36).slice(2, 13);
      return bridge;
    },
    sendMessage: async function (message) {
      var response = await fetch(config.apiEndpoint + "/send_message", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session_id: state.sessionId, message: message })
      });
      var body = await response.json();
      if (!body.success) throw new Error(body.error);
      state.uid = body.data.uid;
      bridge.startPolling();
      return body.data;
    },
    getResponses: async function () {
      var response = await fetch(config.apiEndpoint + "/get_responses?session_id=" + encodeURIComponent(state.sessionId));
      var body = await response.json();
      if (!body.success) throw new Error(body.error);
      return body.data.responses;
    },
    startPolling: function () {
      if (state.polling) return;
      state.polling = setInterval(async function () {
        try {
          var responses = await bridge.getResponses();
          state.failures = 0;
          responses.forEach(function (r) {
            if (state.seen.has(r.id)) return;
            state.seen.add(r.id);
            document.dispatchEvent(new CustomEvent("webChatResponse", {
              detail: { response: r.response, sessionId: state.sessionId, timestamp: r.timestamp }
            }));
          });
        } catch (error) {
          if (++state.failures >= config.maxRetries) bridge.stopPolling();
        }
      }, config.pollInterval);
    },
    stopPolling: function () {
      clearInterval(state.polling);
      state.polling = null;
    },
    getState: function () { return { sessionId: state.sessionId, uid: state.uid, polling: !!state.polling }; },
    updateConfig: function (options) { Object.assign(config, options || {}); },
    cleanup: function () { bridge.stopPolling(); state.seen.clear(); }
  };
  window.WebChatBridge = bridge;
  bridge.init();
})();
