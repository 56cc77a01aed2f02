// The chat window's DOM: header, transcript, typing indicator and composer, inside the
// widget's shadow root. It keeps the original widget's ids and class names (docs/widget.md
// #theming-and-customisation) and renders; it decides nothing about the conversation.
import { createElement } from './dom.js';
import { createIcon } from '../shared/icon.js';
import { receiptOf } from './conversation.js';
import { windowVariablesCss } from './theme.js';

/** The most characters one message may have (the server's limit). */
export const MAX_MESSAGE_CHARS = 10000;

const CLOSE_ICON = 'M6 6l12 12M18 6 6 18';
const SEND_ICON = 'M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z';
const RTL_LANGUAGES = /^(ar|he|iw|fa|ur|ps|yi|dv|ckb|sd|ug)\b/i;
const SAFE_LOGO_URL = /^(https?:|data:image\/|\/)/i;
const NEAR_BOTTOM_PX = 80;
const TYPING_TIMEOUT_MS = 6000;
const SIMULATED_TYPING_MS = 3000;
const MAX_COMPOSER_ROWS = 5;

/**
 * Builds the window (appended to `root`, hidden until opened).
 * @param {object} options
 * @param {Document} options.document
 * @param {ShadowRoot} options.root
 * @param {HTMLElement} options.host the widget host element (gets `dir` and `lang`)
 * @param {() => object} options.config the current options
 * @param {(key: string) => string} options.text an interface text
 * @param {() => boolean} options.isOnline
 * @param {() => void} options.onCloseClick
 */
export function createView({ document, root, host, config, text, isOnline, onCloseClick }) {
  const h = (tag, properties, ...children) => createElement(document, tag, properties, ...children);
  const rows = new Map(); // item → {row, time}
  const variablesSheet = new CSSStyleSheet();
  let greeting = null;
  let typingTimer = null;

  const title = h('h3', { id: 'sanctum-chat-title', part: 'title' });
  const logo = h('img', { class: 'sanctum-chat-logo sanctum-hidden', part: 'logo', alt: '' });
  const status = h('p', { id: 'sanctum-chat-status', class: 'sanctum-chat-status sanctum-hidden', role: 'status', part: 'status' });
  const closeButton = h('button', { type: 'button', class: 'close-btn', id: 'sanctum-chat-close', part: 'close-button', onclick: onCloseClick },
    createIcon(document, CLOSE_ICON, 'sanctum-stroke'));
  const list = h('div', { id: 'sanctum-chat-messages', class: 'sanctum-chat-messages', part: 'messages', role: 'log',
    'aria-live': 'polite', 'aria-relevant': 'additions', tabindex: '0' });
  const announcer = h('div', { class: 'sanctum-sr-only', 'aria-live': 'polite' });
  const typingIndicator = h('div', { id: 'sanctum-typing-indicator', class: 'sanctum-typing-indicator sanctum-hidden', 'aria-hidden': 'true' },
    h('span', { class: 'sanctum-typing-dot' }), h('span', { class: 'sanctum-typing-dot' }), h('span', { class: 'sanctum-typing-dot' }));
  const input = h('textarea', { id: 'sanctum-chat-input', rows: '1', part: 'input', enterkeyhint: 'send', maxlength: String(MAX_MESSAGE_CHARS) });
  const inputLabel = h('label', { for: 'sanctum-chat-input', class: 'sanctum-sr-only' });
  const sendButton = h('button', { type: 'submit', class: 'sanctum-chat-send', id: 'sanctum-chat-send', part: 'send-button', disabled: true },
    createIcon(document, SEND_ICON));
  const form = h('form', { class: 'sanctum-chat-input', part: 'composer', novalidate: true }, inputLabel, input, sendButton);
  const windowElement = h('div', { id: 'sanctum-chat-window', class: 'sanctum-chat-window', part: 'window', role: 'dialog',
    'aria-labelledby': 'sanctum-chat-title', 'aria-modal': 'false', tabindex: '-1' },
  h('div', { class: 'sanctum-chat-header', part: 'header' }, logo, h('div', { class: 'sanctum-chat-heading' }, title), closeButton),
  status, list, typingIndicator, form, announcer);
  root.append(windowElement);

  const formatTime = (milliseconds) => {
    try {
      return new Date(milliseconds).toLocaleTimeString(config().language || undefined, { hour: '2-digit', minute: '2-digit' });
    } catch (error) { return ''; }
  };
  const statusText = (item) => {
    if (item.kind !== 'visitor' || item.status === 'sent') return formatTime(item.time);
    if (item.status === 'failed') return text('failed');
    return isOnline() ? text('sending') : text('queued');
  };
  // Time, then for the visitor's sent messages ✓ sent, ✓✓ delivered, ✓✓ (coloured) read, with
  // the state as hidden text for screen readers.
  const fillTime = (element, item) => {
    element.textContent = statusText(item);
    const receipt = item.kind === 'visitor' && receiptOf(item);
    if (receipt === 'sent' || receipt === 'delivered' || receipt === 'read') {
      element.append(' ', h('span', { class: 'sanctum-receipt', 'data-receipt': receipt, title: text(receipt) },
        h('span', { 'aria-hidden': 'true', text: receipt === 'sent' ? '✓' : '✓✓' }),
        h('span', { class: 'sanctum-sr-only', text: text(receipt) })));
    }
    return element;
  };
  const renderItem = (item) => {
    const cssKind = item.kind === 'visitor' ? 'user' : item.kind === 'error' ? 'error' : 'bot';
    const time = fillTime(h('div', { class: 'sanctum-message-time' }), item);
    const row = h('div', { class: 'sanctum-message ' + cssKind + (item.status === 'pending' ? ' pending' : ''), part: 'message message-' + cssKind },
      h('div', { class: 'sanctum-message-avatar', 'aria-hidden': 'true', text: text(cssKind === 'user' ? 'youInitial' : 'agentInitial') }),
      h('div', { class: 'sanctum-message-content' },
        h('span', { class: 'sanctum-sr-only', text: (cssKind === 'user' ? text('you') : text('agent')) + ': ' }),
        h('div', { class: 'sanctum-message-text', dir: 'auto', text: item.text }), time));
    row.item = item; // for widget modules' decorators (docs/widget-modules.md)
    rows.set(item, { row, time });
    return row;
  };
  const isNearBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM_PX;
  const scrollToBottom = () => { list.scrollTop = list.scrollHeight; };

  const view = {
    windowElement, list, input, form, sendButton, closeButton,
    /** The stylesheet with the window's custom properties (adopted by the loader). */
    sheet: variablesSheet,
    scrollToBottom,
    /** Re-renders the whole transcript after the greeting (or `intro` instead of it). */
    renderAll(items, intro) {
      rows.clear();
      list.textContent = '';
      const greetingText = intro || config().greeting;
      greeting = greetingText ? { kind: 'greeting', text: String(greetingText), time: Date.now() } : null;
      if (greeting) list.append(renderItem(greeting));
      items.forEach((item) => list.append(renderItem(item)));
      scrollToBottom();
    },
    /** Appends one item; scrolls down when forced or when the visitor was at the bottom. */
    append(item, force) {
      const stick = force || isNearBottom();
      list.append(renderItem(item));
      if (stick) scrollToBottom();
    },
    /** Updates the time, receipt and pending/failed state of a rendered visitor message. */
    refreshItem(item) {
      const rendered = rows.get(item);
      if (!rendered) return;
      fillTime(rendered.time, item);
      rendered.row.classList.toggle('pending', item.status === 'pending');
      rendered.row.classList.toggle('failed', item.status === 'failed');
    },
    /** Shows an error note in the transcript (not stored). */
    showError(message) {
      view.append({ kind: 'error', text: message, time: Date.now() }, true);
    },
    /** Shows or hides the offline banner and refreshes the pending messages' labels. */
    showConnectivity(items) {
      const online = isOnline();
      status.textContent = online ? '' : text('offline');
      status.classList.toggle('sanctum-hidden', online);
      items.forEach((item) => item.status === 'pending' && view.refreshItem(item));
    },
    /** Enables the send button for non-blank input and grows the input to 1–5 rows. */
    updateComposer() {
      sendButton.disabled = !input.value.trim();
      input.rows = 1; // grow with the content without inline styles
      while (input.rows < MAX_COMPOSER_ROWS && input.scrollHeight > input.clientHeight + 1) input.rows++;
    },
    /** Shows (for at most 6 s) or hides the agent's typing indicator. */
    setTyping(active) {
      clearTimeout(typingTimer);
      typingIndicator.classList.toggle('sanctum-hidden', !active);
      if (active) typingTimer = setTimeout(() => typingIndicator.classList.add('sanctum-hidden'), TYPING_TIMEOUT_MS);
    },
    /** The original API's simulateTyping(): the dots for 3 s. */
    simulateTyping() {
      typingIndicator.classList.remove('sanctum-hidden');
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => typingIndicator.classList.add('sanctum-hidden'), SIMULATED_TYPING_MS);
    },
    /** Says `message` through the polite live region. */
    announce(message) {
      announcer.textContent = '';
      setTimeout(() => { announcer.textContent = message; }, 50);
    },
    /** Applies the options: texts, logo, direction, language, colours and the greeting. */
    applyConfig() {
      const options = config();
      title.textContent = options.title;
      input.placeholder = options.placeholder || '';
      inputLabel.textContent = text('message');
      list.setAttribute('aria-label', text('conversation'));
      closeButton.setAttribute('aria-label', text('closeChat'));
      sendButton.setAttribute('aria-label', text('send'));
      const logoUrl = options.logo && SAFE_LOGO_URL.test(String(options.logo)) ? String(options.logo) : '';
      if (logoUrl && logo.getAttribute('src') !== logoUrl) logo.src = logoUrl;
      logo.classList.toggle('sanctum-hidden', !logoUrl);
      const direction = options.dir !== 'auto' ? options.dir : RTL_LANGUAGES.test(options.language || '') ? 'rtl' : '';
      if (direction) host.setAttribute('dir', direction); else host.removeAttribute('dir');
      host.setAttribute('lang', options.language || 'en');
      variablesSheet.replaceSync(windowVariablesCss(options));
      if (greeting && rows.has(greeting) && options.greeting) {
        rows.get(greeting).row.querySelector('.sanctum-message-text').textContent = String(options.greeting);
      }
    },
    /** Stops the typing indicator's timer. */
    destroy() { clearTimeout(typingTimer); }
  };
  return view;
}
