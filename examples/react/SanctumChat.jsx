// <SanctumChat baseUrl="https://chat.example.com" apiKey="pk_live_…" title="Support" onMessage={…} />
//
// A React component for the Sanctum Chat widget. Props: `baseUrl` (required), every widget
// option (docs/widget.md → Options: apiKey, title, position, primaryColor, theme, language, …),
// `user` (passed to identify()), and the event callbacks onReady, onOpen, onClose, onMessage,
// onUnread, onError, onReset. It renders nothing itself: the widget draws its own bubble.
//
// - Mounting loads the widget (the loader script once per page) and starts it; unmounting
//   removes it.
// - Changed options are applied live with updateConfig; changed callbacks are picked up
//   without re-subscribing. A removed option keeps its last value (pass the default instead).
// - Safe under <StrictMode> (mount → unmount → mount) and across SPA navigation: there is only
//   ever one widget, owned by the most recently mounted <SanctumChat>.
import { useEffect, useRef } from 'react';
import { loadSanctumChat, destroySanctumChat } from './sanctum-chat.js';

const EVENTS = { ready: 'onReady', open: 'onOpen', close: 'onClose', message: 'onMessage', unread: 'onUnread', error: 'onError', reset: 'onReset' };
const NOT_OPTIONS = new Set(['baseUrl', 'user', 'children', ...Object.values(EVENTS)]);

let owner = null; // the mounted <SanctumChat> that owns the page's widget

function widgetOptions(props) {
  const options = {};
  for (const key of Object.keys(props)) if (!NOT_OPTIONS.has(key) && props[key] !== undefined) options[key] = props[key];
  return options;
}

export default function SanctumChat(props) {
  const latest = useRef(props);
  latest.current = props;
  const chat = useRef(null); // the API once this instance has started the widget
  const options = widgetOptions(props);
  const optionsKey = JSON.stringify(options);
  const userKey = JSON.stringify(props.user === undefined ? null : props.user);

  useEffect(() => {
    const token = {};
    owner = token;
    const abort = new AbortController();
    const on = {}; // one listener per event, calling the latest callback prop
    for (const [event, prop] of Object.entries(EVENTS)) {
      on[event] = (payload) => {
        const callback = latest.current[prop];
        if (typeof callback === 'function') callback(payload);
      };
    }
    loadSanctumChat({ baseUrl: props.baseUrl, ...widgetOptions(latest.current), on, signal: abort.signal })
      .then((api) => {
        chat.current = api;
        if (latest.current.user !== undefined) api.identify(latest.current.user);
      })
      .catch((error) => {
        if (error.name === 'AbortError') return;
        const callback = latest.current.onError;
        if (typeof callback === 'function') callback({ code: 'load_failed', message: error.message, error });
        else console.error(error);
      });
    return () => {
      abort.abort();
      const api = chat.current;
      chat.current = null;
      if (api) for (const event of Object.keys(on)) api.off(event, on[event]);
      if (owner === token) {
        owner = null;
        destroySanctumChat();
      }
    };
  }, [props.baseUrl]);

  useEffect(() => {
    if (chat.current) chat.current.updateConfig(options);
  }, [optionsKey]);

  useEffect(() => {
    if (chat.current && props.user !== undefined) chat.current.identify(props.user);
  }, [userKey]);

  return null;
}
