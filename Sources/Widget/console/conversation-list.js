// The conversation list: paged and searchable, kept in order by live events, one tab stop
// (arrow keys move between conversations), unread badges and the page title's unread count.
import { byId, createElement, oneLine, say, timeElement } from './dom.js';
import { API, api } from './http.js';
import { BASE_TITLE, state } from './state.js';
import { applyToList, isOpenAndVisible } from './events.js';
import { openConversation } from './conversation-view.js';
import { identityLabel } from './identity-label.js';

const PAGE_SIZE = 50;

/** The rendered list entries by session id. */
export const listItems = new Map(); // session_id -> { li, button, name, time, preview, badge, sub }

/** Loads the first page of conversations (or the next one with `append`) for the current search. */
export async function loadList(append) {
  if (!state.key) return;
  if (state.listAbort) state.listAbort.abort();
  const abort = new AbortController();
  state.listAbort = abort;
  state.listLoading = true;
  state.duringLoad = [];
  const offset = append ? state.order.length : 0;
  let path = API + "conversations&limit=" + PAGE_SIZE + "&offset=" + offset;
  if (state.query) path += "&q=" + encodeURIComponent(state.query);
  byId("conversationList").setAttribute("aria-busy", "true");
  try {
    const data = await api(path, { signal: abort.signal });
    if (abort !== state.listAbort) return;
    const conversations = Array.isArray(data.conversations) ? data.conversations : [];
    if (!append) { state.conversations = new Map(); state.order = []; }
    conversations.forEach((conversation) => {
      if (!conversation || typeof conversation.session_id !== "string") return;
      if (!state.conversations.has(conversation.session_id)) state.order.push(conversation.session_id);
      state.conversations.set(conversation.session_id, conversation);
    });
    const pagination = data.pagination || {};
    state.total = typeof pagination.total === "number" ? pagination.total : state.order.length;
    state.hasMore = typeof pagination.has_more === "boolean" ? pagination.has_more : conversations.length === PAGE_SIZE;
    // Events that arrived while loading: when the answer names its cursor, replay exactly what
    // came after it; otherwise only move conversations (the snapshot's unread counts stand).
    const cutoff = typeof data.last_event_id === "number" ? data.last_event_id : null;
    const pending = state.duringLoad;
    state.listLoading = false;
    state.duringLoad = [];
    pending.forEach((event) => {
      if (cutoff === null) applyToList(event, true);
      else if (event.id > cutoff) applyToList(event, false);
    });
    renderList();
  } catch (error) {
    if (error && error.name === "AbortError") return;
    if (state.key) say("Could not load conversations: " + error.message);
  } finally {
    if (abort === state.listAbort) {
      state.listLoading = false;
      state.duringLoad = [];
      state.listAbort = null;
      byId("conversationList").removeAttribute("aria-busy");
    }
  }
}

function makeItem(sessionId) {
  const li = createElement("li");
  const button = createElement("button", "conv-btn");
  button.type = "button";
  button.dataset.sid = sessionId;
  const top = createElement("span", "conv-line");
  const name = createElement("span", "conv-name");
  const time = createElement("span", "conv-time");
  top.append(name, time);
  const bottom = createElement("span", "conv-line");
  const preview = createElement("span", "conv-preview");
  const badge = createElement("span", "badge");
  bottom.append(preview, badge);
  const sub = createElement("span", "conv-sub");
  button.append(top, bottom, sub);
  li.append(button);
  button.addEventListener("click", (event) => {
    state.focusSessionId = sessionId;
    openConversation(sessionId, { focus: event.detail === 0 }); // keyboard activation moves on to the reply box
  });
  return { li, button, name, time, preview, badge, sub };
}

/** Renders one conversation summary into its list entry. */
export function fillItem(item, conversation) {
  if (!conversation) return;
  const sessionId = conversation.session_id;
  item.name.textContent = sessionId;
  item.time.replaceChildren(timeElement(conversation.last_active || (conversation.last_message && conversation.last_message.timestamp)));
  const typing = state.visitorTyping.has(sessionId);
  item.preview.classList.toggle("typing", typing);
  if (typing) item.preview.textContent = "Visitor is typing…";
  else if (conversation.last_message) item.preview.textContent = (conversation.last_message.type === "reply" ? "Agent: " : "") + oneLine(conversation.last_message.text, 140);
  else item.preview.textContent = "No messages yet";
  const unread = isOpenAndVisible(sessionId) ? 0 : Number(conversation.unread) || 0;
  item.badge.hidden = unread === 0;
  item.badge.replaceChildren(createElement("span", null, unread > 99 ? "99+" : unread), createElement("span", "visually-hidden", unread === 1 ? " unread message" : " unread messages"));
  item.button.classList.toggle("has-unread", unread > 0);
  const sub = [];
  if (conversation.identity) sub.push(identityLabel(conversation.identity));
  if (conversation.uid) sub.push("uid " + conversation.uid);
  if (state.role === "admin" && conversation.site_id) sub.push("site " + conversation.site_id);
  item.sub.textContent = sub.join(" · ");
  item.sub.hidden = sub.length === 0;
  if (state.open && state.open.id === sessionId) item.button.setAttribute("aria-current", "true");
  else item.button.removeAttribute("aria-current");
}

/** Brings the list in line with state.order, keeps focus and the single tab stop, updates the title. */
export function renderList() {
  const list = byId("conversationList");
  const active = document.activeElement;
  const focusedSessionId = active && active.classList && active.classList.contains("conv-btn") ? active.dataset.sid : null;
  const wanted = new Set(state.order);
  listItems.forEach((item, sessionId) => { if (!wanted.has(sessionId) || !state.conversations.has(sessionId)) { item.li.remove(); listItems.delete(sessionId); } });
  let previous = null;
  let unreadTotal = 0;
  state.order.forEach((sessionId) => {
    const conversation = state.conversations.get(sessionId);
    if (!conversation) return;
    let item = listItems.get(sessionId);
    if (!item) { item = makeItem(sessionId); listItems.set(sessionId, item); }
    fillItem(item, conversation);
    if (!isOpenAndVisible(sessionId)) unreadTotal += Number(conversation.unread) || 0;
    const expected = previous ? previous.nextSibling : list.firstChild;
    if (expected !== item.li) list.insertBefore(item.li, expected);
    previous = item.li;
  });
  // one tab stop in the list (arrow keys move between conversations)
  let stop = [focusedSessionId, state.focusSessionId, state.open && state.open.id].find((sessionId) => sessionId && listItems.has(sessionId)) || state.order.find((sessionId) => listItems.has(sessionId));
  listItems.forEach((item, sessionId) => { item.button.tabIndex = sessionId === stop ? 0 : -1; });
  if (focusedSessionId && listItems.has(focusedSessionId) && document.activeElement !== listItems.get(focusedSessionId).button) {
    listItems.get(focusedSessionId).button.focus({ preventScroll: true });
  }
  const shown = listItems.size;
  let summary;
  if (shown === 0) summary = state.query ? "No conversation matches “" + state.query + "”." : "No conversations yet.";
  else summary = shown + (state.total > shown ? " of " + state.total : "") + (state.total === 1 || shown === 1 && state.total <= 1 ? " conversation" : " conversations") + (state.query ? " matching “" + state.query + "”" : "");
  byId("listSummary").textContent = summary;
  byId("loadMore").hidden = !state.hasMore;
  document.title = (unreadTotal > 0 ? "(" + unreadTotal + ") " : "") + BASE_TITLE;
}

let searchTimer = 0;

/** Wires this module's controls (called once by admin.js). */
export function installConversationList() {
  byId("loadMore").addEventListener("click", () => loadList(true));

  byId("search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      const query = byId("search").value.trim();
      if (query === state.query) return;
      state.query = query;
      loadList();
    }, 300);
  });

  byId("conversationList").addEventListener("keydown", (event) => {
    const buttons = Array.from(byId("conversationList").querySelectorAll(".conv-btn"));
    const index = buttons.indexOf(document.activeElement);
    if (index < 0) return;
    let next = -1;
    if (event.key === "ArrowDown") next = Math.min(index + 1, buttons.length - 1);
    else if (event.key === "ArrowUp") next = Math.max(index - 1, 0);
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = buttons.length - 1;
    else return;
    event.preventDefault();
    state.focusSessionId = buttons[next].dataset.sid;
    buttons.forEach((button, i) => { button.tabIndex = i === next ? 0 : -1; });
    buttons[next].focus();
  });
}
