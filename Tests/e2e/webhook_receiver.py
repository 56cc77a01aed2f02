"""A real webhook receiver for the end-to-end tests and the benchmark: an HTTP server on
127.0.0.1 in a thread that checks `Sanctum-Signature` with the Python snippet of
docs/plugins/notifications.md and de-duplicates by `Sanctum-Delivery`, as receivers should."""
import http.server
import json
import re
import socket
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def documented_verifier():
    """The `verify` function of the Python block in docs/plugins/notifications.md, as a reader copies it."""
    page = (ROOT / "docs" / "plugins" / "notifications.md").read_text()
    block = re.search(r"```python\n(.*?)```", page, re.S).group(1)
    scope: dict = {}
    exec(block, scope)
    return scope["verify"]


class Receiver:
    """Records every delivery: `accepted` (first sight of each delivery id, in arrival order),
    `duplicates` (ids seen again) and `bad_signatures`. `delay` slows every answer; `stop()` and
    `start()` take it off the network and back on the same port."""

    def __init__(self, secret: str, delay: float = 0.0):
        self.secret = secret
        self.delay = delay
        self.verify = documented_verifier()
        self.lock = threading.Lock()
        self.accepted: list[tuple[str, dict]] = []
        self.raw: list[tuple[str, bytes]] = []  # (Sanctum-Signature, body) of every accepted delivery
        self.seen: set[str] = set()
        self.duplicates = 0
        self.bad_signatures = 0
        self.requests = 0
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.httpd = None
        self.up = False
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if not receiver.up:  # stopped: kept-alive connections get no answer either
                    self.close_connection = True
                    return
                if receiver.delay:
                    time.sleep(receiver.delay)
                delivery = self.headers.get("Sanctum-Delivery", "")
                ok = receiver.verify(receiver.secret, self.headers.get("Sanctum-Signature", ""), body)
                with receiver.lock:
                    receiver.requests += 1
                    if not ok:
                        receiver.bad_signatures += 1
                    elif delivery in receiver.seen:
                        receiver.duplicates += 1
                    else:
                        receiver.seen.add(delivery)
                        receiver.accepted.append((delivery, json.loads(body)))
                        receiver.raw.append((self.headers.get("Sanctum-Signature", ""), body))
                self.send_response(204 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.up = True

    def stop(self) -> None:
        self.up = False
        self.httpd.shutdown()
        self.httpd.server_close()

    def bodies(self) -> list[dict]:
        with self.lock:
            return [body for _, body in self.accepted]

    def wait_for(self, count: int, timeout: float = 30) -> list[dict]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            bodies = self.bodies()
            if len(bodies) >= count:
                return bodies
            time.sleep(0.05)
        raise AssertionError(f"{len(self.bodies())} of {count} deliveries arrived within {timeout} s")
