// Entry point of site/admin.js, the operator console (/admin/, docs/console.md): conversations
// live over the stream, replies with typing and receipts, and — for the admin key only —
// sessions cleanup, configuration (secrets masked), key lockouts, webhook deliveries, export and
// erase of a conversation and the audit log. Every piece of data is rendered with
// textContent. The live channel comes from console-live.js (window.SanctumLive), which
// admin.html loads first.
import { byId } from './dom.js';
import { state } from './state.js';
import { enter, installAccount, saved } from './account.js';
import { installViews } from './views.js';
import { installConversationList } from './conversation-list.js';
import { installConversationView } from './conversation-view.js';
import { installReply } from './reply.js';
import { installShortcuts } from './shortcuts.js';
import { installSettings } from './settings.js';
import { installLockouts } from './lockouts.js';
import { installBlocks } from './blocks.js';
import { installWebhooks } from './webhooks.js';
import { installPrivacy } from './privacy.js';
import { installAnalytics } from './analytics-view.js';

installAccount();
installViews();
installConversationList();
installConversationView();
installReply();
installShortcuts();
installSettings();
installLockouts();
installBlocks();
installWebhooks();
installPrivacy();
installAnalytics();

// A reload of the tab resumes the session stored in sessionStorage.
const record = saved();
if (record && record.key && (record.role === "admin" || record.role === "agent")) {
  state.key = record.key;
  state.role = record.role;
  enter();
} else {
  byId("keyInput").focus();
}
