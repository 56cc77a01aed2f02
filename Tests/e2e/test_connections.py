"""The network level (issue 9 §1): connection timeouts and the per-IP cap under a low descriptor
limit, answers to every upgrade request, throttled logging of unreadable requests, WebSocket frame
rules (RFC 6455 masking, UTF-8, message size, pings, the close at shutdown), and the stream budgets of visitors and agents.

Timeouts are configured to about a second here instead of their production values; the tests
never assert on durations, they wait for the server's verdict with a generous failure bound.
"""
import asyncio
import base64
import json
import os
import secrets
import select
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
import urllib.request

import pytest
import websockets

from conftest import start_server

FAILURE_BOUND = 20  # seconds before a test gives up on an answer that should come much sooner


# ---------------------------------------------------------------------------------------------
# helpers

def serve(tmp_path, config: str, open_files: int | None = None):
    path = tmp_path / "sanctum.yaml"
    path.write_text(config)
    return start_server(database=str(tmp_path / "db.sqlite"), config=str(path), open_files=open_files)


def read_until_closed(sock: socket.socket) -> bytes:
    sock.settimeout(FAILURE_BOUND)
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def exchange(port: int, data: bytes) -> bytes:
    """Sends raw bytes and returns everything the server sends until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=FAILURE_BOUND) as sock:
        sock.sendall(data)
        return read_until_closed(sock)


def parse(raw: bytes):
    """(status, lower-cased headers, JSON body) of one answer."""
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    body = body[: int(headers["content-length"])] if "content-length" in headers else body
    return int(status_line.split(" ")[1]), headers, json.loads(body) if body else None


def health(server, timeout=FAILURE_BOUND):
    with urllib.request.urlopen(server.base_url + "/widget/health", timeout=timeout) as response:
        return response.status, json.loads(response.read())


def log_lines(server) -> list[str]:
    with open(server.database + ".log", "rb") as f:
        return f.read().decode("utf-8", "replace").splitlines()


# ---------------------------------------------------------------------------------------------
# 1. timeouts and the per-IP cap

SHORT_TIMEOUTS = "connections: { idle_timeout: 1, header_timeout: 1 }\n"


def test_idle_connections_cannot_starve_a_server_with_few_descriptors(tmp_path):
    """260 idle connections against `ulimit -n 256` made the server unreachable: they are closed
    after `idle_timeout` (silently), and a normal request then gets through."""
    server = serve(tmp_path, SHORT_TIMEOUTS, open_files=256)
    try:
        with open(f"/proc/{server.process.pid}/limits") as f:
            assert [line.split()[3:5] for line in f if line.startswith("Max open files")] == [["256", "256"]]
        idle = [socket.create_connection(("127.0.0.1", server.port), timeout=FAILURE_BOUND) for _ in range(260)]
        try:
            status, body = health(server)
            assert status == 200 and body["data"]["status"] == "healthy"
            assert all(read_until_closed(s) == b"" for s in idle), "an idle connection is closed without an answer"
        finally:
            for s in idle:
                s.close()
    finally:
        server.stop()
    assert not [line for line in log_lines(server) if "Error handling upgrade result" in line], "closing idle connections is no error"


def test_one_address_cannot_hold_every_connection(tmp_path):
    """With the per-IP cap, 260 connections from one address leave the server reachable at once
    for the others: the address keeps its 20, the rest get a JSON 429 and are closed."""
    server = serve(tmp_path, "connections: { max_per_ip: 20, exempt_ips: [] }\n", open_files=256)
    try:
        crowd = [socket.create_connection(("127.0.0.1", server.port), timeout=FAILURE_BOUND, source_address=("127.0.0.2", 0))
                 for _ in range(260)]
        try:
            assert health(server)[0] == 200, "another address is served while the crowd holds its connections"
            answered, deadline = {}, time.monotonic() + FAILURE_BOUND
            while len(answered) < 240 and time.monotonic() < deadline:
                readable, _, _ = select.select([s for s in crowd if s not in answered], [], [], 1)
                for s in readable:
                    answered[s] = read_until_closed(s)
            assert len(answered) == 240, "every connection over the cap is answered and closed"
            for raw in answered.values():
                status, headers, body = parse(raw)
                assert (status, headers["connection"]) == (429, "close")
                assert body == {"error": "Too many connections from this address", "success": False}
        finally:
            for s in crowd:
                s.close()
        server.stop()
        refused = [line for line in log_lines(server) if "Refused a connection" in line]
        assert 1 <= len(refused) <= 3, refused
    finally:
        server.stop()


def test_a_request_head_sent_byte_by_byte_is_cut_with_408(tmp_path):
    """A slowloris head keeps sending header lines, so the idle timeout never fires: the header
    timeout counts from its first byte."""
    server = serve(tmp_path, "connections: { idle_timeout: 60, header_timeout: 1 }\n")
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=FAILURE_BOUND) as sock:
            sock.sendall(b"GET /widget/health HTTP/1.1\r\nHost: x\r\n")
            deadline = time.monotonic() + FAILURE_BOUND
            while not select.select([sock], [], [], 0.2)[0]:
                assert time.monotonic() < deadline, "the head was never cut"
                sock.sendall(b"X-Slow: 1\r\n")
            status, headers, body = parse(read_until_closed(sock))
        assert (status, headers["connection"], headers["x-content-type-options"]) == (408, "close", "nosniff")
        assert body["success"] is False and body["error"].startswith("Request timeout")
    finally:
        server.stop()


def test_a_stalled_body_is_cut_and_a_slow_steady_one_is_accepted(tmp_path):
    server = serve(tmp_path, "connections: { idle_timeout: 60, header_timeout: 5, body_grace: 1, min_body_rate: 100 }\n")
    head = (b"POST /api/v1/?action=messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n")
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=FAILURE_BOUND) as sock:
            sock.sendall(head % 2000 + b'{"session_id": "session_stalled", "message": "')
            status, _, body = parse(read_until_closed(sock))
        assert status == 408 and body["success"] is False, "a body that stops is cut"

        # A phone on a bad link: 50 bytes every 0.1 s, five times the configured minimum.
        payload = json.dumps({"session_id": "session_slow_upload", "message": "x" * 1000}).encode()
        with socket.create_connection(("127.0.0.1", server.port), timeout=FAILURE_BOUND) as sock:
            sock.sendall(head % len(payload))
            for i in range(0, len(payload), 50):
                time.sleep(0.1)
                sock.sendall(payload[i:i + 50])
            status, _, body = parse(read_until_closed(sock))
        assert (status, body["success"]) == (200, True), "a slow upload that keeps moving succeeds"
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------
# 2. every upgrade request gets an answer

H2C = (b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n")


def test_an_h2c_upgrade_is_answered_as_plain_http11(server):
    status, headers, body = parse(exchange(server.port, b"GET /widget/health HTTP/1.1\r\nHost: x\r\n" + H2C + b"\r\n"))
    assert (status, body["data"]["status"], headers["connection"]) == (200, "healthy", "close")
    message = json.dumps({"session_id": "session_h2c_post", "message": "via h2c"}).encode()
    raw = exchange(server.port, b"POST /api/v1/?action=messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   + H2C + b"Content-Length: %d\r\n\r\n" % len(message) + message)
    assert parse(raw)[2]["success"] is True, raw
    if shutil.which("curl"):
        answer = subprocess.run(["curl", "-s", "--http2", "--max-time", str(FAILURE_BOUND), server.base_url + "/widget/health"],
                                capture_output=True, timeout=FAILURE_BOUND + 5)
        assert json.loads(answer.stdout)["data"]["status"] == "healthy", answer


WS = b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"


@pytest.mark.parametrize("request_line,headers,status,error", [
    (b"GET /api/v1/?action=responses&session_id=session_ws_elsewhere", WS, 400, "only available on the stream"),
    (b"GET /widget/health", WS, 400, "only available on the stream"),
    (b"GET /api/v1/stream?session_id=session_ws_nokey", WS.replace(b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", b""),
     400, "Sec-WebSocket-Key"),
    (b"GET /api/v1/stream?session_id=session_ws_noversion", WS.replace(b"Sec-WebSocket-Version: 13\r\n", b""),
     426, "Sec-WebSocket-Version"),
    (b"GET /api/v1/?action=stream&session_id=session_ws_v8", WS.replace(b"Version: 13", b"Version: 8"), 426, "Sec-WebSocket-Version"),
    (b"POST /api/v1/stream?session_id=session_ws_post", WS, 400, "GET"),
], ids=["api-action", "page", "no-key", "no-version", "version-8", "post"])
def test_refused_websocket_upgrades_get_the_json_error_envelope(server, request_line, headers, status, error):
    raw = exchange(server.port, request_line + b" HTTP/1.1\r\nHost: x\r\nOrigin: https://site.example\r\n" + headers + b"\r\n")
    got_status, got_headers, body = parse(raw)
    assert got_status == status, raw
    assert body["success"] is False and error in body["error"], body
    assert got_headers["content-type"] == "application/json" and got_headers["x-content-type-options"] == "nosniff"
    if request_line.split(b" ")[1].startswith(b"/api"):
        assert got_headers["access-control-allow-origin"] == "https://site.example", "CORS as on every API answer"
    if status == 426:
        assert got_headers["sec-websocket-version"] == "13"


def test_a_websocket_handshake_after_another_request_on_the_connection_gets_json(server):
    """Only a connection's first request can be upgraded; Hummingbird answered a later one with
    a body-less 307 to the same URL."""
    raw = exchange(server.port, b"GET /widget/health HTTP/1.1\r\nHost: x\r\n\r\n"
                   b"GET /api/v1/stream?session_id=session_ws_second HTTP/1.1\r\nHost: x\r\n" + WS + b"\r\n")
    status, headers, body = parse(raw)
    assert status == 200
    rest = raw.partition(b"\r\n\r\n")[2][int(headers["content-length"]):]
    status, _, body = parse(rest)
    assert status == 400 and "first request" in body["error"], rest


def test_clients_cannot_mark_their_own_requests_as_refused_upgrades(server):
    raw = exchange(server.port, b"GET /widget/health HTTP/1.1\r\nHost: x\r\nSanctum-Refused-Upgrade: version\r\nConnection: close\r\n\r\n")
    assert parse(raw)[0] == 200


# ---------------------------------------------------------------------------------------------
# 3. unreadable requests are counted, and logged once per interval

def test_a_flood_of_unreadable_requests_writes_a_line_per_interval_not_per_request(tmp_path):
    server = serve(tmp_path, "rate_limits: { enabled: false }\n")
    try:
        before = len(log_lines(server))
        started = time.monotonic()

        def client():
            for _ in range(50):
                status, _, body = parse(exchange(server.port, b"FOO /api/v1/ HTTP/1.1\r\nHost: x\r\n\r\n"))
                assert (status, body) == (400, {"error": "Bad request", "success": False})

        threads = [threading.Thread(target=client) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        assert health(server)[0] == 200
    finally:
        server.stop()
    lines = log_lines(server)[before:]
    rejected = [line for line in lines if "Rejected a request" in line]
    assert 1 <= len(rejected) <= 2 + elapsed // 10, rejected
    assert not [line for line in lines if "Error handling upgrade result" in line], "Hummingbird's line per connection is gone"
    assert sum(len(line) for line in lines) < 20_000, "400 rejected requests, a few lines of log"


# ---------------------------------------------------------------------------------------------
# 4. WebSocket frames (RFC 6455)

class RawWebSocket:
    """A hand-written client: it can send what well-behaved libraries refuse to (unmasked frames,
    invalid UTF-8)."""

    def __init__(self, server, target: str):
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=FAILURE_BOUND)
        key = base64.b64encode(os.urandom(16))
        self.sock.sendall(b"GET " + target.encode() + b" HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + b"\r\n\r\n")
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        assert chunk, "the server closed the connection without a close frame"
        return chunk

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self.buffer += self._recv()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def send(self, opcode: int, payload: bytes, masked: bool = True, fin: bool = True):
        length = len(payload)
        header = bytes([(0x80 if fin else 0) | opcode])
        mask_bit = 0x80 if masked else 0
        if length < 126:
            header += bytes([mask_bit | length])
        elif length < 65536:
            header += bytes([mask_bit | 126]) + struct.pack("!H", length)
        else:
            header += bytes([mask_bit | 127]) + struct.pack("!Q", length)
        if masked:
            key = os.urandom(4)
            payload = key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + payload)

    def receive(self) -> tuple[int, bytes]:
        first, second = self._take(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._take(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._take(8))[0]
        return first & 0x0F, self._take(length)

    def next_json(self) -> dict:
        while True:
            opcode, payload = self.receive()
            if opcode == 0x1:
                return json.loads(payload)

    def close_code(self) -> int:
        while True:
            opcode, payload = self.receive()
            if opcode == 0x8:
                return struct.unpack("!H", payload[:2])[0]

    def close(self):
        self.sock.close()


def test_an_unmasked_client_frame_closes_the_stream_with_1002(server):
    ws = RawWebSocket(server, "/api/v1/stream?session_id=session_unmasked")
    try:
        assert ws.next_json()["type"] == "ready"
        ws.send(0x1, b'{"type":"ping"}')
        assert ws.next_json() == {"type": "pong"}, "masked frames are served"
        ws.send(0x1, b'{"type":"ping"}', masked=False)
        assert ws.close_code() == 1002
        assert read_until_closed(ws.sock) == b"", "and the connection is closed"
    finally:
        ws.close()


def test_invalid_utf8_in_a_text_frame_closes_the_stream_with_1007(server):
    ws = RawWebSocket(server, "/api/v1/stream?session_id=session_bad_utf8")
    try:
        assert ws.next_json()["type"] == "ready"
        ws.send(0x1, b'{"type":"ping","x":"\xff\xfe"}')
        assert ws.close_code() == 1007
    finally:
        ws.close()


def test_invalid_utf8_in_the_auth_frame_closes_with_1007_too(server):
    ws = RawWebSocket(server, "/api/v1/stream")
    try:
        ws.send(0x1, b'{"type":"auth","key":"\xc0\xaf"}')
        assert ws.close_code() == 1007
    finally:
        ws.close()


@pytest.mark.parametrize("fragments", [1, 2], ids=["one-frame", "fragments"])
def test_a_message_over_64_kib_closes_the_stream_with_1009(server, fragments):
    ws = RawWebSocket(server, f"/api/v1/stream?session_id=session_big_{fragments}")
    try:
        assert ws.next_json()["type"] == "ready"
        payload = b"x" * (70000 // fragments)
        for i in range(fragments):
            ws.send(0x1 if i == 0 else 0x0, payload, fin=i == fragments - 1)
        assert ws.close_code() == 1009
    finally:
        ws.close()


def test_a_client_that_answers_no_ping_is_closed_and_one_that_answers_stays(tmp_path):
    server = serve(tmp_path, "realtime: { ping_interval_seconds: 1 }\n")
    silent = RawWebSocket(server, "/api/v1/stream?session_id=session_silent")
    alive = RawWebSocket(server, "/api/v1/stream?session_id=session_alive")
    try:
        assert silent.next_json()["type"] == "ready" and alive.next_json()["type"] == "ready"
        pings, until = 0, time.time() + 3.5
        while time.time() < until:
            opcode, payload = alive.receive()
            assert opcode != 0x8, "a client answering every ping is never closed"
            if opcode == 0x9:
                alive.send(0xA, payload)
                pings += 1
        assert pings >= 2
        alive.send(0x1, b'{"type":"ping"}')
        assert alive.next_json() == {"type": "pong"}
        assert silent.receive()[0] == 0x9, "the server pings"
        assert silent.close_code() == 1001, "and closes a client that never answers"
    finally:
        silent.close()
        alive.close()


def test_a_stopping_server_closes_its_streams_with_1001(tmp_path):
    server = serve(tmp_path, "")
    ws = RawWebSocket(server, "/api/v1/stream?session_id=session_shutdown")
    try:
        assert ws.next_json()["type"] == "ready"
        server.process.send_signal(signal.SIGTERM)
        assert ws.close_code() == 1001
        ws.send(0x8, struct.pack("!H", 1001))
        assert server.process.wait(timeout=FAILURE_BOUND) == 0
    finally:
        ws.close()


# ---------------------------------------------------------------------------------------------
# 5. visitor sockets never lock the console out

def test_visitor_sockets_from_an_address_do_not_lock_out_its_agents(tmp_path):
    server = serve(tmp_path, "realtime: { max_connections_per_ip: 3, max_agent_connections_per_ip: 2 }\n")
    ws_url = server.base_url.replace("http", "ws") + "/api/v1/stream"

    async def refused(ws):
        assert json.loads(await ws.recv())["code"] == "too_many_connections"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        return closed.value.rcvd.code == 4029

    async def scenario():
        visitors = [await websockets.connect(f"{ws_url}?session_id=session_crowd_{i}") for i in range(3)]
        try:
            for ws in visitors:
                assert json.loads(await ws.recv())["type"] == "ready"
            async with websockets.connect(f"{ws_url}?session_id=session_crowd_x") as extra:
                assert await refused(extra), "the visitor budget of the address is spent"
            async with websockets.connect(ws_url, additional_headers={"Authorization": "Bearer " + server.api_key}) as agent, \
                    websockets.connect(ws_url) as console:
                assert json.loads(await agent.recv())["type"] == "ready", "the agent still connects"
                await console.send(json.dumps({"type": "auth", "key": server.admin_key}))
                assert json.loads(await console.recv())["type"] == "ready", "and so does the console"
                async with websockets.connect(ws_url, additional_headers={"Authorization": "Bearer " + server.api_key}) as third:
                    assert await refused(third), "agents have a budget of their own"
            # Sockets still waiting to authenticate hold no agent slot.
            pending = [await websockets.connect(ws_url) for _ in range(2)]
            async with websockets.connect(ws_url, additional_headers={"Authorization": "Bearer " + server.api_key}) as agent:
                assert json.loads(await agent.recv())["type"] == "ready"
            for ws in pending:
                await ws.send(json.dumps({"type": "auth", "key": "wrong-key-" + secrets.token_hex(8)}))
                assert json.loads(await ws.recv())["code"] == "auth_failed"
                await ws.close()
        finally:
            for ws in visitors:
                await ws.close()

    try:
        asyncio.run(scenario())
    finally:
        server.stop()
