// Live events (console-live.js's LiveChannel) applied to the conversation list, the open
// conversation and the visitors' typing indicators.
import { byId } from './dom.js';
import { state } from './state.js';
import { save, saved, signOut } from './account.js';
import { fillItem, listItems, loadList, renderList } from './conversation-list.js';
import { applyToChat, closeChat, openConversation } from './conversation-view.js';
import { showPluginEvent } from './plugin-activity.js';

const TYPING_EXPIRE_MS = 6000;  // a visitor's typing indicator without a new event

const CONNECTION_TEXT = { live: "Live", connecting: "Connecting…", polling: "Live (polling)", offline: "Reconnecting…" };

/** Starts the live channel from the stored event cursor. */
export function startLive() {
  let cursorTimer = 0;
  state.live = new window.SanctumLive.LiveChannel({
    key: state.key,
    cursor: (saved() || {}).cursor || 0,
    onEvent: handleEvent,
    onSynced: (info) => {
      if (!info.fresh && !info.reset) return;
      loadList();
      if (state.open) openConversation(state.open.id, { reload: true });
    },
    onState: (value) => {
      byId("connection").dataset.state = value;
      byId("connectionText").textContent = CONNECTION_TEXT[value] || value;
      byId("connection").title = CONNECTION_TEXT[value] || value;
    },
    onAuthFailed: (message) => signOut("The key was refused (" + message + "). Sign in again."),
    onCursor: (cursor) => {
      clearTimeout(cursorTimer);
      cursorTimer = setTimeout(() => { if (state.key) save({ cursor }); }, 500);
    },
  });
  state.live.start();
}

function handleEvent(event, replay) {
  if (replay || !event || typeof event.session_id !== "string") return;
  if (event.type === "plugin") { showPluginEvent(event); return; }
  if (event.type === "conversation_deleted") { forget(event.data && event.data.session_id); return; }
  if (state.listLoading) state.duringLoad.push(event);
  applyToList(event, false);
  if (state.open && state.open.id === event.session_id) applyToChat(event);
}

/** Drops a deleted (erased, expired, cleaned-up) conversation from the list and the pane. */
function forget(sessionId) {
  if (typeof sessionId !== "string" || !state.conversations.has(sessionId)) return;
  state.conversations.delete(sessionId);
  state.order = state.order.filter((id) => id !== sessionId);
  if (state.open && state.open.id === sessionId) { closeChat(); state.open = null; }
  renderList();
}

/** Whether the conversation pane is on screen (page visible, conversations view, not hidden on a phone). */
export function chatVisible() {
  return document.visibilityState === "visible" && state.view === "conversations" && byId("chat").getClientRects().length > 0;
}

/** Whether conversation `sessionId` is open and on screen (its messages count as read). */
export function isOpenAndVisible(sessionId) {
  return !!state.open && state.open.id === sessionId && chatVisible();
}

let refreshTimer = 0;

function scheduleListRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => loadList(), 400);
}

/** Applies an event to the list. `settled`: the list snapshot may already count it. */
export function applyToList(event, settled) {
  const sessionId = event.session_id;
  const data = event.data || {};
  let conversation = state.conversations.get(sessionId);
  switch (event.type) {
    case "message":
    case "reply":
      if (!conversation) {
        scheduleListRefresh(); // the server knows its uid and site, and whether it matches the search
        if (state.query) return;
        conversation = { session_id: sessionId, uid: null, site_id: null, unread: 0, last_message: null, last_active: null };
        state.conversations.set(sessionId, conversation);
      }
      conversation.last_message = { type: event.type, text: data.text, timestamp: data.timestamp };
      conversation.last_active = data.timestamp || event.at;
      if (event.type === "message") {
        if (!settled && !isOpenAndVisible(sessionId)) conversation.unread = (Number(conversation.unread) || 0) + 1;
        setVisitorTyping(sessionId, false);
      }
      state.order = [sessionId].concat(state.order.filter((id) => id !== sessionId));
      break;
    case "read":
      if (!conversation || data.by !== "agent") return;
      conversation.unread = 0;
      break;
    case "typing":
      if (data.from === "visitor") setVisitorTyping(sessionId, data.active === true);
      return;
    default:
      return;
  }
  renderList();
}

function setVisitorTyping(sessionId, active) {
  const had = state.visitorTyping.has(sessionId);
  clearTimeout(state.visitorTyping.get(sessionId));
  state.visitorTyping.delete(sessionId);
  if (active) {
    state.visitorTyping.set(sessionId, setTimeout(() => { state.visitorTyping.delete(sessionId); typingChanged(sessionId); }, TYPING_EXPIRE_MS));
  }
  if (had !== active) typingChanged(sessionId);
}

function typingChanged(sessionId) {
  if (state.open && state.open.id === sessionId) byId("typing").textContent = state.visitorTyping.has(sessionId) ? "Visitor is typing…" : "";
  const item = listItems.get(sessionId);
  if (item) fillItem(item, state.conversations.get(sessionId));
}
