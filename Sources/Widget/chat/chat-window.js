// The chat window controller: wires the conversation (conversation.js) to persistence
// (store.js), the view (view.js), sending (sender.js), receiving (connection.js) and the
// visitor's signals (visitor-signals.js), and answers the loader's calls (open, close, send,
// reset, …). The loader calls createChatWindow() once chat.js and chat.css have arrived.
import { applyEvent, newConversation, receiptOf, settleReceipt } from './conversation.js';
import { createApiClient } from './http.js';
import { createConnection } from './connection.js';
import { createSender } from './sender.js';
import { createStore } from './store.js';
import { createView, MAX_MESSAGE_CHARS } from './view.js';
import { createVisitorSignals } from './visitor-signals.js';
import { isTranscriptItem, mergeItems, mergeReplies, pendingCount } from './transcript.js';
import { newClientMessageId, newSessionId } from './ids.js';
import { STRINGS } from './strings.js';
import { conversationStorageKey, legacyConversationStorageKey } from '../shared/storage-keys.js';

const PHONE_QUERY = '(max-width: 479.98px)';
const POLL_SOON_AFTER_SEND_MS = 400;

/**
 * Creates the chat window inside the widget's shadow root.
 * @param {object} context from the loader
 * @param {object} context.api the public SanctumChat object (gets `__test` under window.__SANCTUM_TEST__)
 * @param {ShadowRoot} context.root
 * @param {HTMLElement} context.host
 * @param {HTMLElement} context.bubble
 * @param {(name: string, data?: object) => void} context.emit public events
 * @param {string} context.base server base URL
 * @param {object} context.state the loader's widget state (isOpen, unreadCount, user, wantOpen)
 * @param {(name: string) => void} context.mark a performance mark
 * @param {() => object} context.config the current options
 * @param {(patch: object) => void} context.update changes the widget state and redraws the bubble
 * @param {Window} window
 * @returns the interface the loader calls
 */
export function createChatWindow(context, window) {
  const document = window.document, config = context.config, emit = context.emit;
  const storageKey = conversationStorageKey(context.base);
  const store = createStore(window.localStorage, storageKey, legacyConversationStorageKey(context.base));
  const saved = store.load();
  const conversation = newConversation(saved || {});
  conversation.items = conversation.items.filter(isTranscriptItem);
  conversation.serverKnowsSession = !!(saved && (saved.serverKnowsSession ||
    conversation.items.some((item) => item.kind === 'agent' || (item.kind === 'visitor' && item.status === 'sent'))));
  let user = context.state.user || (saved && saved.user);
  let isOpen = false, destroyed = false, online = navigator.onLine !== false;

  const text = (key) => (config().strings && config().strings[key]) || STRINGS[key];
  // Every request names the site and carries the proof given to identify() (only these
  // fields), which the server checks (docs/identity.md).
  const keyParams = () => Object.assign(config().apiKey ? { widget_key: String(config().apiKey) } : {},
    user && JSON.parse(JSON.stringify(user, ['user_id', 'user_hash', 'identity_token'])));
  const coarsePointer = window.matchMedia && window.matchMedia('(pointer: coarse)').matches;
  const phone = window.matchMedia ? window.matchMedia(PHONE_QUERY) : { matches: false };
  const isOnline = () => online, isDestroyed = () => destroyed;

  const server = createApiClient(context.base, window);
  const view = createView({ document, root: context.root, host: context.host, config, text, isOnline, onCloseClick: () => close(true) });
  const connection = createConnection({
    window, document, base: context.base, server, conversation, keyParams, isOpen: () => isOpen, isOnline, isDestroyed,
    onEvent: (event) => applyRealtimeEvent(event),
    onReplies: (replies) => receiveReplies(replies),
    onLive: () => signals.markRead(),
    persist: () => persist(),
    emit
  });
  const signals = createVisitorSignals({ conversation, connection, server, keyParams, isOpen: () => isOpen, document, persist: () => persist() });
  const sender = createSender({
    conversation, server, keyParams, isOnline, isDestroyed, emit,
    onItemChange: (item) => {
      view.refreshItem(item);
      persist();
      if (item.status === 'sent') {
        settleReceipt(conversation, item);
        view.refreshItem(item);
        emit('message', { message: item.text, type: 'user', id: item.id, clientMessageId: item.clientMessageId, timestamp: new Date(item.time).toISOString() });
        if (!conversation.serverKnowsSession) {
          conversation.serverKnowsSession = true;
          persist();
        }
        connection.connect();
        connection.schedulePoll(POLL_SOON_AFTER_SEND_MS);
      } else {
        view.showError(text('sendError') + ' (' + item.error + ')');
        emit('error', { code: 'send_failed', message: item.error, clientMessageId: item.clientMessageId });
      }
    }
  });

  // --- persistence, shared with the visitor's other tabs
  // Receipts and marks another tab learned (its event cursor stays its own).
  const foldOther = (other) => {
    conversation.agentReadUpTo = Math.max(conversation.agentReadUpTo, other.agentReadUpTo);
    conversation.visitorReadUpTo = Math.max(conversation.visitorReadUpTo, other.visitorReadUpTo);
    conversation.highestMessageId = Math.max(conversation.highestMessageId, other.highestMessageId);
    if (other.serverKnowsSession && !conversation.serverKnowsSession) {
      conversation.serverKnowsSession = true;
      connection.connect();
    }
  };
  // Merges what another tab stored for the same session into this one.
  const mergeOther = (other) => {
    const merged = mergeItems(conversation.items, other.items);
    conversation.replyCursor = Math.max(conversation.replyCursor, other.replyCursor);
    foldOther(other);
    if (merged.changed) {
      conversation.items = merged.items;
      view.renderAll(conversation.items);
    }
  };
  // Saves the conversation, first folding in what another tab of the same visitor stored
  // (unless `replace`: this tab's transcript wins, as after clearChat()).
  const persist = (replace) => {
    if (!conversation.sessionId) return;
    const other = !replace && store.load();
    if (other && other.sessionId === conversation.sessionId) mergeOther(other);
    store.save(Object.assign({}, conversation, { user }));
  };
  // Nothing is stored before the visitor interacts: the first keystroke creates the session.
  const ensureSession = () => {
    if (conversation.sessionId) return;
    conversation.sessionId = newSessionId(window.crypto);
    persist();
  };

  // --- receiving
  // New agent replies (already in the transcript): render, persist, emit `message` once each, unread.
  // `receivedAt` (performance.now() when the push arrived) lets modules time arrival → shown.
  const showReplies = (added) => {
    const receivedAt = performance.now();
    added.forEach((item) => view.append(item));
    view.setTyping(false);
    persist();
    added.forEach((item) => emit('message', { message: item.text, type: 'bot', id: item.id, timestamp: new Date(item.time).toISOString(), receivedAt }));
    if (!isOpen) {
      const unread = (context.state.unreadCount || 0) + added.length;
      context.update({ unreadCount: unread });
      emit('unread', { count: unread });
    }
    signals.markRead();
  };
  const receiveReplies = (replies) => {
    const merged = mergeReplies(conversation.items, conversation.replyCursor, replies);
    conversation.replyCursor = merged.cursor;
    if (!merged.added.length) {
      if (replies && replies.length) persist();
      return;
    }
    conversation.items = conversation.items.concat(merged.added);
    conversation.serverKnowsSession = true;
    showReplies(merged.added);
  };
  const applyRealtimeEvent = (event) => {
    const outcome = applyEvent(conversation, event, Date.now(), server.clockSkew());
    if (!outcome) return;
    conversation.serverKnowsSession = true;
    const replies = outcome.added.filter((item) => item.kind === 'agent');
    const echoes = outcome.added.filter((item) => item.kind === 'visitor');
    echoes.forEach((item) => view.append(item));
    outcome.changed.forEach((item) => { view.refreshItem(item); emit('receipt', { id: item.id, receipt: receiptOf(item) }); });
    if (replies.length) showReplies(replies);
    else if (outcome.typing !== undefined) { view.setTyping(outcome.typing); emit('typing', { active: outcome.typing }); }
    if (outcome.changed.length) {
      const newest = conversation.items.filter((item) => item.kind === 'visitor' && item.status === 'sent').pop();
      if (newest && outcome.changed.includes(newest)) view.announce(text(receiptOf(newest)));
    }
    if (!replies.length && (echoes.length || outcome.changed.length || outcome.type === 'read')) persist();
  };

  // --- sending
  const send = (message, metadata) => {
    message = String(message == null ? '' : message).trim();
    if (!message) return null;
    if (Array.from(message).length > MAX_MESSAGE_CHARS) {
      view.showError(text('tooLong'));
      emit('error', { code: 'too_long', message: text('tooLong') });
      return null;
    }
    ensureSession();
    // The modules' hints (`hintMessages`, e.g. the I18n module's language) under the caller's metadata.
    if (context.api.__hints) metadata = Object.assign(context.api.__hints(), metadata);
    const item = { kind: 'visitor', clientMessageId: newClientMessageId(window.crypto), text: message, time: Date.now(), status: 'pending', metadata };
    conversation.items.push(item);
    view.append(item, true);
    persist();
    sender.flush();
    return { clientMessageId: item.clientMessageId, status: item.status };
  };

  // --- open / close
  // A verified visitor (a proof given to identify()) follows its conversation as soon as the
  // window is open: on a device without local history the server replays the conversation from
  // its first event — earlier messages and replies, in order (docs/identity.md).
  const followVerified = () => {
    if (!isOpen || !user || !(user.user_hash || user.identity_token) || conversation.serverKnowsSession) return;
    conversation.serverKnowsSession = true;
    ensureSession();
    connection.connect();
  };
  const open = () => {
    if (isOpen || destroyed) return;
    isOpen = true;
    view.windowElement.classList.add('open');
    view.windowElement.setAttribute('aria-modal', String(phone.matches));
    const hadUnread = context.state.unreadCount;
    context.update({ isOpen: true, unreadCount: 0 });
    if (hadUnread) emit('unread', { count: 0 });
    view.scrollToBottom();
    (coarsePointer ? view.windowElement : view.input).focus({ preventScroll: true }); // no keyboard pop-up on touch devices
    context.mark('interactive');
    emit('open');
    if (pendingCount(conversation.items)) sender.flush();
    connection.schedulePoll(0);
    connection.idle();
    followVerified();
    connection.connect();
    signals.markRead();
  };
  const close = (returnFocus) => {
    if (!isOpen) return;
    const focusInside = !!context.root.activeElement;
    isOpen = false;
    view.windowElement.classList.remove('open');
    context.update({ isOpen: false });
    context.state.wantOpen = false;
    if (returnFocus || focusInside) context.bubble.focus({ preventScroll: true });
    emit('close');
    connection.schedulePoll();
    connection.idle();
  };

  // --- DOM events
  view.form.addEventListener('submit', (event) => {
    event.preventDefault();
    signals.typing.stop();
    if (send(view.input.value)) {
      view.input.value = '';
      view.updateComposer();
    }
  });
  view.input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (view.form.requestSubmit) view.form.requestSubmit();
      else view.form.dispatchEvent(new Event('submit', { cancelable: true }));
    }
  });
  view.input.addEventListener('input', () => {
    ensureSession();
    view.updateComposer();
    if (view.input.value.trim()) signals.typing.input(); else signals.typing.stop();
  });
  view.input.addEventListener('blur', () => signals.typing.stop());
  context.root.addEventListener('keydown', (event) => {
    if (!isOpen) return;
    if (event.key === 'Escape') {
      event.stopPropagation();
      close(true);
      return;
    }
    // Full screen on phones: the page behind is covered, so Tab cycles inside the window.
    if (event.key === 'Tab' && phone.matches) {
      const focusable = [view.closeButton, view.list, view.input, view.sendButton].filter((element) => !element.disabled);
      const index = focusable.indexOf(context.root.activeElement);
      if (event.shiftKey ? index <= 0 : index === focusable.length - 1) {
        event.preventDefault();
        focusable[event.shiftKey ? focusable.length - 1 : 0].focus();
      }
    }
  });

  // --- page events
  const onOutsidePointer = (event) => {
    if (isOpen && config().closeOnOutsideClick && !event.composedPath().includes(context.host)) close(false);
  };
  const onOnline = () => {
    online = true;
    view.showConnectivity(conversation.items);
    sender.flush();
    connection.schedulePoll(0);
    connection.connect();
  };
  const onOffline = () => {
    online = false;
    view.showConnectivity(conversation.items);
  };
  const onVisibilityChange = () => {
    connection.idle();
    if (document.visibilityState === 'hidden') return;
    connection.schedulePoll(0);
    connection.visible();
    signals.markRead();
  };
  // Another tab of the same visitor changed the conversation.
  const onStorage = (event) => {
    if (event.key !== storageKey || destroyed) return;
    const other = store.load();
    if (!other || other.sessionId !== conversation.sessionId) {
      if (!other && !conversation.sessionId) return;
      // reset (or a new session) in the other tab: follow it
      connection.disconnect();
      Object.assign(conversation, newConversation(other || {}));
      view.renderAll(conversation.items);
    } else {
      mergeOther(other);
    }
    if (pendingCount(conversation.items)) sender.flush();
    connection.schedulePoll();
    connection.connect();
  };
  window.addEventListener('storage', onStorage);
  document.addEventListener('pointerdown', onOutsidePointer, true);
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', onOffline);
  document.addEventListener('visibilitychange', onVisibilityChange);

  view.applyConfig();
  view.renderAll(conversation.items);
  view.showConnectivity(conversation.items);
  view.updateComposer();
  if (pendingCount(conversation.items)) sender.flush();
  connection.schedulePoll(0);
  connection.connect();
  // Test hook (only when the page sets window.__SANCTUM_TEST__ before the widget loads).
  if (window.__SANCTUM_TEST__) {
    context.api.__test = { dropConnection: connection.dropConnection, transport: connection.transportState };
  }

  return {
    sheet: view.sheet,
    open,
    close: () => close(false),
    sendMessage: send,
    update: () => view.applyConfig(),
    identify: (newUser) => {
      user = newUser;
      persist();
      followVerified();
    },
    getState: () => ({
      sessionId: conversation.sessionId, online, messageCount: conversation.items.length, pendingCount: pendingCount(conversation.items),
      cursor: conversation.replyCursor, lastEventId: conversation.lastEventId, transport: connection.transportName()
    }),
    simulateTyping: () => view.simulateTyping(),
    clearChat: () => {
      conversation.items = conversation.items.filter((item) => item.status === 'pending');
      persist(true);
      view.renderAll(conversation.items, text('cleared'));
    },
    reset: () => {
      connection.disconnect();
      signals.typing.stop();
      store.clear();
      Object.assign(conversation, newConversation());
      user = null;
      connection.resetPolling();
      sender.stop();
      view.renderAll(conversation.items);
      emit('reset');
    },
    destroy: () => {
      destroyed = true;
      signals.typing.stop();
      connection.destroy();
      sender.stop();
      view.destroy();
      document.removeEventListener('pointerdown', onOutsidePointer, true);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('storage', onStorage);
      document.removeEventListener('visibilitychange', onVisibilityChange);
    }
  };
}
