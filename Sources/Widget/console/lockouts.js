// Admin only: the addresses whose key attempts are refused after too many wrong keys
// (GET /admin/api/lockouts, docs/api.md#key-lockouts). Every value goes through textContent.
import { byId, createElement, say } from './dom.js';
import { api } from './http.js';
import { state } from './state.js';

const untilFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "medium" });

function lockoutRow(entry) {
  const row = createElement("tr");
  const until = createElement("time", null, untilFormat.format(new Date(entry.until)));
  until.dateTime = String(entry.until);
  const untilCell = createElement("td");
  untilCell.append(until);
  row.append(createElement("td", "mono", entry.ip), createElement("td", null, entry.failures),
    createElement("td", null, entry.refused), untilCell);
  return row;
}

/** Loads the lockout list into the settings view (admin only). */
export async function loadLockouts() {
  if (state.role !== "admin") return;
  try {
    const data = await api("/admin/api/lockouts");
    const lockouts = (data && data.lockouts) || [];
    byId("lockoutRows").replaceChildren(...lockouts.map(lockoutRow));
    byId("lockoutTable").hidden = !lockouts.length;
    byId("lockoutNone").hidden = lockouts.length > 0;
  } catch (error) {
    if (state.key) say("Could not load the lockouts: " + error.message);
  }
}

/** Wires the refresh button (called once by admin.js). */
export function installLockouts() {
  byId("refreshLockouts").addEventListener("click", loadLockouts);
}
