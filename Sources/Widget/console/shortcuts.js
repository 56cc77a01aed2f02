// Keyboard shortcuts: / searches, Alt+↑/↓ opens the previous or next conversation, Escape clears the search.
import { byId } from './dom.js';
import { state } from './state.js';
import { showView } from './views.js';
import { openConversation } from './conversation-view.js';



/** Wires this module's controls (called once by admin.js). */
export function installShortcuts() {
  document.addEventListener("keydown", (event) => {
    if (!state.key || event.defaultPrevented) return;
    const target = event.target;
    const typingInField = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
    if (event.key === "/" && !typingInField && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      showView("conversations");
      byId("search").focus();
      byId("search").select();
    } else if (event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp") && state.view === "conversations" && state.order.length) {
      event.preventDefault();
      const index = state.open ? state.order.indexOf(state.open.id) : -1;
      const next = event.key === "ArrowDown" ? Math.min(index + 1, state.order.length - 1) : Math.max(index - 1, 0);
      state.focusSessionId = state.order[next];
      openConversation(state.order[next], { focus: true });
    } else if (event.key === "Escape" && target === byId("search") && byId("search").value) {
      byId("search").value = "";
      byId("search").dispatchEvent(new Event("input"));
    }
  });
}
