// The reply box: Enter sends (POST outbox), typing signals to the visitor, drafts per conversation.
import { byId, say } from './dom.js';
import { API, api, request } from './http.js';
import { state } from './state.js';
import { addItem, backToList } from './conversation-view.js';
import { uploadFile } from './attachments.js';

const TYPING_EVERY_MS = 2000;   // send typing:true at most this often while typing
const TYPING_IDLE_MS = 3000;    // typing:false after this long without input

function sendTyping(sessionId, active) {
  const frame = { type: "typing", active, session_id: sessionId };
  if (state.live && state.live.send(frame)) return;
  if (state.key) request(API + "typing", { method: "POST", body: { session_id: sessionId, active } }).catch(() => { /* best effort */ });
}

/** Sends typing:false for the conversation the agent was typing in, if any. */
export function stopTyping() {
  const typing = state.typingOut;
  clearTimeout(typing.idle);
  if (typing.active && typing.sessionId) sendTyping(typing.sessionId, false);
  typing.active = false;
  typing.sessionId = null;
  typing.sentAt = 0;
}

/** Grows the reply box with its content, up to 40 % of the window height. */
export function resizeReply() {
  const box = byId("replyInput");
  box.style.height = "auto";
  box.style.height = Math.min(box.scrollHeight + 2, window.innerHeight * 0.4) + "px";
}

/** Forgets the file chosen for the reply. */
function clearFile() {
  byId("replyFile").value = "";
  byId("replyFileName").textContent = "";
  byId("replyFileName").hidden = true;
}

/** Wires this module's controls (called once by admin.js). */
export function installReply() {
  byId("attachButton").addEventListener("click", () => byId("replyFile").click());
  byId("replyFile").addEventListener("change", () => {
    const file = byId("replyFile").files[0];
    byId("replyFileName").hidden = !file;
    byId("replyFileName").textContent = file ? "Attached: " + file.name : "";
  });
  byId("replyInput").addEventListener("input", () => {
    resizeReply();
    const open = state.open;
    if (!open) return;
    const typing = state.typingOut;
    if (!byId("replyInput").value.trim()) { stopTyping(); return; }
    if (typing.sessionId && typing.sessionId !== open.id) stopTyping();
    const now = Date.now();
    if (!typing.active || now - typing.sentAt >= TYPING_EVERY_MS) {
      sendTyping(open.id, true);
      typing.active = true;
      typing.sessionId = open.id;
      typing.sentAt = now;
    }
    clearTimeout(typing.idle);
    typing.idle = setTimeout(stopTyping, TYPING_IDLE_MS);
  });

  byId("replyInput").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      byId("replyForm").requestSubmit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      backToList();
    }
  });

  byId("replyForm").addEventListener("submit", async (event) => {
    event.preventDefault();
    const open = state.open;
    const box = byId("replyInput");
    const picker = byId("replyFile");
    const file = picker.files && picker.files[0];
    const text = box.value.trim() ? box.value : file ? file.name : "";
    if (!open || !text.trim()) return;
    const button = byId("sendButton");
    button.disabled = true;
    stopTyping();
    try {
      // A file goes first (with the key); the reply names it, so the visitor gets both at once.
      const attachment = file ? await uploadFile(open.id, file) : null;
      const metadata = attachment ? { attachments: { ids: [attachment.id] } } : undefined;
      const data = await api(API + "outbox", { method: "POST", body: { session_id: open.id, response: text, metadata } });
      if (attachment) clearFile();
      if (state.open === open) {
        if (box.value === text) box.value = "";
        resizeReply();
        state.drafts.delete(open.id);
        if (data && data.response_id != null) {
          addItem({ type: "reply", id: data.response_id, text: text.trim(), timestamp: data.timestamp || new Date().toISOString(), status: "sent",
            metadata: attachment ? { attachments: { files: [attachment] } } : undefined }, true);
        }
      }
    } catch (error) {
      if (state.key) say("The reply was not sent: " + error.message);
    } finally {
      button.disabled = false;
      if (state.open === open) box.focus();
    }
  });
}
