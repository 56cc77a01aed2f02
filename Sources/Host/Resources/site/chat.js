// The /chat/ page: the original's chat interface, fixed — the session survives a reload
// (sessionStorage), replies are fetched with an id cursor and never shown twice, and polling
// continues while the page is open (every 2 s, backing off on errors).
"use strict";
(function () {
  var messages = document.getElementById("chatMessages");
  var form = document.getElementById("chatForm");
  var input = document.getElementById("messageInput");
  var button = document.getElementById("sendButton");
  var typing = document.getElementById("typingIndicator");
  var stored = sessionStorage.getItem("sanctum_chat_session");
  var sessionId = stored || "session_" + Date.now() + "_" + Array.from(crypto.getRandomValues(new Uint8Array(8)), function (b) {
    return b.toString(16).padStart(2, "0");
  }).join("");
  sessionStorage.setItem("sanctum_chat_session", sessionId);
  document.getElementById("sessionId").textContent = sessionId;
  var seen = new Set();
  var delay = 2000;
  var waiting = false;

  function show(text, kind, time) {
    var bubble = document.createElement("div");
    bubble.className = "message " + kind;
    var content = document.createElement("div");
    content.className = "message-content";
    content.textContent = text;
    var stamp = document.createElement("span");
    stamp.className = "message-time";
    stamp.textContent = (time ? new Date(time.replace(" ", "T") + "Z") : new Date()).toLocaleTimeString();
    bubble.append(content, stamp);
    messages.append(bubble);
    messages.scrollTop = messages.scrollHeight;
  }

  async function poll() {
    try {
      var response = await fetch("/chat/api/get_responses?session_id=" + encodeURIComponent(sessionId));
      var body = await response.json();
      if (!body.success) throw new Error(body.error || "request failed");
      body.data.responses.forEach(function (reply) {
        if (seen.has(reply.id)) return;
        seen.add(reply.id);
        show(reply.response, "bot", reply.timestamp);
        waiting = false;
      });
      typing.classList.toggle("hidden", !waiting);
      delay = 2000;
    } catch (error) {
      delay = Math.min(delay * 2, 30000);
    }
    setTimeout(poll, document.hidden ? Math.max(delay, 10000) : delay);
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    button.disabled = true;
    try {
      var response = await fetch("/chat/api/send_message", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session_id: sessionId, message: text })
      });
      var body = await response.json();
      if (!body.success) throw new Error(body.error || "request failed");
      show(text, "user");
      input.value = "";
      waiting = true;
      typing.classList.remove("hidden");
    } catch (error) {
      show("Error: " + error.message, "bot");
    } finally {
      button.disabled = false;
      input.focus();
    }
  });
  poll();
})();
