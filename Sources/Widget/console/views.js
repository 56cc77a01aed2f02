// The views: conversations, analytics and (admin only) settings.
import { byId } from './dom.js';
import { state } from './state.js';
import { loadConfig } from './settings.js';
import { loadLockouts } from './lockouts.js';
import { loadBlocks } from './blocks.js';
import { loadAudit } from './privacy.js';
import { markRead } from './conversation-view.js';
import { loadAnalytics } from './analytics-view.js';

/** Shows the conversations, the analytics or (admin only) the settings view. */
export function showView(name) {
  if (name === "settings" && state.role !== "admin") name = "conversations";
  state.view = name;
  byId("conversationsView").hidden = name !== "conversations";
  byId("settingsView").hidden = name !== "settings";
  byId("analyticsView").hidden = name !== "analytics";
  byId("navAnalytics").setAttribute("aria-current", name === "analytics" ? "page" : "false");
  byId("navConversations").setAttribute("aria-current", name === "conversations" ? "page" : "false");
  byId("navSettings").setAttribute("aria-current", name === "settings" ? "page" : "false");
  if (name === "settings") {
    loadConfig();
    loadLockouts();
    loadBlocks();
    loadAudit();
  } else if (name === "analytics") {
    loadAnalytics();
  } else markRead();
}

/** Wires this module's controls (called once by admin.js). */
export function installViews() {
  byId("navConversations").addEventListener("click", () => showView("conversations"));

  byId("navSettings").addEventListener("click", () => showView("settings"));
  byId("navAnalytics").addEventListener("click", () => showView("analytics"));
}
