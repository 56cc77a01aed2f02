"""Several instances, one truth: two `sanctum serve` processes on one PostgreSQL database
(docs/scaling.md). A visitor on A and an agent on B: the inbox long-poll, lease mode and the
WebSocket stream cross instances; a stream resumed on the other instance misses and repeats
nothing; kill -9 of A mid-conversation loses nothing acknowledged; a restart of PostgreSQL
itself answers 503 meanwhile, and everything resumes without restarting the servers.

The cluster comes from scripts/postgres-test-cluster (Debian's postgresql package); without
PostgreSQL installed the module is skipped (scripts/setup installs it, so CI always runs it).
"""
import asyncio
import json
import os
import secrets
import shlex
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
import websockets

from conftest import ROOT, advance_clock, start_server
from test_realtime import call

CONFIG = "rate_limits: { enabled: false }\nrealtime: { max_connections_per_ip: 1000 }\n"
# The child the cluster script runs: prints what the tests need, then waits for stdin to close.
WAITER = ("import json, os, sys; print(json.dumps({k: os.environ[k] for k in "
          "('SANCTUM_TEST_POSTGRES_URL', 'SANCTUM_TEST_POSTGRES_CTL')}), flush=True); sys.stdin.read()")


@pytest.fixture(scope="module")
def cluster():
    """A throwaway PostgreSQL cluster: its URL and its pg_ctl command."""
    process = subprocess.Popen([str(ROOT / "scripts" / "postgres-test-cluster"), "--", "python3", "-c", WAITER],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    settings = None
    for line in process.stdout:
        if line.startswith("{"):
            settings = json.loads(line)
            break
    if settings is None:
        process.wait(timeout=30)
        if process.returncode == 69 and os.environ.get("CI") != "true":
            pytest.skip("PostgreSQL is not installed (scripts/setup installs the postgresql package)")
        raise RuntimeError(f"postgres-test-cluster failed with {process.returncode}")
    yield settings["SANCTUM_TEST_POSTGRES_URL"], shlex.split(settings["SANCTUM_TEST_POSTGRES_CTL"])
    process.stdin.close()
    process.wait(timeout=60)


@pytest.fixture(scope="module")
def pair(cluster, tmp_path_factory):
    """Servers A and B on one database, with the same keys (a list: a test may replace A)."""
    url, _ = cluster
    config = tmp_path_factory.mktemp("multi") / "sanctum.yaml"
    config.write_text(CONFIG)
    keys = dict(SANCTUM_API_KEY="ak_" + secrets.token_hex(16), SANCTUM_ADMIN_KEY="adm_" + secrets.token_hex(16),
                SANCTUM_WIDGET_KEY="pk_" + secrets.token_hex(12))
    servers = [start_server(database=url, extra_env=keys, config=str(config)) for _ in range(2)]
    servers[1].restart_env = (url, keys, str(config))
    yield servers
    for server in servers:
        server.stop()


def restart(pair, index):
    url, keys, config = pair[1].restart_env
    pair[index] = start_server(database=url, extra_env=keys, config=config)


def post(server, session, text, cmid=None):
    body = {"session_id": session, "message": text}
    if cmid:
        body["client_message_id"] = cmid
    return call(server, "POST", "messages", body)


def drain(server):
    """Takes whatever is pending, so a test starts from an empty inbox."""
    while call(server, "GET", "inbox", key=server.api_key, params="&limit=100")[1]["data"]["messages"]:
        pass


def stream_url(server):
    return server.base_url.replace("http://", "ws://") + "/api/v1/stream"


async def next_event(ws, timeout=10):
    """The next `event` frame's event (skipping `ready` and pongs)."""
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if frame["type"] == "event":
            return frame["event"]


def test_an_agents_long_poll_on_b_wakes_for_a_visitor_message_on_a(pair):
    a, b = pair
    drain(b)
    session = "session_lp_" + secrets.token_hex(4)
    latencies = []
    for round in range(3):
        answer = {}

        def poll():
            answer["response"] = call(b, "GET", "inbox", key=b.api_key, params="&wait=20")
            answer["at"] = time.monotonic()

        poller = threading.Thread(target=poll)
        poller.start()
        time.sleep(0.5)  # the long-poll is waiting on B
        assert post(a, session, f"hello {round}")[0] == 200
        posted = time.monotonic()
        poller.join(timeout=25)
        status, body = answer["response"]
        assert status == 200 and [m["message"] for m in body["data"]["messages"]] == [f"hello {round}"]
        latencies.append(answer["at"] - posted)
    print(f"cross-instance long-poll wake-up: {', '.join(f'{l * 1000:.0f} ms' for l in latencies)}")
    assert max(latencies) < 2, latencies


def test_lease_mode_across_instances_never_hands_a_leased_message_out_twice(pair):
    a, b = pair
    drain(a)
    session = "session_lease_" + secrets.token_hex(4)
    for i in range(20):  # one conversation each: a lease holds back the later messages of its conversation
        assert post(a, f"{session}_{i}", f"lease {i}")[0] == 200
    taken = []
    lock = threading.Lock()

    def take(server):
        for _ in range(10):
            status, body = call(server, "GET", "inbox", key=server.api_key, params="&lease=60&limit=3")
            assert status == 200, body
            with lock:
                taken.extend(m["id"] for m in body["data"]["messages"])

    threads = [threading.Thread(target=take, args=(server,)) for server in (a, b, a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == len(set(taken)) == 20, "every message leased once, none twice"
    for server in (a, b):
        assert call(server, "GET", "inbox", key=server.api_key, params="&lease=60")[1]["data"]["messages"] == []
        assert call(server, "GET", "inbox", key=server.api_key)[1]["data"]["messages"] == []
    assert call(b, "POST", "ack", {"message_ids": taken[:19]}, key=b.api_key)[1]["data"]["acknowledged"] == 19
    advance_clock(a, 61)  # A's clock passes the leases: the unacknowledged one comes back there
    status, body = call(a, "GET", "inbox", key=a.api_key, params="&lease=60")
    assert [m["id"] for m in body["data"]["messages"]] == [taken[19]]
    assert call(a, "POST", "ack", {"message_ids": [taken[19]]}, key=a.api_key)[1]["data"]["acknowledged"] == 1


def test_a_stream_on_b_sees_a_and_resumes_on_a_missing_and_repeating_nothing(pair):
    a, b = pair
    session = "session_ws_" + secrets.token_hex(4)
    agent = {"Authorization": "Bearer " + b.api_key}

    async def scenario():
        async with websockets.connect(stream_url(b) + "?last_event_id=0", additional_headers=agent) as agent_ws, \
                websockets.connect(stream_url(a) + f"?session_id={session}&widget_key={a.widget_key}") as visitor_ws:
            assert json.loads(await visitor_ws.recv())["type"] == "ready"
            seen = []
            while True:  # the replay of everything so far, then ready
                frame = json.loads(await asyncio.wait_for(agent_ws.recv(), 10))
                if frame["type"] == "ready":
                    break
                seen.append(frame["event"]["id"])
            for i in range(3):
                await asyncio.to_thread(post, a, session, f"ws {i}")
            live = [await next_event(agent_ws) for _ in range(3)]
            assert [e["data"]["text"] for e in live] == ["ws 0", "ws 1", "ws 2"], "A's messages reach B's stream live"
            status, _ = await asyncio.to_thread(call, b, "POST", "outbox", {"session_id": session, "response": "hi from B"}, b.api_key)
            assert status == 200
            reply = await next_event(visitor_ws)
            while reply["type"] == "message":  # the visitor's own messages come first
                reply = await next_event(visitor_ws)
            assert reply["type"] == "reply" and reply["data"]["text"] == "hi from B", "B's reply reaches A's visitor stream live"
            return live[-1]["id"]

    cursor = asyncio.run(scenario())
    for i in range(3, 5):
        assert post(b, session, f"ws {i}")[0] == 200

    async def resume():
        async with websockets.connect(stream_url(a) + f"?last_event_id={cursor}", additional_headers=agent) as ws:
            replayed = []
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if frame["type"] == "ready":
                    return replayed, frame["last_event_id"]
                replayed.append(frame["event"])

    replayed, ready = asyncio.run(resume())
    ids = [e["id"] for e in replayed]
    assert ids == list(range(cursor + 1, cursor + 1 + len(ids))), "gapless, no repeats"
    assert [e["data"].get("text") for e in replayed if e["type"] in ("message", "reply")] == ["hi from B", "ws 3", "ws 4"]
    assert ready == ids[-1]


def test_kill_9_of_a_mid_conversation_loses_nothing_acknowledged(pair):
    drain(pair[1])
    session = "session_kill_" + secrets.token_hex(4)
    received, stop = [], threading.Event()

    def agent():
        b = pair[1]
        while not stop.is_set():
            status, body = call(b, "GET", "inbox", key=b.api_key, params="&lease=30&wait=2")
            assert status == 200, body
            messages = body["data"]["messages"]
            for m in messages:
                call(b, "POST", "outbox", {"session_id": m["session_id"], "response": "re " + m["message"],
                                           "client_response_id": f"re_{m['id']}"}, b.api_key)
            if messages:
                call(b, "POST", "ack", {"message_ids": [m["id"] for m in messages]}, b.api_key)
                received.extend(messages)

    worker = threading.Thread(target=agent)
    worker.start()
    acknowledged = []
    server = pair[0]
    for i in range(10):
        if i == 5:
            pair[0].process.send_signal(signal.SIGKILL)  # mid-conversation, while B's agent waits
            pair[0].process.wait()
        while True:
            try:
                status, _ = post(server, session, f"kill {i}", cmid=f"cm_kill_{i}")
                if status == 200:
                    acknowledged.append(f"kill {i}")
                    break
            except OSError:
                server = pair[1]  # A is gone: the load balancer sends the visitor to B, who retries
    deadline = time.time() + 20
    while len(received) < 10 and time.time() < deadline:
        time.sleep(0.1)
    stop.set()
    worker.join(timeout=10)
    texts = [m["message"] for m in received]
    assert sorted(texts) == sorted(acknowledged) and len(texts) == len(set(texts)) == 10, texts
    restart(pair, 0)
    status, body = call(pair[0], "GET", "history", key=pair[0].api_key, params=f"&session_id={session}")
    assert status == 200
    items = body["data"]["items"]
    # (sorted: A's clock was moved forward by the lease test, and history is in timestamp order)
    assert sorted(i["text"] for i in items if i["type"] == "message") == [f"kill {i}" for i in range(10)]
    assert len([i for i in items if i["type"] == "reply"]) == 10, "one reply each, none twice"


def wait_ready(server, seconds=30):
    """Waits until /readyz answers 200 (the instance reached its database again)."""
    deadline = time.time() + seconds
    while True:
        try:
            if urllib.request.urlopen(server.base_url + "/readyz", timeout=5).status == 200:
                return
        except urllib.error.HTTPError:
            pass
        assert time.time() < deadline, "the instance did not reconnect"
        time.sleep(0.2)


def test_a_postgresql_restart_answers_503_then_everything_resumes(pair, cluster):
    a, b = pair
    _, pg_ctl = cluster
    session = "session_pg_" + secrets.token_hex(4)
    agent = {"Authorization": "Bearer " + b.api_key}
    assert post(a, session, "before")[0] == 200
    drain(b)
    cursor = call(b, "GET", "conversations", key=b.api_key)[1]["data"]["last_event_id"]

    def outage():
        subprocess.run(pg_ctl + ["-m", "fast", "stop"], check=True, stdout=subprocess.DEVNULL)
        try:
            status, body = post(a, session, "during")
            assert status == 503 and body["success"] is False and body["error"] == "Database unavailable", body
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(a.base_url + "/readyz", timeout=10)
            assert refused.value.code == 503
            assert urllib.request.urlopen(b.base_url + "/healthz", timeout=10).status == 200
        finally:
            subprocess.run(pg_ctl + ["start"], check=True, stdout=subprocess.DEVNULL)
        for server in (a, b):  # each instance reconnects by itself
            wait_ready(server)

    async def scenario():
        # A stream opened on B before the restart stays open and goes on after it.
        async with websockets.connect(stream_url(b) + f"?last_event_id={cursor}", additional_headers=agent) as ws:
            assert json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"type": "ready", "last_event_id": cursor}
            await asyncio.to_thread(outage)
            poll = asyncio.create_task(asyncio.to_thread(call, b, "GET", "inbox", None, b.api_key, "&wait=20"))
            await asyncio.sleep(0.5)
            posted = time.monotonic()
            assert (await asyncio.to_thread(post, a, session, "after"))[0] == 200
            status, body = await poll
            assert time.monotonic() - posted < 3, "B listens again: its long-poll woke for A's message"
            assert [m["message"] for m in body["data"]["messages"]] == ["after"]
            live = await next_event(ws)
            assert live["type"] == "message" and live["data"]["text"] == "after" and live["id"] == cursor + 1, live
        async with websockets.connect(stream_url(a) + f"?last_event_id={cursor}", additional_headers=agent) as ws:
            replayed = await next_event(ws)
            assert replayed["id"] == cursor + 1 and replayed["data"]["text"] == "after", "nothing of the refused write was stored"

    asyncio.run(scenario())
