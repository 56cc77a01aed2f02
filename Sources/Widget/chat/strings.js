// The chat window's interface texts in English; the `strings` option overrides any of them
// (docs/widget.md#options). The bubble's texts (openChat, unread) live in the loader.

/** Default interface texts by key. */
export const STRINGS = {
  closeChat: 'Close chat', send: 'Send message', message: 'Message', conversation: 'Conversation',
  you: 'You', agent: 'Support', youInitial: 'U', agentInitial: 'S', sending: 'Sending…', queued: 'Waiting for network…', failed: 'Not sent',
  offline: 'You are offline. Messages will be sent when you reconnect.',
  sendError: 'Your message could not be sent.', tooLong: 'Your message is too long (10000 characters at most).',
  cleared: 'Chat cleared. How can I help you?',
  sent: 'Sent', delivered: 'Delivered', read: 'Read'
};
