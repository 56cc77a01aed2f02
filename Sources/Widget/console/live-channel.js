// Live events for the operator console (docs/realtime.md): the WebSocket /api/v1/stream
// authenticated with a first {"type":"auth"} frame (the key never goes in a URL), resumed with
// last_event_id, reconnected with backoff, and the ?action=events long-poll when sockets fail.
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000, 30000];
const PING_EVERY_MS = 25000;   // application-level ping; the server also pings every 20 s
const SILENCE_MS = 60000;      // no frame at all for this long: the connection is dead
const SOCKET_FAILURES_BEFORE_POLL = 2;
const SOCKET_PROBE_MS = 60000; // while polling, try the socket again this often
const POLL_WAIT_S = 25;

/** One live connection to the event stream for a signed-in console. */
export class LiveChannel {
  /**
   * options: key, cursor (last event id seen, 0 = none), and callbacks
   *   onEvent(event, replay)   — an event not seen before; replay = part of the catch-up of a
   *                              fresh start (the caller reloads its state after onSynced)
   *   onSynced({fresh, reset}) — caught up; fresh/reset: reload lists and the open conversation
   *   onState(state)           — "connecting" | "live" | "polling" | "offline"
   *   onAuthFailed(message)    — the key was refused (close 4001 or HTTP 401)
   *   onCursor(id)             — the cursor moved (to keep it across reloads)
   */
  constructor(options) {
    this.options = options;
    this.key = options.key;
    this.cursor = Number(options.cursor) || 0;
    this.fresh = true;            // the first catch-up after start() is silent
    this.socket = null;
    this.ready = false;
    this.socketFailures = 0;
    this.attempt = 0;
    this.mode = "socket";         // or "poll"
    this.stopped = true;
    this.timers = {};
  }

  start() {
    this.stopped = false;
    if (typeof WebSocket === "function") this.connectSocket();
    else this.startPolling();
  }

  stop() {
    this.stopped = true;
    Object.keys(this.timers).forEach((name) => this.clear(name));
    if (this.pollAbort) this.pollAbort.abort();
    if (this.socket) { const s = this.socket; this.socket = null; try { s.close(1000, "bye"); } catch (_) { /* closed */ } }
  }

  /** Reconnects now (after the network came back, or a new key). */
  reconnect(key) {
    if (key) this.key = key;
    if (this.stopped) return;
    this.attempt = 0;
    if (this.socket) { const s = this.socket; this.socket = null; this.ready = false; try { s.close(1000, "reconnect"); } catch (_) { /* closed */ } }
    this.connectSocket();
  }

  get live() { return !!this.socket && this.ready && this.socket.readyState === WebSocket.OPEN; }

  /** Sends a client frame over the socket; false when there is no live socket (use HTTP). */
  send(frame) {
    if (!this.live) return false;
    try { this.socket.send(JSON.stringify(frame)); return true; } catch (_) { return false; }
  }

  // --- internals -------------------------------------------------------------------------

  clear(name) { clearTimeout(this.timers[name]); clearInterval(this.timers[name]); delete this.timers[name]; }

  state(value) {
    if (this.lastState === value) return;
    this.lastState = value;
    if (this.options.onState) this.options.onState(value);
  }

  deliver(event, replay) {
    if (!event || typeof event.id !== "number" || event.id <= this.cursor) return; // never twice
    this.cursor = event.id;
    if (this.options.onCursor) this.options.onCursor(this.cursor);
    this.options.onEvent(event, replay);
  }

  synced(cursor) {
    if (typeof cursor === "number" && cursor > this.cursor) {
      this.cursor = cursor;
      if (this.options.onCursor) this.options.onCursor(this.cursor);
    }
    const info = { fresh: this.fresh, reset: !!this.resetPending };
    this.fresh = false;
    this.resetPending = false;
    if (this.options.onSynced) this.options.onSynced(info);
  }

  connectSocket() {
    this.clear("retry");
    if (this.stopped) return;
    const url = new URL("/api/v1/stream", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.search = "?last_event_id=" + encodeURIComponent(String(this.cursor));
    let socket;
    try { socket = new WebSocket(url.href); } catch (_) { this.socketClosed(null, { code: 1006 }); return; }
    this.socket = socket;
    this.ready = false;
    this.closeReason = "";
    if (this.mode !== "poll") this.state("connecting");
    socket.onopen = () => {
      if (socket !== this.socket) return;
      socket.send(JSON.stringify({ type: "auth", key: this.key }));
      this.lastFrameAt = Date.now();
      this.clear("ping");
      this.timers.ping = setInterval(() => this.keepAlive(socket), PING_EVERY_MS);
    };
    socket.onmessage = (message) => { if (socket === this.socket) this.frame(socket, message.data); };
    socket.onclose = (event) => { if (socket === this.socket) this.socketClosed(socket, event); };
    socket.onerror = () => { /* a close event follows */ };
  }

  keepAlive(socket) {
    if (socket !== this.socket) return;
    if (Date.now() - this.lastFrameAt > SILENCE_MS) { try { socket.close(4000, "silent"); } catch (_) { /* closed */ } this.socketClosed(socket, { code: 4000 }); return; }
    try { socket.send(JSON.stringify({ type: "ping" })); } catch (_) { /* close follows */ }
  }

  frame(socket, text) {
    this.lastFrameAt = Date.now();
    let frame;
    try { frame = JSON.parse(text); } catch (_) { return; }
    switch (frame && frame.type) {
      case "event":
        this.deliver(frame.event, !this.ready && this.fresh);
        break;
      case "ready":
        this.ready = true;
        this.attempt = 0;
        this.socketFailures = 0;
        if (this.mode === "poll") this.stopPolling();
        this.mode = "socket";
        this.state("live");
        this.synced(frame.last_event_id);
        break;
      case "reset":
        // The cursor is older than what the server keeps: reload when `ready` arrives.
        this.resetPending = true;
        this.fresh = true;
        this.cursor = 0;
        break;
      case "error":
        this.closeReason = String(frame.error || frame.code || "");
        this.closeCode = frame.code;
        break;
      default: // pong and anything newer
        break;
    }
  }

  socketClosed(socket, event) {
    this.clear("ping");
    this.socket = null;
    const wasReady = this.ready;
    this.ready = false;
    if (this.stopped) return;
    const code = event && event.code;
    if (code === 4001) {
      this.stop();
      this.options.onAuthFailed(this.closeReason || "The key was refused.");
      return;
    }
    if (!wasReady) this.socketFailures += 1;
    if (this.mode === "poll") { this.scheduleSocket(SOCKET_PROBE_MS); return; }
    if (!wasReady && this.socketFailures >= SOCKET_FAILURES_BEFORE_POLL && code !== 4029) {
      this.startPolling();
      this.scheduleSocket(SOCKET_PROBE_MS);
      return;
    }
    this.state("offline");
    let delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    if (code === 4008) delay = 100;                    // too slow: catch up from the store now
    if (code === 4029) delay = Math.max(delay, 10000); // too many connections from this IP
    this.attempt += 1;
    this.scheduleSocket(delay * (0.75 + Math.random() * 0.5));
  }

  scheduleSocket(delay) {
    this.clear("retry");
    this.timers.retry = setTimeout(() => this.connectSocket(), delay);
  }

  startPolling() {
    if (this.mode === "poll" && this.polling) return;
    this.mode = "poll";
    this.state("polling");
    this.poll();
  }

  stopPolling() {
    this.polling = false;
    if (this.pollAbort) this.pollAbort.abort();
    this.pollAbort = null;
  }

  async poll() {
    this.polling = true;
    let failures = 0;
    while (this.polling && !this.stopped && this.mode === "poll") {
      const abort = new AbortController();
      this.pollAbort = abort;
      // A fresh start, and the first call after a failure, answer at once (so a server that is
      // back shows as such, and the socket is tried again); then each call waits for the next event.
      const wait = this.fresh || failures > 0 ? 0 : POLL_WAIT_S;
      try {
        const response = await fetch("/api/v1/?action=events&last_event_id=" + encodeURIComponent(String(this.cursor)) + "&wait=" + wait, {
          headers: { Authorization: "Bearer " + this.key }, cache: "no-store", signal: abort.signal,
        });
        if (response.status === 401) {
          this.stop();
          let message = "The key was refused.";
          try { message = (await response.json()).error || message; } catch (_) { /* not JSON */ }
          this.options.onAuthFailed(message);
          return;
        }
        const body = await response.json();
        if (!response.ok || !body.success) throw new Error(body.error || "HTTP " + response.status);
        if (!this.polling || this.mode !== "poll") return;
        // Polling failed before and works now: the server was down (a restart), not the
        // WebSocket blocked, so try the socket again at once instead of in a minute.
        if (failures > 0) this.scheduleSocket(0);
        failures = 0;
        this.state("polling");
        const data = body.data || {};
        if (data.reset) {
          this.resetPending = true;
          this.fresh = true;
          this.cursor = 0;
          this.synced(data.last_event_id);
          continue;
        }
        const events = Array.isArray(data.events) ? data.events : [];
        events.forEach((event) => this.deliver(event, this.fresh));
        const more = events.length >= 500;
        if (!more && (this.fresh || this.resetPending)) this.synced(data.last_event_id);
        else if (typeof data.last_event_id === "number" && data.last_event_id > this.cursor && !more) this.cursor = data.last_event_id;
      } catch (error) {
        if (error && error.name === "AbortError") return;
        failures += 1;
        this.state("offline");
        await new Promise((resolve) => { this.timers.poll = setTimeout(resolve, BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)]); });
      }
    }
  }
}
