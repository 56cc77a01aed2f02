// Lazy loading of the chat window: chat.js by a script tag (covered by script-src) and
// chat.css by fetch() into a constructable stylesheet (so no style-src is needed).

/**
 * Tracks the chat window factory that chat.js hands over through `SanctumChat.__register`.
 * @param {Document} document
 */
export function createChatCodeLoader(document) {
  let factory = null;
  const waiting = [];
  /** Adds a `<script src>` (async) to the page's head. */
  const script = (src, onerror) => {
    const element = document.createElement('script');
    element.src = src;
    element.async = true;
    element.onerror = onerror;
    document.head.append(element);
  };
  return {
    script,
    /** Called by chat.js once it has run: resolves everything waiting for it. */
    register(chatFactory) {
      factory = chatFactory;
      waiting.splice(0).forEach((resolve) => resolve(chatFactory));
    },
    /**
     * The factory; loads `scriptUrl` with a script tag unless chat.js already ran.
     * @param {string} scriptUrl
     * @returns {Promise<Function>}
     */
    load(scriptUrl) {
      return new Promise((resolve, reject) => {
        if (factory) return resolve(factory);
        waiting.push(resolve);
        script(scriptUrl, () => reject(new Error('could not load chat.js')));
      });
    }
  };
}

/**
 * The text of chat.css (cookies are never sent).
 * @param {string} url
 * @returns {Promise<string>}
 */
export function fetchStylesheetText(url) {
  return fetch(url, { credentials: 'omit' }).then((response) => {
    if (!response.ok) throw new Error('HTTP ' + response.status + ' for chat.css');
    return response.text();
  });
}
