// Signing in and out. The key lives in this tab's sessionStorage only (never localStorage, a
// cookie or a URL), with the role and the event cursor, so a reload resumes the stream.
import { byId, say } from './dom.js';
import { API, ApiError, request } from './http.js';
import { BASE_TITLE, state } from './state.js';
import { showView } from './views.js';
import { startLive } from './events.js';
import { listItems, loadList } from './conversation-list.js';
import { closeChat } from './conversation-view.js';
import { stopTyping } from './reply.js';

const STORE = "sanctum_console";

/** The record this tab keeps in sessionStorage ({key, role, cursor}), or null. */
export function saved() {
  try { return JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (_) { return null; }
}

/** Stores the key, role and event cursor (changed by `extra`) for this tab. */
export function save(extra) {
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

/** Shows the console for the signed-in role, loads the list and starts the live channel. */
export function enter() {
  byId("signInView").hidden = true;
  byId("nav").hidden = false;
  byId("account").hidden = false;
  byId("role").textContent = state.role === "admin" ? "Admin" : "Agent";
  document.querySelectorAll("[data-admin-only]").forEach((node) => { node.hidden = state.role !== "admin"; });
  showView("conversations");
  loadList();
  startLive();
}

/** Forgets the key and everything loaded with it; shows the sign-in form and `message`. */
export function signOut(message, kind) {
  stopTyping();
  if (state.live) state.live.stop();
  state.live = null;
  sessionStorage.removeItem(STORE);
  state.key = null;
  state.role = null;
  if (state.listAbort) state.listAbort.abort();
  state.conversations = new Map();
  state.order = [];
  state.open = null;
  state.drafts.clear();
  state.visitorTyping.forEach((timer) => clearTimeout(timer));
  state.visitorTyping.clear();
  listItems.forEach((item) => item.li.remove());
  listItems.clear();
  closeChat();
  byId("search").value = "";
  state.query = "";
  byId("configRows").replaceChildren();
  ["conversationsView", "settingsView", "nav", "account"].forEach((id) => { byId(id).hidden = true; });
  byId("signInView").hidden = false;
  document.title = BASE_TITLE;
  if (message) say(message, kind);
  byId("keyInput").focus();
}

/** Wires this module's controls (called once by admin.js). */
export function installAccount() {
  byId("signIn").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = byId("keyInput");
    const key = input.value.trim();
    if (!key) { say("Enter the admin key or an agent key."); input.focus(); return; }
    const button = byId("signInButton");
    button.disabled = true;
    try {
      const role = await detectRole(key);
      input.value = "";
      state.key = key;
      state.role = role;
      save({ cursor: 0 });
      enter();
      if (window.matchMedia("(pointer: fine)").matches) byId("search").focus(); // no keyboard pop-up on phones
    } catch (error) {
      say(error.message);
      input.focus();
    } finally {
      button.disabled = false;
    }
  });

  byId("signOut").addEventListener("click", () => signOut("Signed out.", "ok"));
}
