// The chat bubble: the only UI the loader draws. It lives in an open shadow root on
// `<sanctum-chat class="sanctum-chat-widget">`, styled by constructable stylesheets (no inline
// styles, so a strict CSP needs no 'unsafe-inline'). The host is a custom element, so page rules
// on tags (`div {…}`) never match it, and its `:host` rules are `!important`: an important
// declaration of a shadow tree beats every important one of the page (CSS Cascade, "context"),
// so no page rule on its tag or class can hide or restyle it.
import { parseHex, toHex } from '../shared/color.js';
import { createIcon } from '../shared/icon.js';

const CHAT_ICON = 'M12 3C6.5 3 2 6.6 2 11c0 2.4 1.3 4.6 3.4 6.1L4.5 21l4.3-2.3c1 .2 2.1.3 3.2.3 5.5 0 10-3.6 10-8s-4.5-8-10-8z';
const CLOSE_ICON = 'M6 6l12 12M18 6 6 18';

/** The bubble's own styles (the chat window brings chat.css). */
export const BUBBLE_CSS =
  ':host{all:initial!important;display:block!important;--widget-margin:20px;--bubble-size:60px;--focus-ring:#1a73e8;--badge-bg:#c62828}' +
  ':host([data-size=small]){--bubble-size:52px}' +
  ':host([data-size=large]){--bubble-size:68px}' +
  '.sanctum-chat-bubble{position:fixed;z-index:var(--widget-z-index);width:var(--bubble-size);height:var(--bubble-size);' +
    'margin:0;padding:0;border:0;border-radius:50%;cursor:pointer;display:flex;align-items:center;justify-content:center;' +
    'background:var(--primary-color);color:var(--bubble-text,var(--primary-text));box-shadow:0 4px 16px rgba(0,0,0,.22);' +
    'transition:transform .2s,background-color .2s}' +
  '.sanctum-chat-bubble:hover{background:var(--primary-hover);transform:scale(1.06)}' +
  '.sanctum-chat-bubble:focus-visible{outline:3px solid var(--focus-ring);outline-offset:3px}' +
  '.sanctum-chat-bubble svg{width:45%;height:45%;fill:currentColor;stroke:currentColor;stroke-width:2.6;stroke-linecap:round;pointer-events:none}' +
  '.sanctum-icon-chat{stroke-width:0}' +
  '.sanctum-icon-close,.open .sanctum-icon-chat{display:none}' +
  '.open .sanctum-icon-close{display:block}' +
  ':host([data-position^=bottom]) .sanctum-chat-bubble{bottom:var(--widget-margin)}' +
  ':host([data-position^=top]) .sanctum-chat-bubble{top:var(--widget-margin)}' +
  ':host([data-position$=right]) .sanctum-chat-bubble{right:var(--widget-margin)}' +
  ':host([data-position$=left]) .sanctum-chat-bubble{left:var(--widget-margin)}' +
  ':host([data-position$=center]) .sanctum-chat-bubble{left:calc(50% - var(--bubble-size)/2)}' +
  ':host([data-position^=middle]) .sanctum-chat-bubble{top:calc(50% - var(--bubble-size)/2)}' +
  '.notification-badge{position:absolute;top:-4px;right:-4px;box-sizing:border-box;min-width:22px;height:22px;padding:0 6px;' +
    'border-radius:11px;border:2px solid #fff;background:var(--badge-bg);color:#fff;font:700 11px/18px system-ui,sans-serif;text-align:center}' +
  '.sanctum-hidden{display:none!important}' +
  '@media (prefers-reduced-motion:reduce){*{transition:none!important;animation:none!important}}';

/**
 * Icon colour on the brand colour: near-black on light colours, white on dark ones (the chat
 * window refines text colours with a WCAG contrast check).
 * @param {number[]} rgb
 * @returns {'#111' | '#fff'}
 */
export function bubbleIconColor(rgb) {
  return rgb[0] * 299 + rgb[1] * 587 + rgb[2] * 114 > 170000 ? '#111' : '#fff';
}

/**
 * The custom properties that follow the options: brand colour, its hover shade, icon colour
 * and stacking order.
 * @param {{primaryColor: string, zIndex: number}} config
 * @returns {string} one `:host{…}` rule
 */
export function brandVariablesCss(config) {
  const rgb = parseHex(config.primaryColor) || [0, 123, 255];
  const hover = toHex(rgb.map((channel) => channel - 20));
  return `:host{--primary-color:${toHex(rgb)};--primary-hover:${hover};--primary-text:${bubbleIconColor(rgb)};--widget-z-index:${config.zIndex}}`;
}

/** Sets several attributes (own properties only: a page's `Object.prototype` additions are no attributes); returns the element. */
export function setAttributes(element, attributes) {
  for (const name of Object.keys(attributes)) element.setAttribute(name, attributes[name]);
  return element;
}

/**
 * Builds the widget host, its shadow root and the bubble (not yet in the page).
 * @param {Document} document
 * @returns {{host: HTMLElement, root: ShadowRoot, bubble: HTMLButtonElement, badge: HTMLElement}}
 */
export function createBubble(document) {
  const host = setAttributes(document.createElement('sanctum-chat'), { class: 'sanctum-chat-widget' });
  const root = host.attachShadow({ mode: 'open' });
  const bubble = setAttributes(document.createElement('button'), {
    type: 'button', id: 'sanctum-chat-bubble', class: 'sanctum-chat-bubble', part: 'bubble',
    'aria-haspopup': 'dialog', 'aria-controls': 'sanctum-chat-window'
  });
  const badge = setAttributes(document.createElement('span'), {
    id: 'sanctum-notification-badge', class: 'notification-badge sanctum-hidden', part: 'badge', 'aria-hidden': 'true'
  });
  bubble.append(createIcon(document, CHAT_ICON, 'sanctum-icon-chat'), createIcon(document, CLOSE_ICON, 'sanctum-icon-close'), badge);
  root.append(bubble);
  return { host, root, bubble, badge };
}

/**
 * Shows the open/closed state and the unread count on the bubble.
 * @param {{bubble: HTMLElement, badge: HTMLElement}} parts
 * @param {{isOpen?: boolean, unreadCount?: number}} state
 * @param {(key: string, fallback: string) => string | object} text interface text (`strings` option)
 * @param {string} language the widget's language (plural rules of the unread count)
 */
export function renderBubble({ bubble, badge }, state, text, language) {
  const unread = state.unreadCount || 0;
  // 'unread' → '3 unread'; '{count} …' and plural forms {one, other, …} place the number themselves
  let count = text('unread', 'unread');
  if (typeof count === 'object') {
    try { count = count[new Intl.PluralRules(language).select(unread)] || count.other; } catch (error) { count = count.other; }
  } else if (!String(count).includes('{count}')) count = '{count} ' + count;
  const label = state.isOpen
    ? text('closeChat', 'Close chat')
    : text('openChat', 'Open chat') + (unread ? ` (${String(count).replace('{count}', unread)})` : '');
  setAttributes(bubble, { 'aria-expanded': !!state.isOpen, 'aria-label': label });
  bubble.classList.toggle('open', !!state.isOpen);
  badge.textContent = unread > 99 ? '99+' : String(unread);
  badge.classList.toggle('sanctum-hidden', !unread);
}
