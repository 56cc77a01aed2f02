"""Privacy through the real server on a real SQLite file (docs/privacy.md): export of a
conversation, erase for real (the erased text is in neither the database file nor its -wal/-shm,
replay and the inbox never show it again, the attachment's blob file is deleted by the plugin),
per-site retention on the server's test clock, and the audit log of admin actions. Also the two
issue-9 leftovers: a POST to another site's session id answers like a fresh id, and a bare
`responses` poll creates no session row."""
import json
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from conftest import advance_clock, start_server
from test_attachments import attachments_server, png, request, uploaded


def call(server, method, path, body=None, key=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    status, response_headers, answer = request(server, method, path, data, headers, key)
    return status, response_headers, json.loads(answer)


def post_message(server, session, text, metadata=None):
    body = {"session_id": session, "message": text, "widget_key": server.widget_key}
    if metadata:
        body["metadata"] = metadata
    status, _, answer = call(server, "POST", "/api/v1/?action=messages", body)
    assert status == 200, answer
    return answer["data"]


def reply(server, session, text):
    status, _, answer = call(server, "POST", "/api/v1/?action=outbox", {"session_id": session, "response": text}, server.api_key)
    assert status == 200, answer


def database_files(server):
    return [server.database + suffix for suffix in ("", "-wal", "-shm")]


def file_contains(path, needle: bytes) -> bool:
    try:
        with open(path, "rb") as handle:
            return needle in handle.read()
    except FileNotFoundError:
        return False


def query(server, sql, *args):
    """Runs one read on the server's SQLite file with a connection of its own, closed at once."""
    db = sqlite3.connect(server.database)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def audit(server):
    status, _, answer = call(server, "GET", "/admin/api/audit?limit=100", key=server.admin_key)
    assert status == 200, answer
    return answer["data"]["entries"]


def wait_for(condition, seconds=15.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_export_then_erase_leaves_no_trace_in_the_database_files_and_deletes_the_blob(tmp_path):
    server, files = attachments_server(tmp_path)
    try:
        marker = "PRIVATE-" + uuid.uuid4().hex
        session, other = "session_e2e_erase", "session_e2e_keep"
        photo = uploaded(server, png(12, 12), "scan.png", "image/png", session=session)
        sent = post_message(server, session, "my address is " + marker,
                            {"attachments": {"ids": [photo["attachment"]["id"]]}})
        reply(server, session, "noted " + marker)
        post_message(server, other, "unrelated")
        blobs = [path for path in (files / "blobs").rglob("*") if path.is_file()]
        assert len(blobs) == 1

        # Export: one JSON download with the session, messages (with attachment metadata), replies, events.
        status, headers, answer = call(server, "GET", f"/admin/api/privacy/export?session_id={session}", key=server.admin_key)
        assert status == 200, answer
        assert headers["Content-Disposition"] == f'attachment; filename="sanctum-export-{session}.json"'
        export = answer["data"]
        assert export["subject"] == {"session_id": session}
        assert [s["id"] for s in export["sessions"]] == [session] and export["sessions"][0]["uid"] == sent["uid"]
        assert [m["id"] for m in export["messages"]] == [sent["message_id"]]
        assert marker in export["messages"][0]["text"]
        assert export["messages"][0]["metadata"]["attachments"]["files"][0]["id"] == photo["attachment"]["id"]
        assert [r["text"] for r in export["replies"]] == ["noted " + marker]
        assert {e["type"] for e in export["events"]} >= {"message", "reply"}
        assert all(e["session_id"] == session for e in export["events"])
        status, _, missing = call(server, "GET", "/admin/api/privacy/export?session_id=session_e2e_never", key=server.admin_key)
        assert (status, missing["success"]) == (404, False)
        status, _, refused = call(server, "GET", f"/admin/api/privacy/export?session_id={session}", key=server.api_key)
        assert status == 401, refused

        # Erase: a receipt with ids and counts, no contents.
        status, _, answer = call(server, "POST", "/admin/api/privacy/erase", {"session_id": session}, server.admin_key)
        assert status == 200, answer
        receipt = answer["data"]["receipt"]
        assert receipt["session_ids"] == [session] and receipt["message_ids"] == [sent["message_id"]]
        assert receipt["counts"]["messages"] == 1 and receipt["counts"]["replies"] == 1 and receipt["counts"]["events"] >= 2
        assert marker not in json.dumps(receipt)

        # The database level: neither the file nor its WAL or shared memory holds the text.
        for path in database_files(server):
            assert not file_contains(path, marker.encode()), f"{path} still holds the erased text"
        # The plugin was told (a durable conversation_deleted event) and deleted the blob file.
        assert wait_for(lambda: not any(path.exists() for path in blobs)), "the attachment's blob file is still there"

        # Replay: neither the admin's event log nor the visitor's scope nor the inbox shows it again.
        status, _, events = call(server, "GET", "/api/v1/?action=events&last_event_id=0&wait=0", key=server.admin_key)
        assert status == 200, events
        logged = events["data"]["events"]
        assert not any(e["session_id"] == session for e in logged)
        assert marker not in json.dumps(logged)
        deleted = [e for e in logged if e["type"] == "conversation_deleted"]
        assert [e["data"] for e in deleted] == [{"session_id": session, "reason": "erase"}] and deleted[0]["session_id"] == ""
        status, _, visitor = call(server, "GET", f"/api/v1/?action=events&session_id={session}&widget_key={server.widget_key}&last_event_id=0&wait=0")
        assert status == 200 and visitor["data"]["events"] == [], visitor
        status, _, inbox = call(server, "GET", "/api/v1/?action=inbox", key=server.api_key)
        assert [m["session_id"] for m in inbox["data"]["messages"]] == [other]
        status, _, history = call(server, "GET", f"/admin/api/privacy/export?session_id={session}", key=server.admin_key)
        assert status == 404
        assert query(server, "SELECT COUNT(*) FROM web_chat_sessions WHERE id = ?", session) == [(0,)]
        assert query(server, "SELECT COUNT(*) FROM sanctum_plugin_data WHERE plugin_id = 'attachments' AND key LIKE ?",
                     f"conv:%:{session}:%") == [(0,)]

        # The audit log: who, what, which ids, never contents.
        entries = audit(server)
        actions = [(e["action"], e["targets"]) for e in entries]
        assert ("privacy.erase", [session]) in actions and ("privacy.export", [session]) in actions
        erase = next(e for e in entries if e["action"] == "privacy.erase")
        assert erase["actor"].startswith("admin:") and len(erase["actor"]) == len("admin:") + 12
        assert server.admin_key not in json.dumps(entries) and marker not in json.dumps(entries)
        assert erase["details"]["messages"] == 1

        status, _, bad = call(server, "POST", "/admin/api/privacy/erase", {"session_ids": "nope"}, server.admin_key)
        assert status == 400 and bad["success"] is False
        status, _, bad = call(server, "POST", "/admin/api/privacy/erase", {}, server.admin_key)
        assert status == 400 and bad["success"] is False
    finally:
        server.stop()


def test_retention_erases_old_conversations_on_the_test_clock(tmp_path):
    config = tmp_path / "sanctum.yaml"
    config.write_text("default_site: { retention_days: 30 }\n")
    server = start_server(database=str(tmp_path / "db.sqlite"), config=str(config))
    try:
        old_text = "OLD-" + uuid.uuid4().hex
        post_message(server, "session_e2e_old1", old_text)
        post_message(server, "session_e2e_old2", "also old")
        advance_clock(server, 31 * 86_400)
        post_message(server, "session_e2e_recent", "recent")

        def gone():
            return query(server, "SELECT COUNT(*) FROM web_chat_sessions WHERE id LIKE 'session_e2e_old%'") == [(0,)]
        assert wait_for(gone), "the retention job did not erase the old conversations"
        assert query(server, "SELECT id FROM web_chat_sessions") == [("session_e2e_recent",)]
        runs = [e for e in audit(server) if e["action"] == "retention.run"]
        assert runs and runs[0]["actor"] == "system"
        assert sorted(t for run in runs for t in run["targets"]) == ["session_e2e_old1", "session_e2e_old2"]
        status, _, events = call(server, "GET", "/api/v1/?action=events&last_event_id=0&wait=0", key=server.admin_key)
        assert old_text not in json.dumps(events)
        assert {e["data"]["reason"] for e in events["data"]["events"] if e["type"] == "conversation_deleted"} == {"retention"}
    finally:
        server.stop()


def test_admin_actions_are_audited(tmp_path):
    server = start_server(database=str(tmp_path / "db.sqlite"))
    try:
        post_message(server, "session_e2e_audit", "hello")
        status, _, _ = call(server, "POST", "/admin/api/blocks", {"kind": "ip", "value": "203.0.113.0/24", "note": "spam"}, server.admin_key)
        assert status == 200
        status, _, _ = call(server, "DELETE", "/admin/api/blocks?id=ip:203.0.113.0/24", key=server.admin_key)
        assert status == 200
        status, _, _ = call(server, "POST", "/admin/api/config", {"session_timeout": 3600}, server.admin_key)
        assert status == 200
        status, _, _ = call(server, "POST", "/admin/api/cleanup", {}, server.admin_key)
        assert status == 200
        entries = audit(server)
        assert [e["action"] for e in entries][:4] == ["sessions.cleanup", "config.update", "block.remove", "block.add"]
        assert entries[1]["targets"] == ["session_timeout"] and entries[3]["targets"] == ["ip:203.0.113.0/24"]
        assert all(e["client_ip"] == "127.0.0.1" for e in entries[:4])
        status, _, page = call(server, "GET", "/admin/api/audit?limit=2&offset=1", key=server.admin_key)
        assert [e["action"] for e in page["data"]["entries"]] == ["config.update", "block.remove"]
        assert page["data"]["pagination"] == {"total": 4, "limit": 2, "offset": 1, "has_more": True}
        status, _, _ = call(server, "GET", "/admin/api/audit", key=server.api_key)
        assert status == 401
    finally:
        server.stop()


def test_a_visitor_cannot_tell_whether_a_session_id_exists_on_another_site(tmp_path):
    config = tmp_path / "sanctum.yaml"
    config.write_text("sites:\n  - { id: other, widget_key: pk_other_site_000000 }\n")
    server = start_server(database=str(tmp_path / "db.sqlite"), config=str(config))
    try:
        body = {"session_id": "session_e2e_theirs", "message": "theirs", "widget_key": "pk_other_site_000000"}
        status, _, theirs = call(server, "POST", "/api/v1/?action=messages", body)
        assert status == 200, theirs
        answers = {}
        for session in ("session_e2e_theirs", "session_e2e_fresh"):
            status, _, answer = call(server, "POST", "/api/v1/?action=messages",
                                     {"session_id": session, "message": "probe", "widget_key": server.widget_key})
            answers[session] = (status, sorted(answer["data"]), answer["data"]["is_new_user"], len(answer["data"]["uid"]))
        assert answers["session_e2e_theirs"] == answers["session_e2e_fresh"] == (200, ["is_new_user", "message_id", "session_id", "timestamp", "uid"], True, 16)
        texts = query(server, "SELECT message FROM web_chat_messages WHERE session_id = 'session_e2e_theirs'")
        assert texts == [("theirs",)], "the probe reached no site"
    finally:
        server.stop()


def test_a_bare_responses_poll_creates_no_session_row(tmp_path):
    server = start_server(database=str(tmp_path / "db.sqlite"))
    try:
        status, _, answer = call(server, "GET", f"/api/v1/?action=responses&session_id=session_e2e_poll&widget_key={server.widget_key}")
        assert status == 200 and answer["data"] == {"session_id": "session_e2e_poll", "responses": []}
        assert query(server, "SELECT COUNT(*) FROM web_chat_sessions") == [(0,)]
        assert post_message(server, "session_e2e_poll", "hello")["is_new_user"] is True
    finally:
        server.stop()


def test_clear_data_and_cleanup_delete_the_attachments_too(tmp_path):
    server, files = attachments_server(tmp_path)
    try:
        for session, name in (("session_e2e_clear", "a.png"), ("session_e2e_idle", "b.png")):
            photo = uploaded(server, png(10 + len(session), 10), name, "image/png", session=session)
            post_message(server, session, "see " + name, {"attachments": {"ids": [photo["attachment"]["id"]]}})
        status, _, _ = call(server, "GET", "/api/v1/?action=inbox", key=server.api_key)
        assert status == 200
        blobs = [path for path in (files / "blobs").rglob("*") if path.is_file()]
        assert len(blobs) == 2
        # The idle cleanup (both conversations delivered, clock past the timeout) tells the plugin.
        advance_clock(server, 3600)
        status, _, answer = call(server, "POST", "/admin/api/cleanup", {}, server.admin_key)
        assert status == 200 and answer["data"]["cleaned_count"] == 2, answer
        assert wait_for(lambda: not any(path.exists() for path in blobs)), "cleanup left the blob files"
        # clear_data too.
        photo = uploaded(server, png(30, 10), "c.png", "image/png", session="session_e2e_clear")
        post_message(server, "session_e2e_clear", "again", {"attachments": {"ids": [photo["attachment"]["id"]]}})
        blobs = [path for path in (files / "blobs").rglob("*") if path.is_file()]
        assert len(blobs) == 1
        status, _, answer = call(server, "POST", "/admin/api/clear_data", {}, server.admin_key)
        assert status == 200, answer
        assert wait_for(lambda: not any(path.exists() for path in blobs)), "clear_data left the blob file"
        reasons = [e["details"] for e in audit(server) if e["action"] in ("data.clear", "sessions.cleanup")]
        assert len(reasons) == 2
    finally:
        server.stop()
