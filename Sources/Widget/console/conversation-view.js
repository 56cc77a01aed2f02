// The open conversation: its history, live messages and replies, receipts on the agent's
// replies, and read marks sent while it is open and visible.
import { byId, createElement, say, timeElement } from './dom.js';
import { API, api } from './http.js';
import { state } from './state.js';
import { listItems, renderList } from './conversation-list.js';
import { chatVisible } from './events.js';
import { resizeReply, stopTyping } from './reply.js';
import { identityLabel } from './identity-label.js';
import { attachmentList, filesOf } from './attachments.js';

/** Opens (or, with `options.reload`, reloads) a conversation; `options.focus` moves to the reply box. */
export async function openConversation(sessionId, options) {
  options = options || {};
  const workspace = byId("conversationsView");
  if (!options.reload && state.open && state.open.id === sessionId) {
    workspace.classList.add("chat-open");
    renderList();
    markRead();
    if (options.focus) byId("replyInput").focus();
    return;
  }
  if (!options.reload) {
    stopTyping();
    if (state.open) state.drafts.set(state.open.id, byId("replyInput").value);
    byId("replyInput").value = state.drafts.get(sessionId) || "";
    resizeReply();
  }
  const open = { id: sessionId, nodes: new Map(), maxMessageId: 0, readSent: 0, visitorReadUpTo: 0, loading: true, pending: [] };
  state.open = open;
  workspace.classList.add("chat-open");
  byId("chatEmpty").hidden = true;
  byId("chat").hidden = false;
  byId("chatTitle").textContent = sessionId;
  const conversation = state.conversations.get(sessionId);
  byId("chatMeta").textContent = conversation ? describe(conversation) : "";
  byId("typing").textContent = state.visitorTyping.has(sessionId) ? "Visitor is typing…" : "";
  const log = byId("messages");
  log.setAttribute("aria-busy", "true");
  if (!options.reload) log.replaceChildren(createElement("p", "muted", "Loading…"));
  renderList();
  if (options.focus) byId("replyInput").focus();
  try {
    const data = await api(API + "history&session_id=" + encodeURIComponent(sessionId));
    if (state.open !== open) return;
    byId("chatMeta").textContent = describe({ uid: data.uid, site_id: data.site_id, identity: data.identity });
    log.replaceChildren();
    open.readSent = Number(data.agent_read_up_to) || 0;
    open.visitorReadUpTo = Number(data.visitor_read_up_to) || 0;
    (Array.isArray(data.items) ? data.items : []).forEach((item) => addItem(item, false));
    if (!open.nodes.size) log.append(createElement("p", "muted empty-note", "No messages yet."));
    open.loading = false;
    open.pending.forEach(applyToChat);
    open.pending = [];
    log.scrollTop = log.scrollHeight;
    markRead();
  } catch (error) {
    if (state.open !== open) return;
    open.loading = false;
    log.replaceChildren(createElement("p", "muted", "Could not load this conversation."));
    if (state.key) say("Could not load the conversation: " + error.message);
  } finally {
    if (state.open === open) log.removeAttribute("aria-busy");
  }
}

function describe(conversation) {
  for (const id of ["blockVisitor", "exportConversation", "eraseConversation"]) byId(id).hidden = state.role !== "admin";
  const parts = [];
  if (conversation.identity) parts.push(identityLabel(conversation.identity));
  if (conversation.uid) parts.push("uid " + conversation.uid);
  if (state.role === "admin" && conversation.site_id) parts.push("site " + conversation.site_id);
  return parts.join(" · ");
}

/** Empties and hides the conversation pane. */
export function closeChat() {
  byId("conversationsView").classList.remove("chat-open");
  byId("chat").hidden = true;
  byId("chatEmpty").hidden = false;
  byId("messages").replaceChildren();
  byId("typing").textContent = "";
  byId("replyInput").value = "";
}

/** Back to the list (phones show one pane at a time). */
export function backToList() {
  stopTyping();
  byId("conversationsView").classList.remove("chat-open");
  const sessionId = state.open && state.open.id;
  renderList();
  const item = sessionId && listItems.get(sessionId);
  if (item) item.button.focus();
  else byId("search").focus();
}

function receiptText(status) {
  if (status === "read") return "Read";
  if (status === "delivered") return "Delivered";
  return "Sent";
}

function setReceipt(node, status) {
  const receipt = node.querySelector(".receipt");
  if (!receipt || receipt.dataset.status === status) return;
  receipt.dataset.status = status;
  receipt.className = "receipt " + status;
  receipt.replaceChildren(createElement("span", null, status === "read" ? "✓✓ " : "✓ "), createElement("span", null, receiptText(status)));
  receipt.firstChild.setAttribute("aria-hidden", "true");
}

/** Adds a history item ({type, id, text, timestamp, status, metadata}) once. */
export function addItem(item, live) {
  const open = state.open;
  if (!open || !item || (item.type !== "message" && item.type !== "reply")) return;
  const id = Number(item.id);
  const key = (item.type === "message" ? "m" : "r") + id;
  if (open.nodes.has(key)) return;
  const log = byId("messages");
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  const empty = log.querySelector(".empty-note");
  if (empty) empty.remove();
  const visitor = item.type === "message";
  const node = createElement("div", "msg " + (visitor ? "visitor" : "agent"));
  node.dataset.key = key;
  node.dataset.id = String(id);
  const text = createElement("p", "msg-text", item.text == null ? "" : item.text);
  const meta = createElement("p", "msg-meta");
  meta.append(createElement("span", null, visitor ? "Visitor" : "Agent"), document.createTextNode(" · "), timeElement(item.timestamp));
  if (!visitor) {
    meta.append(document.createTextNode(" · "));
    const receipt = createElement("span", "receipt");
    meta.append(receipt);
    node.append(text, meta);
    setReceipt(node, item.status === "read" || id <= open.visitorReadUpTo ? "read" : item.status || "sent");
  } else {
    node.append(text, meta);
    if (id > open.maxMessageId) open.maxMessageId = id;
  }
  const files = filesOf(item.metadata);
  if (files.length) meta.before(attachmentList(files, open.id));
  open.nodes.set(key, node);
  log.append(node);
  if (live && (nearBottom || !visitor)) log.scrollTop = log.scrollHeight;
}

/** Applies a live event to the open conversation (queued while its history loads). */
export function applyToChat(event) {
  const open = state.open;
  if (!open) return;
  if (open.loading) { open.pending.push(event); return; }
  const data = event.data || {};
  switch (event.type) {
    case "message":
      addItem({ type: "message", id: data.message_id, text: data.text, timestamp: data.timestamp, metadata: data.metadata }, true);
      markRead();
      break;
    case "reply":
      addItem({ type: "reply", id: data.response_id, text: data.text, timestamp: data.timestamp, status: "sent", metadata: data.metadata }, true);
      break;
    case "read":
      if (data.by === "visitor") {
        const upTo = Number(data.up_to) || 0;
        if (upTo > open.visitorReadUpTo) open.visitorReadUpTo = upTo;
        open.nodes.forEach((node, key) => { if (key[0] === "r" && Number(node.dataset.id) <= upTo) setReceipt(node, "read"); });
      } else if (data.by === "agent") {
        open.readSent = Math.max(open.readSent, Number(data.up_to) || 0);
      }
      break;
    default:
      break;
  }
}

/** Marks the visitor's messages read while the conversation is open and visible. */
export function markRead() {
  const open = state.open;
  if (!open || open.loading || !chatVisible()) return;
  const conversation = state.conversations.get(open.id);
  if (conversation && Number(conversation.unread)) { conversation.unread = 0; renderList(); }
  if (open.maxMessageId <= open.readSent) return;
  const upTo = open.maxMessageId;
  const previous = open.readSent;
  open.readSent = upTo;
  const frame = { type: "read", up_to: upTo, session_id: open.id };
  if (state.live && state.live.send(frame)) return;
  api(API + "read", { method: "POST", body: { session_id: open.id, up_to: upTo } }).catch((error) => {
    if (state.open === open && open.readSent === upTo) open.readSent = previous;
    if (state.key) say("Could not mark the conversation read: " + error.message);
  });
}

/** Wires this module's controls (called once by admin.js). */
export function installConversationView() {
  byId("back").addEventListener("click", backToList);

  document.addEventListener("visibilitychange", markRead);

  window.matchMedia("(max-width: 760px)").addEventListener("change", () => { renderList(); markRead(); });

  window.addEventListener("online", () => { if (state.live) state.live.reconnect(); });
}
