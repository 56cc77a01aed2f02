#!/usr/bin/env python3
"""Real-time latency benchmark (issue 5 §6) — prints numbers, asserts nothing.

Against a fresh `sanctum` server on 127.0.0.1 (rate limits off, realtime.max_connections_per_ip
100000) measures:

(a) agent `POST ?action=outbox` → the reply is in the widget's DOM (headless Chromium, the widget
    on its WebSocket stream; a MutationObserver stamps the node in the page clock, mapped to the
    Python clock with the minimum-round-trip offset), sequentially, N messages;
(b) visitor `POST ?action=messages` → an agent blocked in `GET ?action=inbox&wait=30` (urllib in
    a Python thread) returns with it, N messages; with `--instances 2` (a PostgreSQL `--database`)
    the visitor posts to one server and the agent waits on the other: the latency across instances
    (LISTEN/NOTIFY);
(c) how many idle WebSocket stream connections (`/api/v1/stream`, the `websockets` package,
    which answers the server's pings) the server holds, and its VmRSS from /proc.

Usage: SANCTUM_BIN=/tmp/sanctum-bin/sanctum python3 scripts/bench-latency.py
           [--messages 1000] [--connections 10000] [--markdown] [--skip widget,inbox,idle]
           [--database postgres://… [--instances 2]]
Needs: playwright, websockets (pip). Raises its own RLIMIT_NOFILE soft limit to the hard limit;
the server inherits it.
"""
import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))

from conftest import start_server  # noqa: E402
from widget_helpers import HostSite, launch_chromium, page_html  # noqa: E402

CONFIG = "rate_limits: { enabled: false }\nrealtime: { max_connections_per_ip: 100000 }\n"


def call(server, method, action, body=None, key=None, params="", timeout=40):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{server.base_url}/api/v1/?action={action}{params}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    if key:
        req.add_header("Authorization", "Bearer " + key)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def nofile_limit(pid):
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    return 0


OBSERVER = """() => {
  const root = document.querySelector('.sanctum-chat-widget').shadowRoot;
  const list = root.querySelector('#sanctum-chat-messages');
  window.__seen = new Map(); window.__waiters = new Map();
  new MutationObserver((records) => {
    const t = performance.timeOrigin + performance.now();
    for (const r of records) for (const n of r.addedNodes) {
      if (!n.classList || !n.classList.contains('bot')) continue;
      const m = /^bench (\\d+)$/.exec(n.querySelector('.sanctum-message-text').textContent);
      if (!m) continue;
      const k = Number(m[1]);
      window.__seen.set(k, t);
      const w = window.__waiters.get(k); if (w) w(t);
    }
  }).observe(list, { childList: true });
  window.__wait = (k) => window.__seen.has(k) ? window.__seen.get(k)
    : new Promise((res) => window.__waiters.set(k, res));
}"""


def clock_offset(page):
    """page clock (ms) − python clock (ms), from the sample with the smallest round trip."""
    best = None
    for _ in range(50):
        t0 = time.time() * 1000
        pt = page.evaluate("performance.timeOrigin + performance.now()")
        t1 = time.time() * 1000
        if best is None or t1 - t0 < best[0]:
            best = (t1 - t0, pt - (t0 + t1) / 2)
    return best[1], best[0]


def bench_widget(server, n):
    from playwright.sync_api import sync_playwright
    site = HostSite()
    url = site.add("/latency", page_html(f'<script src="{server.base_url}/widget/chat-widget.js" data-auto-init="true"></script>'))
    out = {}
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_context().new_page()
            page.goto(url)
            page.wait_for_function("window.SanctumChat && SanctumChat.getState().initialized")
            page.evaluate("SanctumChat.open()")
            page.wait_for_function("SanctumChat.getState().isOpen")
            page.evaluate("SanctumChat.sendMessage('latency bench')")
            page.wait_for_function("SanctumChat.getState().pendingCount === 0 && SanctumChat.getState().sessionId")
            page.wait_for_function("SanctumChat.getState().transport !== 'connecting'", timeout=15000)
            out["transport"] = page.evaluate("SanctumChat.getState().transport")
            sid = page.evaluate("SanctumChat.getState().sessionId")
            page.evaluate(OBSERVER)
            offset, rtt = clock_offset(page)
            out["clock_rtt_ms"] = rtt
            lat = []
            for i in range(-20, n):  # 20 warm-up messages, not counted
                k = i + 1000000
                t0 = time.time() * 1000
                call(server, "POST", "outbox", {"session_id": sid, "response": f"bench {k}"}, key=server.api_key)
                seen = page.evaluate("k => window.__wait(k)", k)
                if i >= 0:
                    lat.append(seen - offset - t0)
                if i % 200 == 199:  # keep the DOM from growing without bound (as a long chat would be trimmed)
                    page.evaluate("SanctumChat.clearChat()")
            out["lat"] = lat
            browser.close()
    finally:
        site.stop()
    return out


def bench_inbox(server, n, agent_server=None):
    """Latencies (ms) of n visitor messages posted to `server` until the agent's long-poll on
    `agent_server` (default: the same server) returns them."""
    agent_server = agent_server or server
    call(agent_server, "GET", "inbox", key=server.api_key, params="&limit=100")  # drain
    returned = {}
    stop = threading.Event()
    ready = threading.Event()

    def agent():
        while not stop.is_set():
            ready.set()
            data = call(agent_server, "GET", "inbox", key=server.api_key, params="&wait=30&limit=100")["data"]
            t = time.time() * 1000
            for m in data["messages"]:
                returned[m["message"]] = t

    worker = threading.Thread(target=agent, daemon=True)
    worker.start()
    session = "session_bench_inbox_" + os.urandom(4).hex()
    lat = []
    for i in range(-20, n):
        text = f"visitor {i}"
        ready.wait(5)
        time.sleep(0.003)  # let the agent's long-poll reach the server and block
        ready.clear()
        t0 = time.time() * 1000
        call(server, "POST", "messages", {"session_id": session, "message": text, "client_message_id": f"cm_b{i + 20}"})
        deadline = time.time() + 35
        while text not in returned and time.time() < deadline:
            time.sleep(0.0002)
        if i >= 0 and text in returned:
            lat.append(returned[text] - t0)
    stop.set()
    call(server, "POST", "messages", {"session_id": session, "message": "stop"})  # release the agent
    worker.join(timeout=35)
    return lat


async def hold_connections(server, count, sessions=100):
    import websockets
    sids = []
    for s in range(sessions):
        sid = f"session_idle_{s:04d}_{os.urandom(4).hex()}"
        call(server, "POST", "messages", {"session_id": sid, "message": "idle"})
        sids.append(sid)
    pid = server.process.pid
    before = rss_kb(pid)
    conns, failures = [], {}
    sem = asyncio.Semaphore(200)

    async def one(i):
        url = f"ws://127.0.0.1:{server.port}/api/v1/stream?session_id={sids[i % sessions]}&last_event_id=0"
        async with sem:
            try:
                ws = await websockets.connect(url, ping_interval=None, open_timeout=30, max_queue=4)
                while True:  # the replay, then ready
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                    if frame.get("type") in ("ready", "error"):
                        break
                if frame["type"] == "error":
                    failures[frame.get("code", "error")] = failures.get(frame.get("code", "error"), 0) + 1
                    await ws.close()
                    return
                conns.append(ws)
            except Exception as e:  # counted, not fatal
                key = type(e).__name__ + ": " + str(e)[:60]
                failures[key] = failures.get(key, 0) + 1

    t0 = time.time()
    await asyncio.gather(*(one(i) for i in range(count)))
    opened = time.time() - t0
    await asyncio.sleep(3)
    alive = sum(1 for c in conns if c.state.name == "OPEN")
    after = rss_kb(pid)
    # still answering while holding them?
    t1 = time.time()
    call(server, "GET", "responses", params=f"&session_id={sids[0]}")
    probe_ms = (time.time() - t1) * 1000
    await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
    return {"requested": count, "alive": alive, "failures": failures, "open_s": opened, "rss_before_kb": before,
            "rss_after_kb": after, "probe_ms": probe_ms, "server_nofile": nofile_limit(pid)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--connections", type=int, default=10000)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: widget,inbox,idle")
    ap.add_argument("--database", help="a postgres:// URL of an empty database to serve from (default: a new SQLite file)")
    ap.add_argument("--instances", type=int, default=1, choices=(1, 2),
                    help="2: a second server on --database; the inbox agent waits on it while visitors post to the first")
    args = ap.parse_args()
    if args.instances == 2 and not args.database:
        ap.error("--instances 2 needs --database postgres://…")
    skip = set(filter(None, args.skip.split(",")))

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 1 << 20
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    need = args.connections + 200
    if want < need:
        print(f"warning: RLIMIT_NOFILE hard limit {hard} < {need}: the client cannot open {args.connections} "
              "sockets; raise it (ulimit -Hn) or pass --connections", file=sys.stderr)

    folder = tempfile.mkdtemp(prefix="sanctum-latency-")
    config = os.path.join(folder, "sanctum.yaml")
    Path(config).write_text(CONFIG)
    server = start_server(database=args.database or os.path.join(folder, "sanctum.db"), config=config)
    second = None
    if args.instances == 2:  # the same keys, so the agent's key is valid on both
        second = start_server(database=args.database, config=config, extra_env={
            "SANCTUM_API_KEY": server.api_key, "SANCTUM_ADMIN_KEY": server.admin_key, "SANCTUM_WIDGET_KEY": server.widget_key})
    rows = []
    try:
        print(f"Sanctum real-time latency — {args.messages} messages, loopback, server pid {server.process.pid}\n")
        if "widget" not in skip:
            w = bench_widget(server, args.messages)
            lat = w["lat"]
            rows.append((f"agent outbox POST → reply in the widget's DOM ({w['transport']})", lat))
            print(f"(a) widget transport: {w['transport']}; page/python clock sync round trip {w['clock_rtt_ms']:.2f} ms")
        if "inbox" not in skip:
            lat = bench_inbox(server, args.messages, agent_server=second)
            across = " (visitor on A, agent on B)" if second else ""
            rows.append((f"visitor messages POST → agent inbox?wait=30 returns{across}", lat))
        print(f"\n{'Path':66} {'n':>5} {'p50':>9} {'p99':>9} {'max':>9}")
        for name, lat in rows:
            print(f"{name:66} {len(lat):5d} {statistics.median(lat):7.2f}ms {percentile(lat, 99):7.2f}ms {max(lat):7.2f}ms")
        idle = None
        if "idle" not in skip:
            idle = asyncio.run(hold_connections(server, args.connections))
            per = (idle["rss_after_kb"] - idle["rss_before_kb"]) / max(1, idle["alive"])
            print(f"\n(c) idle stream connections: {idle['alive']} of {idle['requested']} held "
                  f"(opened in {idle['open_s']:.1f} s); server VmRSS {idle['rss_before_kb'] / 1024:.1f} MB → "
                  f"{idle['rss_after_kb'] / 1024:.1f} MB ({per:.1f} KB per connection); "
                  f"a request while holding them: {idle['probe_ms']:.1f} ms; server RLIMIT_NOFILE {idle['server_nofile']}")
            if idle["failures"]:
                print("    failures:", idle["failures"])
        if args.markdown:
            print("\n| Measure | p50 | p99 | Target |\n|---|---|---|---|")
            for name, lat in rows:
                print(f"| {name} ({len(lat)} messages) | {statistics.median(lat):.2f} ms | {percentile(lat, 99):.2f} ms | p99 < 25 ms |")
            if idle:
                print(f"| Idle WebSocket connections held | {idle['alive']} of {idle['requested']} | | 10,000 |")
                print(f"| Server VmRSS holding them | {idle['rss_after_kb'] / 1024:.0f} MB (idle {idle['rss_before_kb'] / 1024:.0f} MB) | | < 500 MB |")
    finally:
        server.stop()
        if second:
            second.stop()


if __name__ == "__main__":
    main()
