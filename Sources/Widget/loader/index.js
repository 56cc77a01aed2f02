// Entry point of chat-widget.js, the loader: a classic script any page can embed. It defines
// only `window.SanctumChat`, replays calls queued on a stub, and starts by itself when its
// script tag carries `data-*` options. A second copy on the same page keeps the first instance.
import { baseFromScriptSource, configFromDataset } from './config.js';
import { runQueue, takeQueue } from './command-queue.js';
import { createWidget } from './widget.js';

function start(window, document) {
  const stub = window.SanctumChat;
  if (stub && stub.__register) return; // already loaded
  const script = document.currentScript ||
    Array.from(document.scripts).reverse().find((element) => (element.src || '').includes('chat-widget.js'));
  const widget = createWidget(window, document, baseFromScriptSource(script && script.src));
  const api = widget.api;
  window.SanctumChat = api;

  const queued = takeQueue(stub);
  const dataOptions = configFromDataset(script && script.dataset);
  const autoInit = script && script.dataset.autoInit;
  // The tag's options apply whoever calls init: the tag itself, the queue or the page later.
  widget.preset(dataOptions);
  if (autoInit !== 'false' && (autoInit || Object.keys(dataOptions).length) && !queued.some(([method]) => method === 'init')) {
    api.init({});
  }
  runQueue(api, queued).forEach((error) => window.console && console.warn('SanctumChat: ' + error.message));
}

start(window, document);
