// Admin only: blocked visitors (GET/POST/DELETE /admin/api/blocks, docs/console.md). A blocked
// visitor's messages are refused with a neutral error. Every value goes through textContent.
import { byId, createElement, say, timeElement } from './dom.js';
import { api } from './http.js';
import { state } from './state.js';

function blockRow(block) {
  const row = createElement("tr");
  const when = createElement("td");
  when.append(timeElement(block.created_at));
  const unblock = createElement("button", null, "Unblock");
  unblock.type = "button";
  unblock.setAttribute("aria-label", "Unblock " + block.value);
  unblock.addEventListener("click", () => removeBlock(block.id));
  const actions = createElement("td");
  actions.append(unblock);
  row.append(createElement("td", null, block.kind === "ip" ? "Addresses" : "Conversation"), createElement("td", "mono", block.value),
    createElement("td", null, block.note), when, actions);
  return row;
}

/** Loads the block list into the settings view (admin only). */
export async function loadBlocks() {
  if (state.role !== "admin") return;
  try {
    const blocks = ((await api("/admin/api/blocks")) || {}).blocks || [];
    byId("blockRows").replaceChildren(...blocks.map(blockRow));
    byId("blockTable").hidden = !blocks.length;
    byId("blockNone").hidden = blocks.length > 0;
  } catch (error) {
    if (state.key) say("Could not load the blocks: " + error.message);
  }
}

async function removeBlock(id) {
  try {
    await api("/admin/api/blocks?id=" + encodeURIComponent(id), { method: "DELETE" });
    say("Unblocked.");
    loadBlocks();
  } catch (error) { say("Could not unblock: " + error.message, "error"); }
}

/** Blocks the visitor of a conversation (from the conversation view), after a confirmation. */
async function blockConversation(sessionID) {
  if (!window.confirm("Block this visitor? Their messages will be refused.")) return;
  try {
    await api("/admin/api/blocks", { method: "POST", body: { kind: "session", value: sessionID } });
    say("Visitor blocked.");
  } catch (error) { say("Could not block: " + error.message, "error"); }
}

/** Wires the block form and the conversation view's "Block visitor" (called once by admin.js). */
export function installBlocks() {
  byId("blockVisitor").addEventListener("click", () => { if (state.open) blockConversation(state.open.id); });
  byId("blockForm").addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = byId("blockValue").value.trim();
    if (!value) return;
    const kind = byId("blockKind").value;
    const body = kind === "uid" ? { uid: value } : { kind, value };
    body.note = byId("blockNote").value.trim();
    try {
      await api("/admin/api/blocks", { method: "POST", body });
      byId("blockValue").value = "";
      byId("blockNote").value = "";
      say("Blocked.");
      loadBlocks();
    } catch (error) { say("Could not block: " + error.message, "error"); }
  });
}
