// Receiving: the real-time channel (docs/realtime.md) and the polling it falls back to.
//   'ws'   the WebSocket stream, resumed with last_event_id;
//   'lp'   long-polling `events` when sockets keep failing (proxies, CSP without wss:);
//   'poll' polling `responses` when the server has no real-time API (older releases).
// The first connection starts with a catch-up `events?wait=0`, which also tells whether the
// server has the real-time API at all. While no channel is live, `responses` is polled.
import { fallback, unsupported } from './transport-policy.js';
import { pollDelay, reconnectDelay } from './backoff.js';

const SOCKET_OPEN_TIMEOUT_MS = 10000;
const PING_EVERY_MS = 25000;
const SILENCE_LIMIT_MS = 50000;
const LONG_POLL_WAIT_S = 25;
const LONG_POLL_TIMEOUT_MS = 40000;
const HIDDEN_LONG_POLL_PAUSE_MS = 15000;
const IDLE_DISCONNECT_MS = 600000;
const FIRST_PROBE_MS = 30000;
const MAX_PROBE_MS = 600000;
const CLOSE_TOO_SLOW = 4008;

/**
 * Creates the connection of one chat window.
 * @param {object} options
 * @param {Window} options.window
 * @param {Document} options.document
 * @param {string} options.base server base URL
 * @param {ReturnType<import('./http.js').createApiClient>} options.server
 * @param {object} options.conversation the live conversation (conversation.js)
 * @param {() => object} options.keyParams `{widget_key}` when the site has one
 * @param {() => boolean} options.isOpen
 * @param {() => boolean} options.isOnline
 * @param {() => boolean} options.isDestroyed
 * @param {(event: object) => void} options.onEvent a real-time event for this session
 * @param {(replies: unknown) => void} options.onReplies `responses` from a poll
 * @param {() => void} options.onLive the channel became live
 * @param {() => void} options.persist store the conversation (its event cursor moved)
 * @param {(name: string, data: object) => void} options.emit a public event
 */
export function createConnection(options) {
  const { window, document, base, server, conversation, keyParams, isOpen, isOnline, isDestroyed } = options;
  let mode = 'ws', live = false, socket = null, longPollAbort = null;
  let connectTimer = null, probeTimer = null, pingTimer = null, idleTimer = null;
  let socketFailures = 0, longPollFailures = 0, attempt = 0, probes = 0;
  let realtimeOff = false, capabilityChecked = false, paused = false, lastReceivedAt = 0;
  let pollTimer = null, polling = false, pollErrors = 0, retryAfter = 0;

  const isHidden = () => document.visibilityState === 'hidden';
  const hiddenAndClosed = () => !isOpen() && isHidden();
  const hasVisitorMessages = () => conversation.items.some((item) => item.kind === 'visitor');

  // --- polling `responses`
  const schedulePoll = (delay) => {
    clearTimeout(pollTimer);
    pollTimer = null;
    if (isDestroyed() || !conversation.sessionId || !hasVisitorMessages() || live || (paused && mode !== 'poll')) return;
    const wait = delay != null ? delay : pollDelay({ open: isOpen(), visible: !isHidden(), errors: pollErrors, retryAfter });
    pollTimer = setTimeout(poll, wait);
  };
  const poll = async () => {
    if (isDestroyed() || polling || !conversation.sessionId) return;
    if (!isOnline()) return; // resumed by the 'online' event
    polling = true;
    const sessionId = conversation.sessionId;
    const query = Object.assign({ session_id: sessionId }, conversation.replyCursor ? { since_id: conversation.replyCursor } : {}, keyParams());
    const response = await server.request('GET', 'responses', query);
    polling = false;
    if (isDestroyed() || sessionId !== conversation.sessionId) return;
    if (response.ok && response.data) {
      pollErrors = 0;
      retryAfter = 0;
      options.onReplies(response.data.responses);
    } else {
      pollErrors++;
      retryAfter = response.status === 429 ? response.retryAfter || 5 : 0;
      options.emit('error', { code: 'poll_failed', status: response.status, message: response.error });
    }
    schedulePoll();
  };

  // --- the channel
  const setLive = (isLive) => {
    if (live === isLive) return;
    live = isLive;
    clearInterval(pingTimer);
    if (isLive) {
      clearTimeout(pollTimer);
      pollTimer = null;
      options.onLive();
    } else schedulePoll();
  };
  /** Sends a client frame over the live socket; false when there is none (use HTTP). */
  const send = (frame) => {
    if (!socket || !live || socket.readyState !== 1) return false;
    try {
      socket.send(JSON.stringify(frame));
      return true;
    } catch (error) { return false; }
  };
  const onEvent = (event) => {
    if (!event || (event.session_id && event.session_id !== conversation.sessionId)) return;
    options.onEvent(event);
  };

  // Connects the channel of the current mode, once the server knows the session.
  const connect = (delay) => {
    clearTimeout(connectTimer);
    connectTimer = null;
    if (isDestroyed() || !conversation.sessionId || !conversation.serverKnowsSession || socket || longPollAbort || mode === 'poll' || paused) return;
    if (delay > 0) {
      connectTimer = setTimeout(connect, delay);
      return;
    }
    if (!isOnline()) return; // resumed by the 'online' event
    if (mode === 'ws' && capabilityChecked) openSocket(); else longPoll(!capabilityChecked);
  };
  const disconnect = () => {
    clearTimeout(connectTimer);
    connectTimer = null;
    const closing = socket;
    socket = null;
    if (closing) try { closing.close(1000); } catch (error) { /* already closed */ }
    if (longPollAbort) longPollAbort.abort();
    longPollAbort = null;
    setLive(false);
  };
  // The page stays hidden with the window closed: keep the channel 10 minutes, then pause it
  // until the page is visible again (a reconnect replays what was missed).
  const idle = () => {
    clearTimeout(idleTimer);
    if (hiddenAndClosed()) {
      idleTimer = setTimeout(() => {
        if (!hiddenAndClosed()) return;
        paused = true;
        disconnect();
      }, IDLE_DISCONNECT_MS);
    } else if (paused) {
      paused = false;
      connect();
      schedulePoll();
    }
  };
  // After a fallback, try the WebSocket again now and then (30 s, 1 min … 10 min).
  const probeLater = () => {
    clearTimeout(probeTimer);
    if (realtimeOff || isDestroyed()) return;
    probeTimer = setTimeout(() => {
      if (mode === 'ws' || isDestroyed()) return;
      disconnect();
      mode = 'ws';
      socketFailures = longPollFailures = 0;
      connect();
    }, Math.min(MAX_PROBE_MS, FIRST_PROBE_MS * Math.pow(2, probes++)));
  };
  const failed = (status, error) => {
    setLive(false);
    const before = mode;
    mode = fallback(mode, mode === 'ws' ? ++socketFailures : ++longPollFailures, status, error);
    if (mode === 'poll') {
      realtimeOff = unsupported(status, error);
      probeLater();
      schedulePoll(0);
      return;
    }
    if (mode !== before) {
      probeLater();
      connect();
      return;
    }
    connect(reconnectDelay(++attempt));
  };
  // Cuts the socket as a network failure would (frames still in flight are lost), then reconnects.
  const drop = (dropped) => {
    if (!dropped || socket !== dropped) return;
    socket = null;
    try { dropped.close(); } catch (error) { /* already closed */ }
    setLive(false);
    connect(reconnectDelay(++attempt));
  };

  const openSocket = () => {
    if (typeof window.WebSocket !== 'function') {
      mode = 'lp';
      connect();
      return;
    }
    const url = new URL(base + '/api/v1/stream', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const query = Object.assign({ session_id: conversation.sessionId }, keyParams(), { last_event_id: conversation.lastEventId });
    for (const name of Object.keys(query)) url.searchParams.set(name, query[name]);
    let opened, ready = false, reset = false;
    try { opened = new window.WebSocket(url.toString()); } catch (error) { failed(0, 'websocket'); return; }
    socket = opened;
    const sessionId = conversation.sessionId;
    const openTimeout = setTimeout(() => {
      if (socket !== opened || ready) return;
      socket = null;
      opened.close();
      failed(0, 'timeout');
    }, SOCKET_OPEN_TIMEOUT_MS);
    opened.onmessage = (message) => {
      if (socket !== opened) return;
      lastReceivedAt = Date.now();
      let frame;
      try { frame = JSON.parse(message.data); } catch (error) { return; }
      if (frame.type === 'event') onEvent(frame.event);
      else if (frame.type === 'reset') reset = true;
      else if (frame.type === 'ready') {
        ready = true;
        clearTimeout(openTimeout);
        const readyId = Number(frame.last_event_id) || 0;
        conversation.lastEventId = reset ? readyId : Math.max(conversation.lastEventId, readyId);
        socketFailures = attempt = probes = 0;
        clearTimeout(probeTimer);
        setLive(true);
        options.persist();
        if (reset) {
          reset = false;
          poll(); // reload what the replay could not give
        }
        pingTimer = setInterval(() => {
          if (Date.now() - lastReceivedAt > SILENCE_LIMIT_MS) drop(opened); else send({ type: 'ping' });
        }, PING_EVERY_MS);
      }
    };
    opened.onclose = (event) => {
      clearTimeout(openTimeout);
      if (socket !== opened) return;
      socket = null;
      setLive(false);
      if (isDestroyed() || sessionId !== conversation.sessionId) return;
      if (reset) {
        conversation.lastEventId = 0; // closed after a reset without a ready id: replay all that is kept
        poll();
      }
      if (!ready && isOnline()) {
        failed(0, (event && event.code) || 'websocket');
        return;
      }
      connect(event && event.code === CLOSE_TOO_SLOW ? 0 : reconnectDelay(++attempt));
    };
  };

  const longPoll = async (probe) => {
    const sessionId = conversation.sessionId, abort = longPollAbort = new AbortController();
    if (!probe && !longPollFailures) setLive(true); // a held long-poll is the live channel
    const query = Object.assign({ session_id: sessionId }, keyParams(),
      { last_event_id: conversation.lastEventId, wait: probe ? 0 : LONG_POLL_WAIT_S });
    const response = await server.request('GET', 'events', query, null, { timeout: LONG_POLL_TIMEOUT_MS, abort });
    if (longPollAbort !== abort || isDestroyed() || sessionId !== conversation.sessionId) return;
    longPollAbort = null;
    if (probe && !response.aborted) {
      capabilityChecked = true;
      if (unsupported(response.status, response.error)) {
        mode = 'poll';
        realtimeOff = true;
        schedulePoll(0);
        return;
      }
    }
    if (response.ok && response.data) {
      if (!probe) {
        longPollFailures = attempt = 0;
        setLive(true);
      }
      const data = response.data, lastId = Number(data.last_event_id) || 0;
      if (data.reset) {
        conversation.lastEventId = lastId;
        poll();
      } else {
        (Array.isArray(data.events) ? data.events : []).forEach(onEvent);
        conversation.lastEventId = Math.max(conversation.lastEventId, lastId);
      }
      options.persist();
      connect(hiddenAndClosed() && !probe ? HIDDEN_LONG_POLL_PAUSE_MS : 0);
    } else if (probe) connect(reconnectDelay(++attempt));
    else if (!response.aborted) {
      options.emit('error', { code: 'poll_failed', status: response.status, message: response.error });
      if (isOnline()) failed(response.status, response.error); else setLive(false);
    }
  };

  return {
    connect,
    disconnect,
    schedulePoll,
    poll,
    idle,
    send,
    /** Whether the server lacks the real-time API (typing and read receipts are then skipped). */
    realtimeOff: () => realtimeOff,
    /** Records that the server answered a real-time call as unsupported. */
    markUnsupported() { realtimeOff = true; },
    /** The page became visible: skip the hidden-page pause between long-polls. */
    visible() { if (connectTimer && mode === 'lp') connect(); },
    /** Forgets the polling backoff (after reset()). */
    resetPolling() {
      pollErrors = retryAfter = 0;
      clearTimeout(pollTimer);
    },
    /** The transport name of getState(): websocket, longpoll, polling or connecting. */
    transportName: () => (live ? { ws: 'websocket', lp: 'longpoll' }[mode] : mode === 'poll' ? 'polling' : 'connecting'),
    /** Test hook: cuts the socket or long-poll as a network failure would. */
    dropConnection() {
      if (socket) drop(socket);
      else if (longPollAbort) {
        longPollAbort.abort();
        longPollAbort = null;
        setLive(false);
        connect(reconnectDelay(++attempt));
      }
    },
    /** Test hook: the transport's internal state. */
    transportState: () => ({ mode, live, lastEventId: conversation.lastEventId, wsFails: socketFailures, lpFails: longPollFailures, rtOff: realtimeOff }),
    /** Closes everything and stops every timer. */
    destroy() {
      disconnect();
      clearTimeout(probeTimer);
      clearTimeout(idleTimer);
      clearTimeout(pollTimer);
    }
  };
}
