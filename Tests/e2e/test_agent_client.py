"""The real agent client against a real server: BRIDGE-API.md §6 (issue 2, point 8).

`BrocaClient` reproduces the Broca2 `web_chat` plugin's `api_client` request for request: one
aiohttp `ClientSession`; on every request the headers `Authorization: Bearer <key>`,
`Content-Type: application/json` (also on the body-less GET) and
`User-Agent: Broca2-WebChat-Plugin/1.0`; URLs built as `f"{api_url}/api/v1/"` with
`params=`; answers read with `response.json()` (which raises on a non-JSON content type).

The real plugin swallows every failure and turns it into "no messages" / "reply dropped", so a
test driving it verbatim would pass against a broken server. This client therefore performs
the same requests but *asserts* every condition the plugin's success path needs (status
exactly 200, JSON content type, truthy `success`, `data.messages` a list) and validates each
message the way the plugin's message handler does (§6.1).

Each test module gets its own server: the inbox is global and at-most-once, so sharing it with
other suites would let one suite consume another's messages.
"""
import asyncio
import json
import re
import urllib.request
from datetime import datetime

import aiohttp
import pytest

from apertium_apy import Apertium, apy_installed, translation_config, wait_for_log
from conftest import advance_clock, start_server

SESSION_RE = re.compile(r"^session_[a-zA-Z0-9_]+$")
USER_AGENT = "Broca2-WebChat-Plugin/1.0"


@pytest.fixture(scope="module")
def agent_server():
    s = start_server()
    yield s
    s.stop()


class BrocaClient:
    """The broca `web_chat` plugin's API client, with its success conditions asserted."""

    def __init__(self, api_url: str, api_key: str):
        self.api_url = api_url
        self.api_key = api_key
        self.session: aiohttp.ClientSession | None = None
        self.history: list[aiohttp.ClientResponse] = []  # redirect hops of the last request

    async def __aenter__(self):
        self.session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc):
        await self.session.close()

    def _headers(self) -> dict:
        return {
            "Authorization": f"Bearer {self.api_key}",
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        }

    async def get_messages(self, limit: int = 50, offset: int = 0) -> list[dict]:
        params = {"action": "inbox", "limit": min(limit, 100), "offset": offset}
        async with self.session.get(f"{self.api_url}/api/v1/", headers=self._headers(), params=params) as response:
            self.history = list(response.history)
            assert response.status == 200, f"inbox answered {response.status}: {await response.text()}"
            # Exactly what broca does: raises ContentTypeError unless the type is application/json.
            data = await response.json()
            assert data.get("success"), f"inbox success falsy: {data}"
            assert isinstance(data.get("data"), dict), data
            messages = data["data"].get("messages", [])
            assert isinstance(messages, list), data
            for message in messages:
                validate_message(message)
            return messages

    async def post_response(self, session_id: str, text: str) -> dict:
        body = {"session_id": session_id, "response": text}
        async with self.session.post(f"{self.api_url}/api/v1/", headers=self._headers(),
                                     params={"action": "outbox"}, json=body) as response:
            self.history = list(response.history)
            assert response.status == 200, f"outbox answered {response.status}: {await response.text()}"
            data = await response.json()
            assert data.get("success"), f"outbox success falsy: {data}"
            return data

    async def test_connection(self) -> list[dict]:
        """The plugin's start-up probe: `limit=1` (it discards what it gets)."""
        return await self.get_messages(limit=1)


def validate_message(message: dict) -> None:
    """The checks broca's message handler applies to every inbox record (§6.1)."""
    assert isinstance(message, dict), message
    assert isinstance(message.get("session_id"), str) and message["session_id"], message
    assert isinstance(message.get("message"), str) and message["message"], message
    uid = message.get("uid")
    assert uid is None or isinstance(uid, str), message
    ts = message.get("timestamp")
    assert ts is None or isinstance(ts, str), message
    if ts is not None:
        datetime.fromisoformat(ts.replace("Z", "+00:00"))  # raises on anything broca cannot store
    # the in-memory duplicate key broca builds
    assert f"{message['session_id']}_{message.get('id')}_{ts}"


# ---------------------------------------------------------------------------------------------
# visitor side: plain urllib, as a browser widget would (no Authorization header)

def visitor_post(base: str, session_id: str, text: str) -> dict:
    assert SESSION_RE.match(session_id)
    request = urllib.request.Request(
        base + "/api/v1/?action=messages", method="POST",
        data=json.dumps({"session_id": session_id, "message": text}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as r:
        assert r.status == 200
        body = json.loads(r.read())
    assert body["success"] is True, body
    return body["data"]


def visitor_responses(base: str, session_id: str) -> list[dict]:
    with urllib.request.urlopen(f"{base}/api/v1/?action=responses&session_id={session_id}", timeout=10) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("application/json")
        body = json.loads(r.read())
    assert body["success"] is True and body["data"]["session_id"] == session_id, body
    return body["data"]["responses"]


def admin_call(server, method: str, query: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        server.base_url + "/api/v1/?" + query, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + server.admin_key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


async def drain(client: BrocaClient, rounds: int = 50) -> list[dict]:
    """Polls like the plugin's loop (limit 50, offset 0) until a poll comes back empty."""
    seen = []
    for _ in range(rounds):
        batch = await client.get_messages(limit=50, offset=0)
        if not batch:
            return seen
        seen.extend(batch)
    raise AssertionError("inbox did not drain")


def run(coro):
    return asyncio.run(coro)


# ---------------------------------------------------------------------------------------------

def test_startup_probe_poll_reply_and_visitor_sees_it(agent_server):
    base = agent_server.base_url

    async def scenario():
        async with BrocaClient(base, agent_server.api_key) as client:
            # Start-up probe on an empty inbox: must succeed (status 200, JSON, success true).
            assert await client.test_connection() == []

            posted = [visitor_post(base, "session_probe_visitor", f"hello {i}") for i in range(3)]
            # The probe with limit=1 consumes (at most) one message: broca discards it.
            probe = await client.test_connection()
            assert len(probe) == 1 and probe[0]["id"] == posted[0]["message_id"]

            batch = await drain(client)
            assert [m["id"] for m in batch] == [p["message_id"] for p in posted[1:]]
            for m in batch:
                assert m["session_id"] == "session_probe_visitor"
                assert m["uid"] == posted[0]["uid"] and re.fullmatch(r"[0-9a-f]{16}", m["uid"])
                assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", m["timestamp"])  # DBTS
                assert set(m) == {"id", "session_id", "message", "timestamp", "uid"}

            reply = await client.post_response("session_probe_visitor", "Hi! I am the agent.")
            assert reply["data"]["session_id"] == "session_probe_visitor"
            assert isinstance(reply["data"]["response_id"], int)
            return reply["data"]["response_id"]

    response_id = run(scenario())
    responses = visitor_responses(base, "session_probe_visitor")
    assert [(r["id"], r["response"]) for r in responses] == [(response_id, "Hi! I am the agent.")]


def test_base_url_with_trailing_slash_follows_308_for_get_and_post(agent_server):
    base = agent_server.base_url
    sid = "session_trailing_slash"

    async def scenario():
        async with BrocaClient(base + "/", agent_server.api_key) as client:  # WEB_CHAT_API_URL ending in "/"
            posted = visitor_post(base, sid, "does the redirect keep my body?")
            batch = await drain(client)
            # The first poll went to //api/v1/ and was redirected.
            assert batch and batch[0]["id"] == posted["message_id"]
            await client.get_messages()
            assert [h.status for h in client.history] == [308], client.history
            assert client.history[0].url.path == "//api/v1/"
            assert client.history[0].headers["Location"].startswith("/api/v1/?")

            text = "reply sent through a 308 with method and body kept"
            reply = await client.post_response(sid, text)
            assert [h.status for h in client.history] == [308]
            assert client.history[0].method == "POST"
            assert reply["data"]["session_id"] == sid
            return text

    text = run(scenario())
    assert [r["response"] for r in visitor_responses(base, sid)] == [text]


def test_many_visitors_each_message_delivered_exactly_once(agent_server):
    """40 visitors post while two agents poll concurrently: no message is ever delivered twice,
    and (nothing being lost on the wire here) every message is delivered once."""
    base = agent_server.base_url
    visitors = [f"session_crowd_{i:03d}_x" for i in range(40)]
    per_visitor = 6

    async def post_all(index: int, sid: str) -> list[int]:
        # Each visitor connects from its own loopback address (127.0.1.x), as distinct
        # browsers would, so the per-IP visitor rate limit sees distinct clients.
        connector = aiohttp.TCPConnector(local_addr=(f"127.0.1.{index + 1}", 0))
        ids = []
        async with aiohttp.ClientSession(connector=connector) as http:
            for n in range(per_visitor):
                async with http.post(base + "/api/v1/?action=messages",
                                     json={"session_id": sid, "message": f"{sid} says {n}"}) as r:
                    assert r.status == 200, await r.text()
                    ids.append((await r.json())["data"]["message_id"])
                await asyncio.sleep(0)
        return ids

    async def agent_loop(client: BrocaClient, stop: asyncio.Event, out: list):
        while not stop.is_set():
            out.extend(await client.get_messages(limit=50, offset=0))
            await asyncio.sleep(0.01)
        out.extend(await drain(client))

    async def scenario():
        stop = asyncio.Event()
        got_a, got_b = [], []
        async with BrocaClient(base, agent_server.api_key) as a, BrocaClient(base, agent_server.api_key) as b:
            agents = [asyncio.create_task(agent_loop(a, stop, got_a)), asyncio.create_task(agent_loop(b, stop, got_b))]
            posted = await asyncio.gather(*(post_all(i, sid) for i, sid in enumerate(visitors)))
            stop.set()
            await asyncio.gather(*agents)
            # One more poll after everything: nothing may come back again.
            assert await a.get_messages() == []
            return posted, got_a + got_b

    posted, delivered = run(scenario())
    delivered_ids = [m["id"] for m in delivered]
    assert len(delivered_ids) == len(set(delivered_ids)), "a message was delivered twice"
    expected = {mid for ids in posted for mid in ids}
    assert set(delivered_ids) == expected
    by_id = {m["id"]: m for m in delivered}
    for sid, ids in zip(visitors, posted):
        for n, mid in enumerate(ids):
            assert by_id[mid]["session_id"] == sid and by_id[mid]["message"] == f"{sid} says {n}"
    # uid is stable per session (broca's user key)
    uids = {}
    for m in delivered:
        assert uids.setdefault(m["session_id"], m["uid"]) == m["uid"]
    assert len(set(uids.values())) == len(visitors)


def test_every_visitor_gets_their_own_reply(agent_server):
    base = agent_server.base_url
    visitors = [f"session_reply_{i}" for i in range(10)]

    async def scenario():
        for sid in visitors:
            visitor_post(base, sid, "question from " + sid)
        async with BrocaClient(base, agent_server.api_key) as client:
            for m in await drain(client):
                await client.post_response(m["session_id"], "answer for " + m["session_id"] + " \u2764\ufe0f")

    run(scenario())
    for sid in visitors:
        assert [r["response"] for r in visitor_responses(base, sid)] == ["answer for " + sid + " \u2764\ufe0f"]


def test_long_agent_reply_is_accepted(agent_server):
    """broca truncates nothing: a 20000-character answer must still be a 200."""
    base = agent_server.base_url
    sid = "session_long_reply"
    visitor_post(base, sid, "tell me everything")
    text = "x" * 20000

    async def scenario():
        async with BrocaClient(base, agent_server.api_key) as client:
            await drain(client)
            await client.post_response(sid, text)

    run(scenario())
    assert visitor_responses(base, sid)[-1]["response"] == text


def test_reply_after_admin_cleanup_still_succeeds(agent_server):
    """§6.2/§7.16: the agent may answer long after the visitor went quiet; a session removed by
    `cleanup` must still accept the reply (the server keeps a tombstone) and keep its uid."""
    base = agent_server.base_url
    sid = "session_cleaned_up_visitor"
    status, body = admin_call(agent_server, "POST", "action=config", {"session_timeout": "1"})
    assert status == 200 and body["success"] is True, body
    try:
        first = visitor_post(base, sid, "anyone there?")

        async def take():
            async with BrocaClient(base, agent_server.api_key) as client:
                return await drain(client)

        batch = run(take())
        assert [m["id"] for m in batch if m["session_id"] == sid] == [first["message_id"]]

        # Idle for longer than session_timeout (timestamps have one-second resolution).
        advance_clock(agent_server, 2.5)
        status, body = admin_call(agent_server, "POST", "action=cleanup")
        assert status == 200 and body["success"] is True, body
        assert body["data"]["cleaned_count"] >= 1
        assert body["data"]["message"] == f"Cleaned up {body['data']['cleaned_count']} inactive sessions"
        status, body = admin_call(agent_server, "GET", f"action=sessions&active=false&limit=100")
        assert status == 200
        assert sid not in [s["id"] for s in body["data"]["sessions"]], "cleanup did not remove the session"

        async def reply():
            async with BrocaClient(base, agent_server.api_key) as client:
                return await client.post_response(sid, "sorry for the wait")

        data = run(reply())["data"]
        assert data["session_id"] == sid
        assert "sorry for the wait" in [r["response"] for r in visitor_responses(base, sid)]

        # The visitor comes back: same uid as before (broca's user key must not change).
        again = visitor_post(base, sid, "thanks!")
        assert again["uid"] == first["uid"]
        batch = run(take())
        assert [(m["message"], m["uid"]) for m in batch if m["session_id"] == sid] == [("thanks!", first["uid"])]
    finally:
        admin_call(agent_server, "POST", "action=config", {"session_timeout": "1800"})


def test_reply_to_a_session_that_never_existed_is_rejected(agent_server):
    """Negative control for the strict client: the outbox refuses unknown sessions with 400."""
    async def scenario():
        async with aiohttp.ClientSession() as http:
            async with http.post(agent_server.base_url + "/api/v1/", params={"action": "outbox"},
                                 headers={"Authorization": "Bearer " + agent_server.api_key,
                                          "Content-Type": "application/json", "User-Agent": USER_AGENT},
                                 json={"session_id": "session_never_seen_anywhere", "response": "hi"}) as r:
                assert r.status == 400
                assert await r.json() == {"success": False, "error": "Invalid session"}

    run(scenario())


def test_wrong_key_is_a_json_401_the_client_can_read(agent_server):
    async def scenario():
        async with BrocaClient(agent_server.base_url, "not-the-key") as client:
            async with client.session.get(client.api_url + "/api/v1/", headers=client._headers(),
                                          params={"action": "inbox", "limit": 50, "offset": 0}) as r:
                assert r.status == 401
                body = await r.json()  # JSON, so broca can log it
                assert body["success"] is False and body["error"] == "Invalid API key"

    run(scenario())


@pytest.mark.skipif(not apy_installed(), reason="apertium-apy and apertium-eng-spa are not installed (scripts/setup)")
def test_the_client_works_unchanged_with_translation_on(tmp_path):
    """The `i18n` plugin translates through a real Apertium APy: broca reads the English text in
    `message` (and ignores the additive `metadata`), and its English reply reaches the visitor in
    Spanish."""
    apy = Apertium()
    server = start_server(database=str(tmp_path / "db.sqlite"), config=translation_config(tmp_path, apy.url))
    try:
        assert wait_for_log(server, "translation provider warmed up")
        sid = "session_broca_translated"
        request = urllib.request.Request(
            server.base_url + "/api/v1/?action=messages", method="POST",
            data=json.dumps({"session_id": sid, "message": "Necesito ayuda, por favor.",
                             "metadata": {"i18n": {"language": "es"}}}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as r:
            posted = json.loads(r.read())["data"]

        async def scenario():
            async with BrocaClient(server.base_url, server.api_key) as client:
                batch = await drain(client)  # validate_message checks every field broca reads
                await client.post_response(sid, "We will help you right away.")
                return batch

        [message] = run(scenario())
        assert message["message"] == apy.translate("spa|eng", "Necesito ayuda, por favor.")
        assert (message["id"], message["session_id"], message["uid"]) == (posted["message_id"], sid, posted["uid"])
        assert set(message) == {"id", "session_id", "message", "timestamp", "uid", "metadata"}
        [reply] = visitor_responses(server.base_url, sid)
        assert reply["response"] == apy.translate("eng|spa", "We will help you right away.")
    finally:
        server.stop()
        apy.stop()
