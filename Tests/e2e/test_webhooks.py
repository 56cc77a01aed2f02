"""Operator webhooks (the `notifications` plugin) against a real receiver on loopback: signed
bodies that the documented Python snippet verifies, delivery after the receiver comes back (in
order per conversation), and at-least-once across a kill -9 of the server."""
import json
import re
import shutil
import subprocess
import time
import urllib.request

import pytest

from conftest import ROOT, start_server
from test_plugins import post_message
from webhook_receiver import Receiver

SECRET = "whsec_e2e_0123456789abcdef"


def webhook_config(tmp_path, receiver: Receiver) -> str:
    config = tmp_path / "webhooks.yaml"
    config.write_text(
        "outbound:\n"
        "  allowed_hosts: [127.0.0.1]\n"
        "tiers:\n"
        "  premium: { plugins: [notifications] }\n"
        "plugins:\n"
        "  notifications:\n"
        "    timeout_seconds: 2\n"
        "    first_retry_seconds: 0.5\n"
        "    max_retry_interval_seconds: 1\n"
        "    breaker_cooldown_seconds: 1\n"
        "    webhooks:\n"
        f"      - {{ site: acme, url: \"{receiver.url}\", secret: {SECRET} }}\n"
        "sites:\n"
        "  - { id: acme, tier: premium, widget_key: pk_acme_hooks }\n")
    return str(config)


def admin_get(server, path: str) -> dict:
    request = urllib.request.Request(server.base_url + path, headers={"Authorization": "Bearer " + server.admin_key})
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    assert answer["success"] is True
    return answer["data"]


def by_conversation(bodies: list[dict]) -> dict[str, list[str]]:
    """The `data.text` of each `message.created`, per conversation, in arrival order."""
    result: dict[str, list[str]] = {}
    for body in bodies:
        if body["type"] == "message.created":
            result.setdefault(body["data"]["conversation_id"], []).append(body["data"]["text"])
    return result


@pytest.fixture
def receiver():
    r = Receiver(SECRET)
    yield r
    r.stop()


def test_a_delivery_is_signed_and_the_documented_snippet_verifies_it(tmp_path, receiver):
    server = start_server(database=str(tmp_path / "db.sqlite"), config=webhook_config(tmp_path, receiver))
    try:
        status, _ = post_message(server, "pk_acme_hooks", "session_sig", "hello hooks")
        assert status == 200
        created, message = receiver.wait_for(2)
        assert receiver.bad_signatures == 0
        assert created["type"] == "conversation.created" and created["data"]["conversation_id"] == "session_sig"
        assert set(message) == {"id", "type", "site", "created_at", "data"}
        assert (message["type"], message["site"], message["data"]["text"]) == ("message.created", "acme", "hello hooks")
        assert receiver.verify("a-different-secret-123", "t=1,v1=00", b"{}") is False
        deadline = time.time() + 10  # the server records an answer just after the receiver sent it
        while True:
            listed = admin_get(server, "/plugins/notifications/deliveries?site_id=acme")
            if [d["state"] for d in listed["deliveries"]] == ["delivered", "delivered"] or time.time() > deadline:
                break
            time.sleep(0.1)
        assert [d["state"] for d in listed["deliveries"]] == ["delivered", "delivered"]
        assert all(d["attempts"][-1]["status"] == 204 for d in listed["deliveries"])
    finally:
        server.stop()


def documented_block(language: str) -> str:
    page = (ROOT / "docs" / "plugins" / "notifications.md").read_text()
    return re.search(rf"```{language}\n(.*?)```", page, re.S).group(1)


@pytest.mark.parametrize("language", ["js", "php"])
def test_the_node_and_php_snippets_verify_a_real_delivery(tmp_path, receiver, language):
    runtime = {"js": "node", "php": "php"}[language]
    if shutil.which(runtime) is None:
        pytest.skip(f"{runtime} is not installed")
    server = start_server(database=str(tmp_path / "db.sqlite"), config=webhook_config(tmp_path, receiver))
    try:
        assert post_message(server, "pk_acme_hooks", "session_snippets", "verify me")[0] == 200
        receiver.wait_for(2)
    finally:
        server.stop()
    header, body = receiver.raw[-1]
    (tmp_path / "body.json").write_bytes(body)
    if language == "js":
        script = tmp_path / "verify.js"
        script.write_text(documented_block("js") + "\nconst fs = require('fs');\nconst body = fs.readFileSync(process.argv[2]);\n"
                          "console.log(verify(process.argv[3], process.argv[4], body), verify('wrong-secret-0123456', process.argv[4], body));\n")
        command = ["node", str(script), str(tmp_path / "body.json"), SECRET, header]
    else:
        script = tmp_path / "verify.php"
        script.write_text(documented_block("php") + "\n$body = file_get_contents($argv[1]);\n"
                          "echo json_encode([sanctum_verify($argv[2], $argv[3], $body), sanctum_verify('wrong-secret-0123456', $argv[3], $body)]);\n")
        command = ["php", str(script), str(tmp_path / "body.json"), SECRET, header]
    output = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert output.returncode == 0, output.stderr
    assert output.stdout.replace(" ", "").strip() in ("truefalse", "[true,false]"), output.stdout


def test_a_receiver_down_for_a_while_gets_everything_after_it_is_back_in_order(tmp_path, receiver):
    server = start_server(database=str(tmp_path / "db.sqlite"), config=webhook_config(tmp_path, receiver))
    try:
        receiver.stop()
        for index in range(4):
            for session in ("session_down_a", "session_down_b"):
                assert post_message(server, "pk_acme_hooks", session, f"{session} {index}")[0] == 200
        time.sleep(3)
        failing = admin_get(server, "/plugins/notifications/deliveries?site_id=acme&state=pending")
        assert failing["deliveries"], "queued while the receiver is down"
        assert any(a["error"] for d in failing["deliveries"] for a in d["attempts"]), "the attempt log says why"
        receiver.start()
        bodies = receiver.wait_for(10, timeout=30)
        assert by_conversation(bodies) == {s: [f"{s} {i}" for i in range(4)] for s in ("session_down_a", "session_down_b")}
        assert receiver.bad_signatures == 0
    finally:
        server.stop()


def test_kill_9_during_delivery_still_delivers_every_event_once_per_delivery_id(tmp_path):
    slow = Receiver(SECRET, delay=0.3)
    database = str(tmp_path / "db.sqlite")
    config = webhook_config(tmp_path, slow)
    server = start_server(database=database, config=config)
    try:
        sessions = [f"session_kill_{n}" for n in range(3)]
        for index in range(5):
            for session in sessions:
                assert post_message(server, "pk_acme_hooks", session, f"{session} {index}")[0] == 200
        time.sleep(0.5)
        assert len(slow.bodies()) < 18, "the kill comes while deliveries are still going out"
        server.process.kill()
        server.process.wait()
        server = start_server(database=database, config=config)
        bodies = slow.wait_for(18, timeout=60)
        assert len({(b["id"]) for b in bodies}) == 18
        assert by_conversation(bodies) == {s: [f"{s} {i}" for i in range(5)] for s in sessions}
        assert slow.bad_signatures == 0
    finally:
        server.stop()
        slow.stop()
