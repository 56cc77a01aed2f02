"""Real time over real HTTP and WebSockets: lease mode, long-polls, stream replay and isolation,
and a server killed and restarted while widgets and an agent are connected (issue 5)."""
import asyncio
import json
import os
import secrets
import signal
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest
import websockets

from conftest import advance_clock, start_server

NO_LIMITS = "rate_limits: { enabled: false }\nrealtime: { max_connections_per_ip: 1000 }\n"


def call(server, method, action, body=None, key=None, params=""):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = "Bearer " + key
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{server.base_url}/api/v1/?action={action}{params}", data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=40) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def post_message(server, session, text, cmid=None, widget_key=None):
    body = {"session_id": session, "message": text}
    if cmid:
        body["client_message_id"] = cmid
    if widget_key:
        body["widget_key"] = widget_key
    return call(server, "POST", "messages", body)


@pytest.fixture(scope="module")
def rt():
    folder = tempfile.mkdtemp(prefix="sanctum-rt-")
    config = os.path.join(folder, "sanctum.yaml")
    with open(config, "w") as f:
        f.write(NO_LIMITS)
    server = start_server(database=os.path.join(folder, "sanctum.db"), config=config)
    yield server
    server.stop()


def test_lease_mode_is_at_least_once_and_plain_inbox_stays_at_most_once(rt):
    session = "session_lease_" + secrets.token_hex(4)
    for i in range(3):
        post_message(rt, session, f"lease {i}")
    status, first = call(rt, "GET", "inbox", key=rt.api_key, params="&lease=1")
    assert status == 200 and first["data"]["lease"]["seconds"] == 1
    leased = [m["id"] for m in first["data"]["messages"]]
    assert len(leased) == 3
    # While leased, nobody sees them; the agent "dies" without acknowledging.
    assert call(rt, "GET", "inbox", key=rt.api_key)[1]["data"]["messages"] == []
    advance_clock(rt, 1.2)
    again = call(rt, "GET", "inbox", key=rt.api_key, params="&lease=30")[1]["data"]["messages"]
    assert [m["id"] for m in again] == leased, "unacknowledged messages come back after the lease"
    assert call(rt, "POST", "ack", {"message_ids": leased[:2]}, key=rt.api_key)[1]["data"]["acknowledged"] == 2
    assert call(rt, "POST", "ack", {"message_ids": leased[:2]}, key=rt.api_key)[1]["data"]["acknowledged"] == 0
    status, bad = call(rt, "POST", "ack", {"message_ids": ["x"]}, key=rt.api_key)
    assert status == 400 and bad["success"] is False
    # Plain inbox: at-most-once, as before, and it never sees the third (still leased 30 s).
    post_message(rt, session, "held back")
    post_message(rt, "session_other_" + secrets.token_hex(4), "plain")
    plain = call(rt, "GET", "inbox", key=rt.api_key)[1]["data"]["messages"]
    assert [m["message"] for m in plain] == ["plain"], "a later message of a conversation never overtakes a leased one"
    assert call(rt, "GET", "inbox", key=rt.api_key)[1]["data"]["messages"] == []
    call(rt, "POST", "ack", {"message_ids": leased[2:]}, key=rt.api_key)
    assert [m["message"] for m in call(rt, "GET", "inbox", key=rt.api_key)[1]["data"]["messages"]] == ["held back"]
    assert call(rt, "GET", "inbox", key=rt.api_key)[1]["data"]["messages"] == []


def test_outbox_retries_with_a_client_response_id_store_once(rt):
    session = "session_idem_" + secrets.token_hex(4)
    post_message(rt, session, "question")
    body = {"session_id": session, "response": "answer", "client_response_id": "re_1"}
    first = call(rt, "POST", "outbox", body, key=rt.api_key)[1]["data"]["response_id"]
    again = call(rt, "POST", "outbox", body, key=rt.api_key)[1]["data"]["response_id"]
    assert first == again
    replies = call(rt, "GET", "responses", params=f"&session_id={session}")[1]["data"]["responses"]
    assert [r["response"] for r in replies] == ["answer"]
    status, bad = call(rt, "POST", "outbox", dict(body, client_response_id="no spaces"), key=rt.api_key)
    assert status == 400 and bad["error"] == "Invalid client_response_id"


def test_inbox_wait_returns_as_soon_as_a_message_arrives(rt):
    call(rt, "GET", "inbox", key=rt.api_key, params="&limit=100")
    result = {}

    def poll():
        started = time.monotonic()
        result["answer"] = call(rt, "GET", "inbox", key=rt.api_key, params="&wait=20")
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.5)
    post_message(rt, "session_wait_" + secrets.token_hex(4), "wake up")
    thread.join(timeout=25)
    assert [m["message"] for m in result["answer"][1]["data"]["messages"]] == ["wake up"]
    assert result["seconds"] < 5
    started = time.monotonic()
    empty = call(rt, "GET", "inbox", key=rt.api_key, params="&wait=1")
    assert empty[1]["data"]["messages"] == [] and 0.9 < time.monotonic() - started < 5


def test_typing_read_and_events_long_poll(rt):
    session = "session_evt_" + secrets.token_hex(4)
    _, posted = post_message(rt, session, "hi")
    message_id = posted["data"]["message_id"]
    status, events = call(rt, "GET", "events", params=f"&session_id={session}&wait=0")
    assert status == 200
    cursor = events["data"]["last_event_id"]
    assert [e["type"] for e in events["data"]["events"]] == ["message"]
    assert call(rt, "POST", "typing", {"session_id": session, "active": True}, key=rt.api_key)[0] == 200
    assert call(rt, "POST", "read", {"session_id": session, "up_to": message_id}, key=rt.api_key)[0] == 200
    call(rt, "POST", "outbox", {"session_id": session, "response": "hello"}, key=rt.api_key)
    _, later = call(rt, "GET", "events", params=f"&session_id={session}&last_event_id={cursor}&wait=0")
    kinds = [(e["type"], e["data"].get("from") or e["data"].get("by")) for e in later["data"]["events"]]
    assert kinds == [("typing", "agent"), ("read", "agent"), ("reply", None)]
    seqs = [e["seq"] for e in events["data"]["events"] + later["data"]["events"]]
    assert seqs == list(range(1, len(seqs) + 1)), "seq increases per conversation"
    # The visitor reads the reply; the agent sees it in the history.
    reply_id = later["data"]["events"][-1]["data"]["response_id"]
    assert call(rt, "POST", "read", {"session_id": session, "up_to": reply_id})[0] == 200
    history = call(rt, "GET", "history", key=rt.api_key, params=f"&session_id={session}")[1]["data"]
    assert [(i["type"], i["status"]) for i in history["items"]] == [("message", "read"), ("reply", "read")]
    # A long-poll wakes on the next event.
    result = {}
    last = later["data"]["last_event_id"] + 1
    thread = threading.Thread(target=lambda: result.setdefault("a", call(rt, "GET", "events", params=f"&session_id={session}&last_event_id={last}&wait=20")))
    thread.start()
    time.sleep(0.4)
    post_message(rt, session, "next")
    thread.join(timeout=25)
    assert [e["type"] for e in result["a"][1]["data"]["events"]] == ["message"]
    for bad in [{"session_id": session}, {"session_id": session, "active": "yes"}, {"session_id": "nope", "active": True}]:
        assert call(rt, "POST", "typing", bad)[0] == 400
    assert call(rt, "POST", "typing", {"session_id": "session_unknown_x", "active": True})[1]["error"] == "Invalid session"


def test_stream_replays_then_goes_live_without_duplicates(rt):
    session = "session_ws_" + secrets.token_hex(4)
    for i in range(3):
        post_message(rt, session, f"before {i}")
    ws_url = rt.base_url.replace("http", "ws") + "/api/v1/stream"

    async def scenario():
        async with websockets.connect(f"{ws_url}?session_id={session}&last_event_id=0") as ws:
            replay = []
            while True:
                frame = json.loads(await ws.recv())
                if frame["type"] == "ready":
                    break
                replay.append(frame["event"])
            assert [e["data"]["text"] for e in replay] == ["before 0", "before 1", "before 2"]
            cursor = replay[1]["id"]
            await asyncio.to_thread(call, rt, "POST", "outbox", {"session_id": session, "response": "live"}, rt.api_key)
            live = json.loads(await ws.recv())["event"]
            assert live["type"] == "reply" and live["data"]["text"] == "live"
        async with websockets.connect(f"{ws_url}?session_id={session}&last_event_id={cursor}") as ws:
            frames = []
            while True:
                frame = json.loads(await ws.recv())
                if frame["type"] == "ready":
                    break
                frames.append(frame["event"]["id"])
            assert frames == sorted(frames) and frames[0] == cursor + 1 and len(frames) == len(set(frames))

    asyncio.run(scenario())


def test_stream_shows_nothing_of_foreign_sessions_and_refuses_wrong_keys(tmp_path):
    config = tmp_path / "sites.yaml"
    config.write_text(NO_LIMITS + "sites:\n  - { id: a, widget_key: pk_a }\n  - { id: b, widget_key: pk_b }\n")
    key_a, key_b = "site_a_key_" + secrets.token_hex(8), "site_b_key_" + secrets.token_hex(8)
    server = start_server(database=str(tmp_path / "db.sqlite"), config=str(config),
                          extra_env={"SANCTUM_SITE_A_AGENT_KEY": key_a, "SANCTUM_SITE_B_AGENT_KEY": key_b})
    try:
        post_message(server, "session_of_b", "secret of b", widget_key="pk_b")
        ws_url = server.base_url.replace("http", "ws") + "/api/v1/stream"

        async def scenario():
            # A visitor of site A following site B's id is answered like a new session of site A
            # (issue 9: no error that tells the id exists elsewhere) and never sees B's events.
            async with websockets.connect(f"{ws_url}?session_id=session_of_b&widget_key=pk_a") as ws:
                assert json.loads(await ws.recv()) == {"type": "ready", "last_event_id": 0}
                await asyncio.to_thread(post_message, server, "session_of_b", "b again", None, "pk_b")
                await ws.send(json.dumps({"type": "ping"}))
                assert json.loads(await ws.recv()) == {"type": "pong"}, "B's new message did not arrive before the pong"
            async with websockets.connect(ws_url) as ws:
                await ws.send(json.dumps({"type": "auth", "key": "wrong-key-123456789"}))
                assert json.loads(await ws.recv())["code"] == "auth_failed"
            async with websockets.connect(ws_url, additional_headers={"Authorization": "Bearer " + key_a}) as ws:
                frame = json.loads(await ws.recv())
                assert frame == {"type": "ready", "last_event_id": 0}, "site A replays nothing of site B"
                await asyncio.to_thread(post_message, server, "session_of_b", "more b", None, "pk_b")
                await asyncio.to_thread(post_message, server, "session_of_a", "hello a", None, "pk_a")
                frame = json.loads(await ws.recv())
                assert frame["event"]["session_id"] == "session_of_a"
            assert call(server, "GET", "events", key=key_a, params="&wait=0")[1]["data"]["events"][0]["session_id"] == "session_of_a"
            assert all(c["session_id"] != "session_of_b"
                       for c in call(server, "GET", "conversations", key=key_a)[1]["data"]["conversations"])
            assert call(server, "GET", "history", key=key_a, params="&session_id=session_of_b")[0] == 404
            assert call(server, "POST", "typing", {"session_id": "session_of_b", "active": True}, key=key_a)[1]["error"] == "Invalid session"

        asyncio.run(scenario())
    finally:
        server.stop()


def ws_auth(ws_url, key, source=None):
    """Opens the stream (from `source`, an IP), sends the auth frame; returns the first frame and
    the close code (None while the connection stays open)."""
    async def attempt():
        async with websockets.connect(ws_url, **({"local_addr": (source, 0)} if source else {})) as ws:
            await ws.send(json.dumps({"type": "auth", "key": key}))
            frame = json.loads(await ws.recv())
            if frame.get("type") != "error":
                return frame, None
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            return frame, closed.value.rcvd.code
    return asyncio.run(attempt())


def test_stream_auth_from_a_locked_out_ip_is_refused_even_with_the_right_key(tmp_path):
    """Issue 9: once an IP has spent its failure budget (20 wrong keys), the auth frame is refused
    unchecked, the right key included, until the budget refills; other IPs are not affected. The
    budget refills once per 1,000 s here, so a slow machine cannot refill it during the test."""
    config = tmp_path / "sanctum.yaml"
    config.write_text("rate_limits: { auth_failures: { burst: 20, per_second: 0.001 } }\n")
    server = start_server(database=str(tmp_path / "db.sqlite"), config=str(config))
    try:
        ws_url = server.base_url.replace("http", "ws") + "/api/v1/stream"
        guesser = "127.0.9.1"
        for n in range(20):
            frame, code = ws_auth(ws_url, f"wrong-key-{n:02d}-0123456789", guesser)
            assert (frame["code"], code) == ("auth_failed", 4001)
        frame, code = ws_auth(ws_url, server.admin_key, guesser)
        assert (frame["code"], code) == ("rate_limited", 4029)
        frame, code = ws_auth(ws_url, server.admin_key, "127.0.9.2")
        assert (frame["type"], code) == ("ready", None), "the right key from another IP keeps working"
        request = urllib.request.Request(server.base_url + "/admin/api/lockouts", headers={"Authorization": "Bearer " + server.admin_key})
        with urllib.request.urlopen(request, timeout=10) as response:
            lockouts = json.loads(response.read())["data"]["lockouts"]
        assert [(entry["ip"], entry["failures"], entry["refused"]) for entry in lockouts if entry["ip"] == guesser] == [(guesser, 20, 1)]
        advance_clock(server, 1000)
        assert ws_auth(ws_url, server.admin_key, guesser)[0]["type"] == "ready", "checked again once the budget refilled"
    finally:
        server.stop()


class Widget:
    """A visitor: posts with client_message_id (retrying across outages) and follows the stream,
    reconnecting with last_event_id. Records every reply event it is shown."""

    def __init__(self, server, name):
        self.server, self.session = server, f"session_widget_{name}_{secrets.token_hex(3)}"
        self.last_event_id, self.replies, self.seen_ids = 0, [], set()

    async def follow(self, stop):
        while not stop.is_set():
            url = self.server.base_url.replace("http", "ws") + f"/api/v1/stream?session_id={self.session}&last_event_id={self.last_event_id}"
            try:
                async with websockets.connect(url, open_timeout=2) as ws:
                    while not stop.is_set():
                        try:
                            frame = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                        except asyncio.TimeoutError:
                            continue
                        if frame["type"] != "event":
                            continue
                        event = frame["event"]
                        assert event["id"] > self.last_event_id, "an event arrived twice or out of order"
                        self.last_event_id = event["id"]
                        if event["type"] == "reply":
                            self.replies.append(event["data"]["text"])
            except (OSError, websockets.WebSocketException, asyncio.TimeoutError):
                await asyncio.sleep(0.2)

    def send_all(self, count):
        for i in range(count):
            cmid = f"{self.session[-6:]}_{i}"
            while True:
                try:
                    status, _ = post_message(self.server, self.session, f"{self.session} #{i}", cmid=cmid)
                    if status == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.1)
            time.sleep(0.05)


def test_server_killed_and_restarted_mid_conversation_loses_and_duplicates_nothing(tmp_path):
    config = tmp_path / "sanctum.yaml"
    config.write_text(NO_LIMITS)
    database = str(tmp_path / "sanctum.db")
    server = start_server(database=database, config=str(config))
    keys = {"SANCTUM_API_KEY": server.api_key, "SANCTUM_ADMIN_KEY": server.admin_key}
    widgets = [Widget(server, n) for n in range(3)]
    per_widget, handled, deliveries = 25, {}, []
    stop = threading.Event()

    def agent():
        # At-least-once with lease + ack; the agent de-duplicates by message id, as that mode asks.
        while not stop.is_set() or len(handled) < per_widget * len(widgets):
            try:
                status, body = call(server, "GET", "inbox", key=server.api_key, params="&lease=2&wait=1")
                if status != 200:
                    continue
                for message in body["data"]["messages"]:
                    deliveries.append(message["id"])
                    if message["id"] not in handled:
                        reply = call(server, "POST", "outbox", {"session_id": message["session_id"], "response": "re: " + message["message"],
                                                                  "client_response_id": f"re_{message['id']}"}, server.api_key)
                        if reply[0] != 200:
                            continue
                        handled[message["id"]] = message["message"]
                    call(server, "POST", "ack", {"message_ids": [message["id"]]}, server.api_key)
            except OSError:
                time.sleep(0.1)
            if stop.is_set() and time.time() > deadline:
                break

    async def follow_all():
        await asyncio.gather(*(w.follow(stop) for w in widgets))

    deadline = time.time() + 120
    followers = threading.Thread(target=lambda: asyncio.run(follow_all()))
    followers.start()
    agent_thread = threading.Thread(target=agent)
    agent_thread.start()
    senders = [threading.Thread(target=w.send_all, args=(per_widget,)) for w in widgets]
    for s in senders:
        s.start()
    time.sleep(1.0)
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    time.sleep(0.5)
    restarted = start_server(database=database, config=str(config), extra_env=keys, port=server.port)
    server.process = restarted.process
    for s in senders:
        s.join(timeout=60)
    while time.time() < deadline and any(len(w.replies) < per_widget for w in widgets):
        time.sleep(0.2)
    stop.set()
    agent_thread.join(timeout=30)
    followers.join(timeout=10)
    restarted.stop()

    assert sorted(handled.values()) == sorted(f"{w.session} #{i}" for w in widgets for i in range(per_widget)), \
        "the agent handled every visitor message exactly once"
    for w in widgets:
        # Each side got everything once, in order: the visitor's messages reached the agent in the
        # order sent (a lease lost in the crash holds back the rest of its conversation), and the
        # widget saw every reply once, in commit order, across the outage.
        assert w.replies == [f"re: {w.session} #{i}" for i in range(per_widget)], f"{w.session} got {w.replies}"


def test_stream_connection_limit_per_ip_and_origin_check(tmp_path):
    config = tmp_path / "limits.yaml"
    config.write_text("realtime: { max_connections_per_ip: 2 }\n"
                      "sites:\n  - { id: shop, widget_key: pk_shop, allowed_origins: [\"https://shop.example\"] }\n")
    server = start_server(database=str(tmp_path / "db.sqlite"), config=str(config))
    try:
        ws_url = server.base_url.replace("http", "ws") + "/api/v1/stream"

        async def scenario():
            async with websockets.connect(f"{ws_url}?session_id=session_one") as first, \
                    websockets.connect(f"{ws_url}?session_id=session_two") as second:
                assert json.loads(await first.recv())["type"] == "ready"
                assert json.loads(await second.recv())["type"] == "ready"
                async with websockets.connect(f"{ws_url}?session_id=session_three") as third:
                    assert json.loads(await third.recv())["code"] == "too_many_connections"
                    with pytest.raises(websockets.ConnectionClosed) as closed:
                        await third.recv()
                    assert closed.value.rcvd.code == 4029
            async with websockets.connect(f"{ws_url}?session_id=session_shop&widget_key=pk_shop",
                                          additional_headers={"Origin": "https://evil.example"}) as refused:
                assert json.loads(await refused.recv())["code"] == "origin_refused"
            async with websockets.connect(f"{ws_url}?session_id=session_shop&widget_key=pk_shop",
                                          additional_headers={"Origin": "https://shop.example"}) as allowed:
                assert json.loads(await allowed.recv())["type"] == "ready"

        asyncio.run(scenario())
    finally:
        server.stop()
