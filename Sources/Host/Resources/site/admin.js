// The operator console (/admin/): conversations live over the stream, replies with typing and
// receipts, and — for the admin key only — sessions cleanup and configuration (secrets masked).
// The key lives in sessionStorage only, never in a URL; every piece of data is rendered with
// textContent. Protocol: docs/realtime.md; the console itself: docs/console.md.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const STORE = "sanctum_console";
  const API = "/api/v1/?action=";
  const PAGE_SIZE = 50;
  const TYPING_EVERY_MS = 2000;   // send typing:true at most this often while typing
  const TYPING_IDLE_MS = 3000;    // typing:false after this long without input
  const TYPING_EXPIRE_MS = 6000;  // a visitor's typing indicator without a new event
  const BASE_TITLE = document.title;

  const state = {
    key: null,
    role: null,                   // "admin" | "agent"
    view: "conversations",
    convs: new Map(),             // session_id -> conversation summary
    order: [],                    // session ids, newest activity first
    total: 0,
    hasMore: false,
    q: "",
    listAbort: null,
    listLoading: false,
    duringLoad: [],               // events that arrived while the list was loading
    open: null,                   // the open conversation
    drafts: new Map(),
    visitorTyping: new Map(),     // session_id -> expiry timer
    typingOut: { sid: null, active: false, sentAt: 0, idle: 0 },
    live: null,
    focusSid: null,               // roving tab stop of the list
  };

  // --- small helpers ------------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = String(text);
    return node;
  }

  function say(text, kind) {
    const box = $("status");
    box.textContent = String(text);
    box.className = "status " + (kind || "error");
    clearTimeout(say.timer);
    say.timer = setTimeout(() => { box.textContent = ""; box.className = "status"; }, kind === "ok" ? 6000 : 15000);
  }

  function parseTime(value) {
    if (!value) return null;
    let text = String(value);
    // stored timestamps are the bridge's "YYYY-MM-DD HH:MM:SS" in UTC
    if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(text)) text = text.replace(" ", "T") + "Z";
    const date = new Date(text);
    return isNaN(date.getTime()) ? null : date;
  }
  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
  const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

  function timeElement(value) {
    const node = document.createElement("time");
    const date = parseTime(value);
    if (!date) { node.textContent = value ? String(value) : ""; return node; }
    node.dateTime = date.toISOString();
    node.title = fullFormat.format(date);
    node.textContent = date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dayFormat.format(date);
    return node;
  }

  function oneLine(text, max) {
    const flat = String(text == null ? "" : text).replace(/\s+/g, " ").trim();
    return flat.length > max ? flat.slice(0, max - 1) + "…" : flat;
  }

  // --- HTTP ---------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(message, status) { super(message); this.status = status; }
  }

  async function request(path, options) {
    options = options || {};
    const headers = { Authorization: "Bearer " + (options.key || state.key) };
    const init = { method: options.method || "GET", headers, cache: "no-store", signal: options.signal };
    if (options.body !== undefined) { headers["Content-Type"] = "application/json"; init.body = JSON.stringify(options.body); }
    let response;
    try { response = await fetch(path, init); } catch (error) {
      if (error && error.name === "AbortError") throw error;
      throw new ApiError("The server could not be reached. Check the connection and try again.", 0);
    }
    let body = null;
    try { body = await response.json(); } catch (_) { /* not JSON */ }
    if (!response.ok || !body || body.success === false) {
      let message = (body && (body.error || body.message)) || "Request failed (HTTP " + response.status + ")";
      if (response.status === 429) {
        const after = response.headers.get("Retry-After") || (body && body.retry_after);
        message = "Too many requests" + (after ? "; try again in " + after + " s." : "; try again later.");
      }
      throw new ApiError(String(message), response.status);
    }
    return body.data;
  }

  /** Like request, but a refused key ends the session. */
  async function api(path, options) {
    try { return await request(path, options); } catch (error) {
      if (error.status === 401) signOut("The key was refused (" + error.message + "). Sign in again.");
      throw error;
    }
  }

  // --- sign in / out ------------------------------------------------------------------------

  function saved() {
    try { return JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (_) { return null; }
  }

  function save(extra) {
    const record = Object.assign({ key: state.key, role: state.role, cursor: (saved() || {}).cursor || 0 }, extra || {});
    sessionStorage.setItem(STORE, JSON.stringify(record));
  }

  async function detectRole(key) {
    // The admin key opens the admin API; an agent key gets 401 there but works on conversations.
    try { await request("/admin/api/config", { key }); return "admin"; } catch (error) {
      if (error.status !== 401) throw error;
    }
    try { await request(API + "conversations&limit=1", { key }); return "agent"; } catch (error) {
      if (error.status === 401) throw new ApiError("That key is neither the admin key nor a site's agent key.", 401);
      throw error;
    }
  }

  $("signIn").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("keyInput");
    const key = input.value.trim();
    if (!key) { say("Enter the admin key or an agent key."); input.focus(); return; }
    const button = $("signInButton");
    button.disabled = true;
    try {
      const role = await detectRole(key);
      input.value = "";
      state.key = key;
      state.role = role;
      save({ cursor: 0 });
      enter();
      if (window.matchMedia("(pointer: fine)").matches) $("search").focus(); // no keyboard pop-up on phones
    } catch (error) {
      say(error.message);
      input.focus();
    } finally {
      button.disabled = false;
    }
  });

  function enter() {
    $("signInView").hidden = true;
    $("nav").hidden = false;
    $("account").hidden = false;
    $("role").textContent = state.role === "admin" ? "Admin" : "Agent";
    document.querySelectorAll("[data-admin-only]").forEach((node) => { node.hidden = state.role !== "admin"; });
    showView("conversations");
    loadList();
    startLive();
  }

  function signOut(message, kind) {
    stopTyping();
    if (state.live) state.live.stop();
    state.live = null;
    sessionStorage.removeItem(STORE);
    state.key = null;
    state.role = null;
    if (state.listAbort) state.listAbort.abort();
    state.convs = new Map();
    state.order = [];
    state.open = null;
    state.drafts.clear();
    state.visitorTyping.forEach((timer) => clearTimeout(timer));
    state.visitorTyping.clear();
    listItems.forEach((item) => item.li.remove());
    listItems.clear();
    closeChat();
    $("search").value = "";
    state.q = "";
    $("configRows").replaceChildren();
    ["conversationsView", "settingsView", "nav", "account"].forEach((id) => { $(id).hidden = true; });
    $("signInView").hidden = false;
    document.title = BASE_TITLE;
    if (message) say(message, kind);
    $("keyInput").focus();
  }

  $("signOut").addEventListener("click", () => signOut("Signed out.", "ok"));

  // --- views --------------------------------------------------------------------------------

  function showView(name) {
    if (name === "settings" && state.role !== "admin") name = "conversations";
    state.view = name;
    $("conversationsView").hidden = name !== "conversations";
    $("settingsView").hidden = name !== "settings";
    $("navConversations").setAttribute("aria-current", name === "conversations" ? "page" : "false");
    $("navSettings").setAttribute("aria-current", name === "settings" ? "page" : "false");
    if (name === "settings") loadConfig();
    else markRead();
  }
  $("navConversations").addEventListener("click", () => showView("conversations"));
  $("navSettings").addEventListener("click", () => showView("settings"));

  // --- live events --------------------------------------------------------------------------

  const CONNECTION_TEXT = { live: "Live", connecting: "Connecting…", polling: "Live (polling)", offline: "Reconnecting…" };

  function startLive() {
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
        $("connection").dataset.state = value;
        $("connectionText").textContent = CONNECTION_TEXT[value] || value;
        $("connection").title = CONNECTION_TEXT[value] || value;
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
    if (state.listLoading) state.duringLoad.push(event);
    applyToList(event, false);
    if (state.open && state.open.id === event.session_id) applyToChat(event);
  }

  function chatVisible() {
    return document.visibilityState === "visible" && state.view === "conversations" && $("chat").getClientRects().length > 0;
  }

  function isOpenAndVisible(sid) {
    return !!state.open && state.open.id === sid && chatVisible();
  }

  let refreshTimer = 0;
  function scheduleListRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => loadList(), 400);
  }

  /** Applies an event to the list. `settled`: the list snapshot may already count it. */
  function applyToList(event, settled) {
    const sid = event.session_id;
    const data = event.data || {};
    let conv = state.convs.get(sid);
    switch (event.type) {
      case "message":
      case "reply":
        if (!conv) {
          scheduleListRefresh(); // the server knows its uid and site, and whether it matches the search
          if (state.q) return;
          conv = { session_id: sid, uid: null, site_id: null, unread: 0, last_message: null, last_active: null };
          state.convs.set(sid, conv);
        }
        conv.last_message = { type: event.type, text: data.text, timestamp: data.timestamp };
        conv.last_active = data.timestamp || event.at;
        if (event.type === "message") {
          if (!settled && !isOpenAndVisible(sid)) conv.unread = (Number(conv.unread) || 0) + 1;
          setVisitorTyping(sid, false);
        }
        state.order = [sid].concat(state.order.filter((id) => id !== sid));
        break;
      case "read":
        if (!conv || data.by !== "agent") return;
        conv.unread = 0;
        break;
      case "typing":
        if (data.from === "visitor") setVisitorTyping(sid, data.active === true);
        return;
      default:
        return;
    }
    renderList();
  }

  function setVisitorTyping(sid, active) {
    const had = state.visitorTyping.has(sid);
    clearTimeout(state.visitorTyping.get(sid));
    state.visitorTyping.delete(sid);
    if (active) {
      state.visitorTyping.set(sid, setTimeout(() => { state.visitorTyping.delete(sid); typingChanged(sid); }, TYPING_EXPIRE_MS));
    }
    if (had !== active) typingChanged(sid);
  }

  function typingChanged(sid) {
    if (state.open && state.open.id === sid) $("typing").textContent = state.visitorTyping.has(sid) ? "Visitor is typing…" : "";
    const item = listItems.get(sid);
    if (item) fillItem(item, state.convs.get(sid));
  }

  // --- conversation list --------------------------------------------------------------------

  const listItems = new Map(); // session_id -> { li, button, name, time, preview, badge, sub }

  async function loadList(append) {
    if (!state.key) return;
    if (state.listAbort) state.listAbort.abort();
    const abort = new AbortController();
    state.listAbort = abort;
    state.listLoading = true;
    state.duringLoad = [];
    const offset = append ? state.order.length : 0;
    let path = API + "conversations&limit=" + PAGE_SIZE + "&offset=" + offset;
    if (state.q) path += "&q=" + encodeURIComponent(state.q);
    $("conversationList").setAttribute("aria-busy", "true");
    try {
      const data = await api(path, { signal: abort.signal });
      if (abort !== state.listAbort) return;
      const conversations = Array.isArray(data.conversations) ? data.conversations : [];
      if (!append) { state.convs = new Map(); state.order = []; }
      conversations.forEach((conv) => {
        if (!conv || typeof conv.session_id !== "string") return;
        if (!state.convs.has(conv.session_id)) state.order.push(conv.session_id);
        state.convs.set(conv.session_id, conv);
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
        $("conversationList").removeAttribute("aria-busy");
      }
    }
  }

  function makeItem(sid) {
    const li = el("li");
    const button = el("button", "conv-btn");
    button.type = "button";
    button.dataset.sid = sid;
    const top = el("span", "conv-line");
    const name = el("span", "conv-name");
    const time = el("span", "conv-time");
    top.append(name, time);
    const bottom = el("span", "conv-line");
    const preview = el("span", "conv-preview");
    const badge = el("span", "badge");
    bottom.append(preview, badge);
    const sub = el("span", "conv-sub");
    button.append(top, bottom, sub);
    li.append(button);
    button.addEventListener("click", (event) => {
      state.focusSid = sid;
      openConversation(sid, { focus: event.detail === 0 }); // keyboard activation moves on to the reply box
    });
    return { li, button, name, time, preview, badge, sub };
  }

  function fillItem(item, conv) {
    if (!conv) return;
    const sid = conv.session_id;
    item.name.textContent = sid;
    item.time.replaceChildren(timeElement(conv.last_active || (conv.last_message && conv.last_message.timestamp)));
    const typing = state.visitorTyping.has(sid);
    item.preview.classList.toggle("typing", typing);
    if (typing) item.preview.textContent = "Visitor is typing…";
    else if (conv.last_message) item.preview.textContent = (conv.last_message.type === "reply" ? "Agent: " : "") + oneLine(conv.last_message.text, 140);
    else item.preview.textContent = "No messages yet";
    const unread = isOpenAndVisible(sid) ? 0 : Number(conv.unread) || 0;
    item.badge.hidden = unread === 0;
    item.badge.replaceChildren(el("span", null, unread > 99 ? "99+" : unread), el("span", "visually-hidden", unread === 1 ? " unread message" : " unread messages"));
    item.button.classList.toggle("has-unread", unread > 0);
    const sub = [];
    if (conv.uid) sub.push("uid " + conv.uid);
    if (state.role === "admin" && conv.site_id) sub.push("site " + conv.site_id);
    item.sub.textContent = sub.join(" · ");
    item.sub.hidden = sub.length === 0;
    if (state.open && state.open.id === sid) item.button.setAttribute("aria-current", "true");
    else item.button.removeAttribute("aria-current");
  }

  function renderList() {
    const list = $("conversationList");
    const active = document.activeElement;
    const focusedSid = active && active.classList && active.classList.contains("conv-btn") ? active.dataset.sid : null;
    const wanted = new Set(state.order);
    listItems.forEach((item, sid) => { if (!wanted.has(sid) || !state.convs.has(sid)) { item.li.remove(); listItems.delete(sid); } });
    let previous = null;
    let unreadTotal = 0;
    state.order.forEach((sid) => {
      const conv = state.convs.get(sid);
      if (!conv) return;
      let item = listItems.get(sid);
      if (!item) { item = makeItem(sid); listItems.set(sid, item); }
      fillItem(item, conv);
      if (!isOpenAndVisible(sid)) unreadTotal += Number(conv.unread) || 0;
      const expected = previous ? previous.nextSibling : list.firstChild;
      if (expected !== item.li) list.insertBefore(item.li, expected);
      previous = item.li;
    });
    // one tab stop in the list (arrow keys move between conversations)
    let stop = [focusedSid, state.focusSid, state.open && state.open.id].find((sid) => sid && listItems.has(sid)) || state.order.find((sid) => listItems.has(sid));
    listItems.forEach((item, sid) => { item.button.tabIndex = sid === stop ? 0 : -1; });
    if (focusedSid && listItems.has(focusedSid) && document.activeElement !== listItems.get(focusedSid).button) {
      listItems.get(focusedSid).button.focus({ preventScroll: true });
    }
    const shown = listItems.size;
    let summary;
    if (shown === 0) summary = state.q ? "No conversation matches “" + state.q + "”." : "No conversations yet.";
    else summary = shown + (state.total > shown ? " of " + state.total : "") + (state.total === 1 || shown === 1 && state.total <= 1 ? " conversation" : " conversations") + (state.q ? " matching “" + state.q + "”" : "");
    $("listSummary").textContent = summary;
    $("loadMore").hidden = !state.hasMore;
    document.title = (unreadTotal > 0 ? "(" + unreadTotal + ") " : "") + BASE_TITLE;
  }

  $("loadMore").addEventListener("click", () => loadList(true));

  let searchTimer = 0;
  $("search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      const q = $("search").value.trim();
      if (q === state.q) return;
      state.q = q;
      loadList();
    }, 300);
  });

  $("conversationList").addEventListener("keydown", (event) => {
    const buttons = Array.from($("conversationList").querySelectorAll(".conv-btn"));
    const index = buttons.indexOf(document.activeElement);
    if (index < 0) return;
    let next = -1;
    if (event.key === "ArrowDown") next = Math.min(index + 1, buttons.length - 1);
    else if (event.key === "ArrowUp") next = Math.max(index - 1, 0);
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = buttons.length - 1;
    else return;
    event.preventDefault();
    state.focusSid = buttons[next].dataset.sid;
    buttons.forEach((button, i) => { button.tabIndex = i === next ? 0 : -1; });
    buttons[next].focus();
  });

  // --- conversation view --------------------------------------------------------------------

  async function openConversation(sid, options) {
    options = options || {};
    const workspace = $("conversationsView");
    if (!options.reload && state.open && state.open.id === sid) {
      workspace.classList.add("chat-open");
      renderList();
      markRead();
      if (options.focus) $("replyInput").focus();
      return;
    }
    if (!options.reload) {
      stopTyping();
      if (state.open) state.drafts.set(state.open.id, $("replyInput").value);
      $("replyInput").value = state.drafts.get(sid) || "";
      resizeReply();
    }
    const open = { id: sid, nodes: new Map(), maxMessageId: 0, readSent: 0, visitorReadUpTo: 0, loading: true, pending: [] };
    state.open = open;
    workspace.classList.add("chat-open");
    $("chatEmpty").hidden = true;
    $("chat").hidden = false;
    $("chatTitle").textContent = sid;
    const conv = state.convs.get(sid);
    $("chatMeta").textContent = conv ? describe(conv) : "";
    $("typing").textContent = state.visitorTyping.has(sid) ? "Visitor is typing…" : "";
    const log = $("messages");
    log.setAttribute("aria-busy", "true");
    if (!options.reload) log.replaceChildren(el("p", "muted", "Loading…"));
    renderList();
    if (options.focus) $("replyInput").focus();
    try {
      const data = await api(API + "history&session_id=" + encodeURIComponent(sid));
      if (state.open !== open) return;
      $("chatMeta").textContent = describe({ uid: data.uid, site_id: data.site_id });
      log.replaceChildren();
      open.readSent = Number(data.agent_read_up_to) || 0;
      open.visitorReadUpTo = Number(data.visitor_read_up_to) || 0;
      (Array.isArray(data.items) ? data.items : []).forEach((item) => addItem(item, false));
      if (!open.nodes.size) log.append(el("p", "muted empty-note", "No messages yet."));
      open.loading = false;
      open.pending.forEach(applyToChat);
      open.pending = [];
      log.scrollTop = log.scrollHeight;
      markRead();
    } catch (error) {
      if (state.open !== open) return;
      open.loading = false;
      log.replaceChildren(el("p", "muted", "Could not load this conversation."));
      if (state.key) say("Could not load the conversation: " + error.message);
    } finally {
      if (state.open === open) log.removeAttribute("aria-busy");
    }
  }

  function describe(conv) {
    const parts = [];
    if (conv.uid) parts.push("uid " + conv.uid);
    if (state.role === "admin" && conv.site_id) parts.push("site " + conv.site_id);
    return parts.join(" · ");
  }

  function closeChat() {
    $("conversationsView").classList.remove("chat-open");
    $("chat").hidden = true;
    $("chatEmpty").hidden = false;
    $("messages").replaceChildren();
    $("typing").textContent = "";
    $("replyInput").value = "";
  }

  /** Back to the list (phones show one pane at a time). */
  function backToList() {
    stopTyping();
    $("conversationsView").classList.remove("chat-open");
    const sid = state.open && state.open.id;
    renderList();
    const item = sid && listItems.get(sid);
    if (item) item.button.focus();
    else $("search").focus();
  }
  $("back").addEventListener("click", backToList);

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
    receipt.replaceChildren(el("span", null, status === "read" ? "✓✓ " : "✓ "), el("span", null, receiptText(status)));
    receipt.firstChild.setAttribute("aria-hidden", "true");
  }

  /** Adds a history item ({type, id, text, timestamp, status}) once. */
  function addItem(item, live) {
    const open = state.open;
    if (!open || !item || (item.type !== "message" && item.type !== "reply")) return;
    const id = Number(item.id);
    const key = (item.type === "message" ? "m" : "r") + id;
    if (open.nodes.has(key)) return;
    const log = $("messages");
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    const empty = log.querySelector(".empty-note");
    if (empty) empty.remove();
    const visitor = item.type === "message";
    const node = el("div", "msg " + (visitor ? "visitor" : "agent"));
    node.dataset.key = key;
    node.dataset.id = String(id);
    const text = el("p", "msg-text", item.text == null ? "" : item.text);
    const meta = el("p", "msg-meta");
    meta.append(el("span", null, visitor ? "Visitor" : "Agent"), document.createTextNode(" · "), timeElement(item.timestamp));
    if (!visitor) {
      meta.append(document.createTextNode(" · "));
      const receipt = el("span", "receipt");
      meta.append(receipt);
      node.append(text, meta);
      setReceipt(node, item.status === "read" || id <= open.visitorReadUpTo ? "read" : item.status || "sent");
    } else {
      node.append(text, meta);
      if (id > open.maxMessageId) open.maxMessageId = id;
    }
    open.nodes.set(key, node);
    log.append(node);
    if (live && (nearBottom || !visitor)) log.scrollTop = log.scrollHeight;
  }

  function applyToChat(event) {
    const open = state.open;
    if (!open) return;
    if (open.loading) { open.pending.push(event); return; }
    const data = event.data || {};
    switch (event.type) {
      case "message":
        addItem({ type: "message", id: data.message_id, text: data.text, timestamp: data.timestamp }, true);
        markRead();
        break;
      case "reply":
        addItem({ type: "reply", id: data.response_id, text: data.text, timestamp: data.timestamp, status: "sent" }, true);
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
  function markRead() {
    const open = state.open;
    if (!open || open.loading || !chatVisible()) return;
    const conv = state.convs.get(open.id);
    if (conv && Number(conv.unread)) { conv.unread = 0; renderList(); }
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

  document.addEventListener("visibilitychange", markRead);
  window.matchMedia("(max-width: 760px)").addEventListener("change", () => { renderList(); markRead(); });
  window.addEventListener("online", () => { if (state.live) state.live.reconnect(); });

  // --- reply, typing ------------------------------------------------------------------------

  function sendTyping(sid, active) {
    const frame = { type: "typing", active, session_id: sid };
    if (state.live && state.live.send(frame)) return;
    if (state.key) request(API + "typing", { method: "POST", body: { session_id: sid, active } }).catch(() => { /* best effort */ });
  }

  function stopTyping() {
    const typing = state.typingOut;
    clearTimeout(typing.idle);
    if (typing.active && typing.sid) sendTyping(typing.sid, false);
    typing.active = false;
    typing.sid = null;
    typing.sentAt = 0;
  }

  function resizeReply() {
    const box = $("replyInput");
    box.style.height = "auto";
    box.style.height = Math.min(box.scrollHeight + 2, window.innerHeight * 0.4) + "px";
  }

  $("replyInput").addEventListener("input", () => {
    resizeReply();
    const open = state.open;
    if (!open) return;
    const typing = state.typingOut;
    if (!$("replyInput").value.trim()) { stopTyping(); return; }
    if (typing.sid && typing.sid !== open.id) stopTyping();
    const now = Date.now();
    if (!typing.active || now - typing.sentAt >= TYPING_EVERY_MS) {
      sendTyping(open.id, true);
      typing.active = true;
      typing.sid = open.id;
      typing.sentAt = now;
    }
    clearTimeout(typing.idle);
    typing.idle = setTimeout(stopTyping, TYPING_IDLE_MS);
  });

  $("replyInput").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("replyForm").requestSubmit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      backToList();
    }
  });

  $("replyForm").addEventListener("submit", async (event) => {
    event.preventDefault();
    const open = state.open;
    const box = $("replyInput");
    const text = box.value;
    if (!open || !text.trim()) return;
    const button = $("sendButton");
    button.disabled = true;
    stopTyping();
    try {
      const data = await api(API + "outbox", { method: "POST", body: { session_id: open.id, response: text } });
      if (state.open === open) {
        if (box.value === text) box.value = "";
        resizeReply();
        state.drafts.delete(open.id);
        if (data && data.response_id != null) {
          addItem({ type: "reply", id: data.response_id, text: text.trim(), timestamp: data.timestamp || new Date().toISOString(), status: "sent" }, true);
        }
      }
    } catch (error) {
      if (state.key) say("The reply was not sent: " + error.message);
    } finally {
      button.disabled = false;
      if (state.open === open) box.focus();
    }
  });

  // --- keyboard shortcuts -------------------------------------------------------------------

  document.addEventListener("keydown", (event) => {
    if (!state.key || event.defaultPrevented) return;
    const target = event.target;
    const typingInField = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
    if (event.key === "/" && !typingInField && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      showView("conversations");
      $("search").focus();
      $("search").select();
    } else if (event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp") && state.view === "conversations" && state.order.length) {
      event.preventDefault();
      const index = state.open ? state.order.indexOf(state.open.id) : -1;
      const next = event.key === "ArrowDown" ? Math.min(index + 1, state.order.length - 1) : Math.max(index - 1, 0);
      state.focusSid = state.order[next];
      openConversation(state.order[next], { focus: true });
    } else if (event.key === "Escape" && target === $("search") && $("search").value) {
      $("search").value = "";
      $("search").dispatchEvent(new Event("input"));
    }
  });

  // --- admin: sessions and configuration ----------------------------------------------------

  function isSecret(name, value) {
    return value === "********" || /key|secret|password|token|salt|hash/i.test(name);
  }

  async function loadConfig() {
    if (state.role !== "admin") return;
    try {
      const data = await api("/admin/api/config");
      const rows = $("configRows");
      rows.replaceChildren();
      Object.keys(data || {}).sort().forEach((name, index) => {
        const value = data[name];
        const row = el("tr");
        const head = el("th");
        head.scope = "row";
        const cell = el("td");
        if (isSecret(name, value)) {
          head.textContent = name;
          const masked = el("span", "secret", "••••••••");
          masked.append(el("span", "visually-hidden", " (hidden)"));
          cell.append(masked);
        } else {
          const label = el("label", null, name);
          const input = el("input");
          input.id = "config-" + index;
          label.htmlFor = input.id;
          input.dataset.name = name;
          input.dataset.kind = typeof value === "number" ? "number" : typeof value === "boolean" ? "boolean" : "string";
          if (input.dataset.kind === "number") input.inputMode = "decimal";
          input.value = value == null ? "" : String(value);
          input.defaultValue = input.value;
          head.append(label);
          cell.append(input);
        }
        row.append(head, cell);
        rows.append(row);
      });
      const editable = rows.querySelectorAll("input[data-name]").length > 0;
      $("configSave").hidden = !editable;
      $("configNone").hidden = editable;
    } catch (error) {
      if (state.key) say("Could not load the configuration: " + error.message);
    }
  }

  $("configForm").addEventListener("submit", async (event) => {
    event.preventDefault();
    const update = {};
    for (const input of $("configRows").querySelectorAll("input[data-name]")) {
      if (input.value === input.defaultValue) continue;
      let value = input.value;
      if (input.dataset.kind === "number") {
        value = Number(value.trim());
        if (input.value.trim() === "" || !isFinite(value)) { say(input.dataset.name + " must be a number."); input.focus(); return; }
      } else if (input.dataset.kind === "boolean") {
        value = /^(true|1|yes|on)$/i.test(value.trim());
      }
      update[input.dataset.name] = value;
    }
    if (!Object.keys(update).length) { say("Nothing changed.", "ok"); return; }
    try {
      await api("/admin/api/config", { method: "POST", body: update });
      say("Settings saved.", "ok");
      loadConfig();
    } catch (error) { say("Settings not saved: " + error.message); }
  });

  $("keysForm").addEventListener("submit", async (event) => {
    event.preventDefault();
    const update = {};
    for (const [id, name] of [["newApiKey", "api_key"], ["newAdminKey", "admin_key"]]) {
      const value = $(id).value;
      if (!value) continue;
      if (value.length < 16) { say("A new key must be at least 16 characters."); $(id).focus(); return; }
      update[name] = value;
    }
    if (!Object.keys(update).length) { say("Enter a new API key, a new admin key, or both."); return; }
    const what = Object.keys(update).map((name) => name === "api_key" ? "the API key" : "the admin key").join(" and ");
    if (!window.confirm("Replace " + what + "? Anything still using the old key stops working.")) return;
    try {
      await api("/admin/api/config", { method: "POST", body: update });
      $("newApiKey").value = "";
      $("newAdminKey").value = "";
      if (update.admin_key) {
        state.key = update.admin_key;
        save();
        if (state.live) state.live.reconnect(state.key);
      }
      say("Keys updated.", "ok");
    } catch (error) { say("Keys not updated: " + error.message); }
  });

  $("cleanup").addEventListener("click", async () => {
    if (!window.confirm("Delete sessions that have been inactive longer than the session timeout (and have no undelivered messages)?")) return;
    try {
      const data = await api("/admin/api/cleanup", { method: "POST" });
      say((data && data.message) || "Cleanup done.", "ok");
      loadList();
    } catch (error) { say("Cleanup failed: " + error.message); }
  });

  $("clearAll").addEventListener("click", async () => {
    if (!window.confirm("Delete ALL conversations of every site?")) return;
    if (!window.confirm("This cannot be undone. Really delete every session, message and reply?")) return;
    try {
      await api("/admin/api/clear_data", { method: "POST" });
      state.open = null;
      closeChat();
      say("All conversations were deleted.", "ok");
      loadList();
    } catch (error) { say("Deleting failed: " + error.message); }
  });

  // --- start ----------------------------------------------------------------------------------

  const record = saved();
  if (record && record.key && (record.role === "admin" || record.role === "agent")) {
    state.key = record.key;
    state.role = record.role;
    enter();
  } else {
    $("keyInput").focus();
  }
})();
