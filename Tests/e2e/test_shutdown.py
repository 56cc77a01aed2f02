"""Graceful shutdown: SIGTERM while visitors post; every acknowledged message is in the database,
and the server restarts on the same file with nothing lost or corrupted."""
import json
import signal
import sqlite3
import threading
import time
import urllib.error
import urllib.request

from conftest import start_server


def post(base, session, text):
    body = json.dumps({"session_id": session, "message": text}).encode()
    request = urllib.request.Request(base + "/api/v1/?action=messages", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())["data"]["message_id"]


def test_sigterm_loses_no_acknowledged_message(tmp_path):
    config = tmp_path / "sanctum.yaml"
    config.write_text("rate_limits: { enabled: false }\n")
    server = start_server(database=str(tmp_path / "sanctum.db"), config=str(config))
    acknowledged, stop = [], threading.Event()
    lock = threading.Lock()

    def visitor(n):
        i = 0
        while not stop.is_set():
            try:
                message_id = post(server.base_url, f"session_shutdown_{n}", f"message {i}")
            except (urllib.error.URLError, ConnectionError, OSError):
                continue  # refused or cut during shutdown: not acknowledged, so the client would retry
            with lock:
                acknowledged.append(message_id)
            i += 1

    threads = [threading.Thread(target=visitor, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=20) == 0, "graceful shutdown exits 0"
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert len(acknowledged) > 50, "visitors were posting while the server stopped"

    with sqlite3.connect(f"file:{server.database}?mode=ro", uri=True) as db:
        stored = {row[0] for row in db.execute("SELECT id FROM web_chat_messages")}
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    missing = set(acknowledged) - stored
    assert not missing, f"{len(missing)} acknowledged messages were lost"

    restarted = start_server(database=server.database, config=str(config),
                             extra_env={"SANCTUM_API_KEY": server.api_key, "SANCTUM_ADMIN_KEY": server.admin_key})
    try:
        request = urllib.request.Request(restarted.base_url + "/api/v1/?action=inbox&limit=1",
                                         headers={"Authorization": "Bearer " + server.api_key})
        with urllib.request.urlopen(request, timeout=5) as response:
            total = json.loads(response.read())["data"]["pagination"]["total"]
        assert total == len(stored), "every stored message is waiting for the agent after the restart"
    finally:
        restarted.stop()
