// Admin only: a visitor's data (docs/privacy.md) — export a conversation as a JSON download,
// erase it for good (after a confirmation), and the audit log of admin actions. The key goes
// in the Authorization header, never in a URL; every value goes through textContent.
import { byId, createElement, say, timeElement } from './dom.js';
import { api } from './http.js';
import { state } from './state.js';
import { closeChat } from './conversation-view.js';
import { loadList } from './conversation-list.js';

const AUDIT_PAGE = 50;

/** Downloads everything stored about the open conversation as sanctum-export-<session>.json. */
async function exportConversation(sessionID) {
  try {
    const data = await api("/admin/api/privacy/export?session_id=" + encodeURIComponent(sessionID));
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
    const link = createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "sanctum-export-" + sessionID + ".json";
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    say("Exported.", "ok");
  } catch (error) { say("Could not export: " + error.message, "error"); }
}

/** Erases the open conversation for good, after a confirmation; shows the receipt's counts. */
async function eraseConversation(sessionID) {
  if (!window.confirm("Erase this conversation for good? Messages, replies, events and attached files are deleted and cannot be recovered.")) return;
  try {
    const data = await api("/admin/api/privacy/erase", { method: "POST", body: { session_id: sessionID } });
    const counts = (data && data.receipt && data.receipt.counts) || {};
    say("Erased: " + (counts.messages || 0) + " messages, " + (counts.replies || 0) + " replies, " + (counts.events || 0) + " events.", "ok");
    closeChat();
    state.open = null;
    loadList();
    loadAudit();
  } catch (error) { say("Could not erase: " + error.message, "error"); }
}

function auditRow(entry) {
  const row = createElement("tr");
  const when = createElement("td");
  when.append(timeElement(entry.at));
  const details = Object.keys(entry.details || {}).sort().map((key) => key + " " + entry.details[key]).join(", ");
  row.append(when, createElement("td", "mono", entry.actor), createElement("td", null, entry.action),
    createElement("td", "mono", (entry.targets || []).join(" ")), createElement("td", null, details));
  return row;
}

/** Loads the newest page of the audit log into the settings view (admin only). */
export async function loadAudit() {
  if (state.role !== "admin") return;
  try {
    const entries = ((await api("/admin/api/audit?limit=" + AUDIT_PAGE)) || {}).entries || [];
    byId("auditRows").replaceChildren(...entries.map(auditRow));
    byId("auditTable").hidden = !entries.length;
    byId("auditNone").hidden = entries.length > 0;
  } catch (error) {
    if (state.key) say("Could not load the audit log: " + error.message);
  }
}

/** Wires the conversation view's Export and Erase and the audit card (called once by admin.js). */
export function installPrivacy() {
  byId("exportConversation").addEventListener("click", () => { if (state.open) exportConversation(state.open.id); });
  byId("eraseConversation").addEventListener("click", () => { if (state.open) eraseConversation(state.open.id); });
  byId("refreshAudit").addEventListener("click", loadAudit);
}
