"""Structured logs: LOG_FORMAT=json writes one JSON object per line."""
import json
import os
import subprocess
import tempfile

from conftest import ROOT, start_server


def test_json_logs_are_one_object_per_line():
    server = start_server(extra_env={"LOG_FORMAT": "json"})
    server.stop()
    with open(server.database + ".log", encoding="utf-8") as log:
        lines = [line for line in log.read().splitlines() if line.strip()]
    assert lines, "the server logged its start"
    records = [json.loads(line) for line in lines]
    for record in records:
        assert {"time", "level", "label", "message", "source"} <= record.keys(), record
    assert any("serving on http://127.0.0.1" in r["message"] for r in records)


def test_an_unknown_log_format_stops_the_server_with_a_message():
    binary = os.environ.get("SANCTUM_BIN", str(ROOT / ".build" / "debug" / "sanctum"))
    database = os.path.join(tempfile.mkdtemp(prefix="sanctum-e2e-"), "sanctum.db")
    env = dict(os.environ, LOG_FORMAT="yaml", SANCTUM_API_KEY="ak_" + "1" * 32, SANCTUM_ADMIN_KEY="adm_" + "2" * 32)
    result = subprocess.run([binary, "serve", "--port", "0", "--database", database], env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert 'LOG_FORMAT: expected text or json, found "yaml"' in result.stderr + result.stdout
