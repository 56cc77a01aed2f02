// Where the visitor's conversation is kept in localStorage: one entry per Sanctum server.
// The loader reads it (a stored conversation loads the chat window at once) and the chat
// window owns it (chat/store.js). Release 1 used `sanctum-chat:v1:` with one- and two-letter
// field names; chat/store.js migrates such an entry on first load.

/**
 * The localStorage key of the conversation with the server at `base`.
 * @param {string} base server base URL, e.g. `https://chat.example.com`
 * @returns {string}
 */
export function conversationStorageKey(base) {
  return 'sanctum-chat:v2:' + base;
}

/**
 * The key release 1 used for the same conversation (read once, migrated, then removed).
 * @param {string} base
 * @returns {string}
 */
export function legacyConversationStorageKey(base) {
  return 'sanctum-chat:v1:' + base;
}
