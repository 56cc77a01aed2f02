// Admin only: sessions cleanup, deleting everything, configuration (secrets masked, only
// changed values sent) and key rotation.
import { byId, createElement, say } from './dom.js';
import { api } from './http.js';
import { state } from './state.js';
import { save } from './account.js';
import { loadList } from './conversation-list.js';
import { closeChat } from './conversation-view.js';

function isSecret(name, value) {
  return value === "********" || /key|secret|password|token|salt|hash/i.test(name);
}

/** Loads the configuration table (admin only); secrets are shown masked and are not editable. */
export async function loadConfig() {
  if (state.role !== "admin") return;
  try {
    const data = await api("/admin/api/config");
    const rows = byId("configRows");
    rows.replaceChildren();
    Object.keys(data || {}).sort().forEach((name, index) => {
      const value = data[name];
      const row = createElement("tr");
      const head = createElement("th");
      head.scope = "row";
      const cell = createElement("td");
      if (isSecret(name, value)) {
        head.textContent = name;
        const masked = createElement("span", "secret", "••••••••");
        masked.append(createElement("span", "visually-hidden", " (hidden)"));
        cell.append(masked);
      } else {
        const label = createElement("label", null, name);
        const input = createElement("input");
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
    byId("configSave").hidden = !editable;
    byId("configNone").hidden = editable;
  } catch (error) {
    if (state.key) say("Could not load the configuration: " + error.message);
  }
}

/** Wires this module's controls (called once by admin.js). */
export function installSettings() {
  byId("configForm").addEventListener("submit", async (event) => {
    event.preventDefault();
    const update = {};
    for (const input of byId("configRows").querySelectorAll("input[data-name]")) {
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

  byId("keysForm").addEventListener("submit", async (event) => {
    event.preventDefault();
    const update = {};
    for (const [id, name] of [["newApiKey", "api_key"], ["newAdminKey", "admin_key"]]) {
      const value = byId(id).value;
      if (!value) continue;
      if (value.length < 16) { say("A new key must be at least 16 characters."); byId(id).focus(); return; }
      update[name] = value;
    }
    if (!Object.keys(update).length) { say("Enter a new API key, a new admin key, or both."); return; }
    const what = Object.keys(update).map((name) => name === "api_key" ? "the API key" : "the admin key").join(" and ");
    if (!window.confirm("Replace " + what + "? Anything still using the old key stops working.")) return;
    try {
      await api("/admin/api/config", { method: "POST", body: update });
      byId("newApiKey").value = "";
      byId("newAdminKey").value = "";
      if (update.admin_key) {
        state.key = update.admin_key;
        save();
        if (state.live) state.live.reconnect(state.key);
      }
      say("Keys updated.", "ok");
    } catch (error) { say("Keys not updated: " + error.message); }
  });

  byId("cleanup").addEventListener("click", async () => {
    if (!window.confirm("Delete sessions that have been inactive longer than the session timeout (and have no undelivered messages)?")) return;
    try {
      const data = await api("/admin/api/cleanup", { method: "POST" });
      say((data && data.message) || "Cleanup done.", "ok");
      loadList();
    } catch (error) { say("Cleanup failed: " + error.message); }
  });

  byId("clearAll").addEventListener("click", async () => {
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
}
