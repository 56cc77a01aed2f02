// Framework-free loader for the Sanctum Chat widget, for single-page apps and bundlers.
//
//   import { loadSanctumChat, destroySanctumChat } from './sanctum-chat.js';
//   const chat = await loadSanctumChat({ baseUrl: 'https://chat.example.com', apiKey: 'pk_live_…' });
//   chat.open();
//   destroySanctumChat();   // e.g. when the user leaves the part of the app that has the chat
//
// The loader script (<baseUrl>/widget/chat-widget.js) is injected once per page, whatever the
// number of calls; the widget itself is a single instance (window.SanctumChat), so a second
// loadSanctumChat() updates its options instead of drawing a second bubble.

const SCRIPT_ID = 'sanctum-chat-loader';
let loading = null; // Promise of window.SanctumChat while/after the loader script loads

function loaderUrl(baseUrl) {
  const base = String(baseUrl || '').replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(base)) throw new Error('SanctumChat: baseUrl must be an http(s) URL, got ' + JSON.stringify(baseUrl));
  return base + '/widget/chat-widget.js';
}

/** Loads the widget's loader script once; resolves with the global SanctumChat API. */
export function loadSanctumChatScript(baseUrl) {
  if (typeof window === 'undefined') return Promise.reject(new Error('SanctumChat: no window (server-side rendering)'));
  if (window.SanctumChat && typeof window.SanctumChat.init === 'function') return Promise.resolve(window.SanctumChat);
  if (loading) return loading;
  const src = loaderUrl(baseUrl);
  loading = new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.id = SCRIPT_ID;
    script.src = src;
    script.async = true;
    script.dataset.autoInit = 'false'; // this module calls init() itself
    script.onload = () => (window.SanctumChat && window.SanctumChat.init
      ? resolve(window.SanctumChat)
      : reject(new Error('SanctumChat: the loader did not define window.SanctumChat')));
    script.onerror = () => reject(new Error('SanctumChat: could not load ' + src));
    document.head.append(script);
  });
  loading.catch(() => {
    // Let a later call retry (e.g. after the network came back).
    loading = null;
    const stale = document.getElementById(SCRIPT_ID);
    if (stale && !window.SanctumChat) stale.remove();
  });
  return loading;
}

/**
 * Loads the widget and starts it with `options` (docs/widget.md: apiKey, title, position, …);
 * if it is already running, applies them with updateConfig. Resolves with the SanctumChat API.
 * - `on` ({event: listener}) is subscribed before start-up, so even `ready` is seen.
 * - `signal` (an AbortSignal): once aborted, nothing is started or subscribed and the promise
 *   rejects with an AbortError; use it when the caller can go away while the script loads.
 */
export function loadSanctumChat({ baseUrl, on, signal, ...options } = {}) {
  return loadSanctumChatScript(baseUrl).then((api) => {
    if (signal && signal.aborted) throw new DOMException('SanctumChat: loading was aborted', 'AbortError');
    for (const event of Object.keys(on || {})) api.on(event, on[event]);
    const opts = Object.assign({ baseUrl: String(baseUrl).replace(/\/+$/, '') }, options);
    if (api.getState().initialized) api.updateConfig(opts);
    else api.init(opts);
    return api;
  });
}

/** Removes the widget from the page (its listeners too). The loader stays: init() can start it again. */
export function destroySanctumChat() {
  if (typeof window !== 'undefined' && window.SanctumChat && window.SanctumChat.destroy) window.SanctumChat.destroy();
}
