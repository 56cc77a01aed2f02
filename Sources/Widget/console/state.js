// The console's shared state: who is signed in, the conversation list, the open conversation,
// drafts and typing. One object, read and changed by the other modules.

/** The page title without the unread count. */
export const BASE_TITLE = document.title;

/** Everything the console knows; reset by signOut(). */
export const state = {
  key: null,
  role: null,                   // "admin" | "agent"
  view: "conversations",
  conversations: new Map(),             // session_id -> conversation summary
  order: [],                    // session ids, newest activity first
  total: 0,
  hasMore: false,
  query: "",
  listAbort: null,
  listLoading: false,
  duringLoad: [],               // events that arrived while the list was loading
  open: null,                   // the open conversation
  drafts: new Map(),
  visitorTyping: new Map(),     // session_id -> expiry timer
  typingOut: { sessionId: null, active: false, sentAt: 0, idle: 0 },
  live: null,
  focusSessionId: null,               // roving tab stop of the list
};
