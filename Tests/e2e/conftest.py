"""Shared fixtures for the end-to-end suites: a real `sanctum` server on loopback.

The server binary is `$SANCTUM_BIN` or `.build/debug/sanctum`; every test session gets a
fresh SQLite file and fresh random keys, so nothing leaks between runs.
"""
import os
import secrets
import socket
import subprocess
import tempfile
import time
import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running sanctum server: its base URL, keys, database path and process."""

    base_url: str
    api_key: str
    admin_key: str
    widget_key: str
    database: str
    process: subprocess.Popen
    port: int

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_server(database: str | None = None, extra_env: dict | None = None, port: int | None = None,
                 config: str | None = None, open_files: int | None = None) -> Server:
    """Starts `sanctum serve` on 127.0.0.1 (with `--config config` when given) and waits until
    /widget/health answers. `database` is a SQLite path (default: a fresh one) or a
    `postgres://` URL (the log then goes to a temporary folder). `extra_env` overrides the environment, keys included; `open_files`
    starts it under `ulimit -n` (soft and hard, so the server cannot raise it)."""
    binary = os.environ.get("SANCTUM_BIN", str(ROOT / ".build" / "debug" / "sanctum"))
    port = port or free_port()
    if database is None:
        database = os.path.join(tempfile.mkdtemp(prefix="sanctum-e2e-"), "sanctum.db")
    env = dict(os.environ)
    env.update(
        SANCTUM_API_KEY=env.get("E2E_API_KEY", "ak_" + secrets.token_hex(16)),
        SANCTUM_ADMIN_KEY=env.get("E2E_ADMIN_KEY", "adm_" + secrets.token_hex(16)),
        SANCTUM_WIDGET_KEY=env.get("E2E_WIDGET_KEY", "pk_" + secrets.token_hex(12)),
        # Time-based rules (leases, cleanup) are tested by moving the server's clock, not by sleeping.
        SANCTUM_TEST_CLOCK="1",
    )
    env.update(extra_env or {})
    is_url = database.startswith(("postgres://", "postgresql://"))
    log_path = os.path.join(tempfile.mkdtemp(prefix="sanctum-e2e-"), "sanctum.log") if is_url else database + ".log"
    log = open(log_path, "ab")
    limit = ["bash", "-c", f'ulimit -n {open_files} && exec "$@"', "bash"] if open_files else []
    process = subprocess.Popen(
        limit + [binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--database", database]
        + (["--config", config] if config else []),
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sanctum exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(base + "/widget/health", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("sanctum did not start within 30 s")
    return Server(base, env["SANCTUM_API_KEY"], env["SANCTUM_ADMIN_KEY"], env["SANCTUM_WIDGET_KEY"],
                  database, process, port)


def advance_clock(server: "Server", seconds: float) -> None:
    """Moves the server's clock forward (`POST /_test/clock`, admin key; SANCTUM_TEST_CLOCK=1)."""
    request = urllib.request.Request(
        server.base_url + "/_test/clock", method="POST", data=json.dumps({"advance": seconds}).encode(),
        headers={"Authorization": "Bearer " + server.admin_key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as r:
        assert r.status == 200


@pytest.fixture(scope="session")
def server():
    """One server for the whole test session (tests use distinct session ids)."""
    s = start_server()
    yield s
    s.stop()
