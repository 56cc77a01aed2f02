"""Two-way message translation (the `i18n` plugin's `translation`) against a real Apertium APy
started by the tests (Debian's apertium-apy and apertium-eng-spa): a Spanish visitor's message
reaches the agent's poll API in English with its original in `metadata.i18n`, the agent's English
reply reaches the visitor in Spanish; in Chromium, a visitor whose browser prefers Spanish writes
and reads Spanish through the widget (the I18n module sends the language with each message) and
can show the reply's English original; a provider that is down or too slow never loses or holds a
message (it is stored untranslated and flagged within the hook's budget)."""
import json
import time
import urllib.request

import pytest

from apertium_apy import Apertium, SlowProvider, apy_installed, translation_config, wait_for_log
from conftest import start_server
from widget_helpers import browser, bubbles, loader_tag, open_page, page_html, send, site, wait_until  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(not apy_installed(), reason="apertium-apy and apertium-eng-spa are not installed (scripts/setup)")

SPANISH = "Hola, necesito ayuda con mi pedido."
ENGLISH_REPLY = "Your order has shipped today."


@pytest.fixture(scope="module")
def apy():
    a = Apertium()
    yield a
    a.stop()


def visitor_post(server, session: str, text: str, language: str | None = "es") -> tuple[dict, float]:
    body = {"session_id": session, "message": text}
    if language:
        body["metadata"] = {"i18n": {"language": language}}
    request = urllib.request.Request(server.base_url + "/api/v1/?action=messages", method="POST",
                                     data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=30) as r:
        answer = json.loads(r.read())
    assert answer["success"] is True, answer
    return answer["data"], time.monotonic() - started


def agent_call(server, query: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        server.base_url + "/api/v1/?" + query, method="GET" if body is None else "POST",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + server.api_key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as r:
        answer = json.loads(r.read())
    assert answer["success"] is True, answer
    return answer["data"]


def inbox(server) -> list[dict]:
    return agent_call(server, "action=inbox&limit=100")["messages"]


def responses(server, session: str) -> list[dict]:
    with urllib.request.urlopen(f"{server.base_url}/api/v1/?action=responses&session_id={session}", timeout=10) as r:
        answer = json.loads(r.read())
    return answer["data"]["responses"]


def test_a_spanish_visitor_and_an_english_agent_read_each_other(apy, tmp_path):
    server = start_server(database=str(tmp_path / "db.sqlite"), config=translation_config(tmp_path, apy.url))
    try:
        assert wait_for_log(server, "translation provider warmed up"), "the provider was not warmed up at start"
        posted, _ = visitor_post(server, "session_tr_es", SPANISH)
        [message] = inbox(server)
        english = apy.translate("spa|eng", SPANISH)
        assert "help" in english and english != SPANISH
        assert message["message"] == english
        assert message["metadata"] == {"i18n": {"original": SPANISH, "language": "es"}}
        assert (message["id"], message["session_id"], message["uid"]) == (posted["message_id"], "session_tr_es", posted["uid"])

        agent_call(server, "action=outbox", {"session_id": "session_tr_es", "response": ENGLISH_REPLY})
        [reply] = responses(server, "session_tr_es")
        spanish = apy.translate("eng|spa", ENGLISH_REPLY)
        assert spanish != ENGLISH_REPLY
        assert reply["response"] == spanish
        assert reply["metadata"] == {"i18n": {"original": ENGLISH_REPLY, "language": "en"}}

        # A visitor who writes in the agent language, or says nothing of theirs, is left alone.
        visitor_post(server, "session_tr_en", "Hello, I need help.", language="en")
        visitor_post(server, "session_tr_none", "Hola otra vez", language=None)
        plain = inbox(server)
        assert [(m["message"], "metadata" in m) for m in plain] == [("Hello, I need help.", False), ("Hola otra vez", False)]
        agent_call(server, "action=outbox", {"session_id": "session_tr_en", "response": ENGLISH_REPLY})
        assert [(r["response"], "metadata" in r) for r in responses(server, "session_tr_en")] == [(ENGLISH_REPLY, False)]
    finally:
        server.stop()


def test_the_widget_sends_its_language_and_shows_the_replys_original(apy, tmp_path, site, browser):
    server = start_server(database=str(tmp_path / "db.sqlite"), config=translation_config(tmp_path, apy.url))
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-ES")
    try:
        page = open_page(context, site.add("/es", page_html(loader_tag(server), head='<link rel="icon" href="data:,">')))
        wait_until(lambda: page.evaluate("() => !!SanctumChat.__moduleState && SanctumChat.__moduleState().loaded.includes('i18n')"),
                   message="the i18n module")
        page.locator("#sanctum-chat-bubble").click()
        send(page, SPANISH)
        [message] = wait_until(lambda: inbox(server), message="the visitor's message in the inbox")
        assert message["metadata"] == {"i18n": {"original": SPANISH, "language": "es"}}, "the widget sent its language"
        assert message["message"] == apy.translate("spa|eng", SPANISH)

        agent_call(server, "action=outbox", {"session_id": message["session_id"], "response": ENGLISH_REPLY})
        spanish = apy.translate("eng|spa", ENGLISH_REPLY)
        wait_until(lambda: spanish in bubbles(page, "bot"), message="the reply, in Spanish, in the widget")
        toggle = page.locator(".sanctum-message.bot .sanctum-module-decoration[data-module=i18n] button")
        assert toggle.text_content() == "Ver original" and toggle.get_attribute("aria-expanded") == "false"
        original = page.locator(".sanctum-message.bot .sanctum-module-decoration[data-module=i18n] div[lang=en]")
        assert original.is_hidden()
        toggle.click()
        assert original.is_visible() and original.text_content() == ENGLISH_REPLY
        assert toggle.text_content() == "Ver traducción" and toggle.get_attribute("aria-expanded") == "true"
        assert page.js_errors == []
    finally:
        context.close()
        server.stop()


def test_a_stopped_provider_keeps_messages_untranslated_and_flagged(tmp_path):
    stopped = Apertium()
    server = start_server(database=str(tmp_path / "db.sqlite"), config=translation_config(tmp_path, stopped.url, warm_up=False))
    try:
        stopped.stop()
        _, elapsed = visitor_post(server, "session_tr_down", SPANISH)
        assert elapsed < 2.5
        [message] = inbox(server)
        assert message["message"] == SPANISH
        assert message["metadata"] == {"i18n": {"untranslated": "unavailable", "language": "es"}}
        agent_call(server, "action=outbox", {"session_id": "session_tr_down", "response": ENGLISH_REPLY})
        [reply] = responses(server, "session_tr_down")
        assert reply["response"] == ENGLISH_REPLY
        assert reply["metadata"] == {"i18n": {"untranslated": "unavailable", "language": "en"}}
        assert wait_for_log(server, "stored untranslated (unavailable)", 5)
    finally:
        server.stop()
        stopped.stop()


def test_a_slow_provider_is_cut_off_at_the_budget(tmp_path):
    slow = SlowProvider(delay=5)
    server = start_server(database=str(tmp_path / "db.sqlite"),
                          config=translation_config(tmp_path, slow.url, budget=0.5, warm_up=False))
    try:
        _, elapsed = visitor_post(server, "session_tr_slow", SPANISH)
        assert elapsed < 1.5, f"the message waited {elapsed:.2f} s for a 0.5 s budget"
        assert slow.requests == 1
        [message] = inbox(server)
        assert message["message"] == SPANISH
        assert message["metadata"] == {"i18n": {"untranslated": "timeout", "language": "es"}}
    finally:
        server.stop()
        slow.stop()
