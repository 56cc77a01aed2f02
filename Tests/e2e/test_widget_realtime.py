"""Widget real time (issue 5, docs/realtime.md) in headless Chromium against a real server: replies
over the WebSocket stream without polling, typing both ways, delivery and read receipts, the
long-poll fallback when WebSockets are blocked, and 100 random connection cuts with nothing lost
or duplicated. Skipped against a server without the real-time API (it answers `events` with 400
"Invalid action" or 404)."""
import json
import random
import threading
import time

import pytest

from widget_helpers import (browser, site, context, open_page, send, bubbles, agent_reply, api, has_realtime, inbox_for, loader_tag, page_html,
                            session_id, wait_until)

ICON = '<link rel="icon" href="data:,">'
TEST_HOOK = "window.__SANCTUM_TEST__ = true;"
# A WebSocket that can never connect (as behind a proxy that blocks upgrades).
BLOCKED_WS = """(() => {
  window.__wsAttempts = 0;
  class Blocked extends EventTarget {
    constructor(url) {
      super(); window.__wsAttempts++; this.url = url; this.readyState = 0;
      setTimeout(() => { this.readyState = 3;
        if (this.onerror) this.onerror(new Event('error'));
        if (this.onclose) this.onclose({ code: 1006, reason: '', wasClean: false }); }, 20);
    }
    send() { throw new Error('not open'); }
    close() { this.readyState = 3; }
  }
  Blocked.CONNECTING = 0; Blocked.OPEN = 1; Blocked.CLOSING = 2; Blocked.CLOSED = 3;
  window.WebSocket = Blocked;
})();"""


@pytest.fixture(scope="module", autouse=True)
def realtime_server(server):
    if not has_realtime(server):
        pytest.skip("server without the real-time API (docs/realtime.md)")
    return server


def transport(page):
    return page.evaluate("SanctumChat.getState().transport")


def start_conversation(page, text="hello"):
    page.locator("#sanctum-chat-bubble").click()
    page.wait_for_function("SanctumChat.getState().isOpen")
    send(page, text)
    wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0, message="first message sent")
    return session_id(page)


def history(server, sid):
    return api(server, "GET", "history", key=server.api_key, params=f"&session_id={sid}")["data"]


def receipt(page, text):
    row = page.locator(".sanctum-message.user", has_text=text)
    return row.locator(".sanctum-receipt").get_attribute("data-receipt")


def test_reply_arrives_over_the_stream_without_polling(realtime_server, site, context):
    server = realtime_server
    url = site.add("/rt-stream", page_html(loader_tag(server, api_key=server.widget_key), head=ICON))
    page = open_page(context, url)
    sid = start_conversation(page)
    wait_until(lambda: transport(page) == "websocket", message="stream open")
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.evaluate("window.__msgs = []; SanctumChat.on('message', m => __msgs.push(m.type + ':' + m.id + ':' + m.message)); 0")
    sent_at = time.time()
    out = agent_reply(server, sid, "instant reply")
    page.locator(".sanctum-message.bot", has_text="instant reply").wait_for(timeout=3000)
    latency = time.time() - sent_at
    page.wait_for_timeout(2500)  # would cover two polls at the open-window rate
    assert not [u for u in requests if "action=responses" in u], requests
    assert page.evaluate("__msgs") == [f"bot:{out['response_id'] if 'response_id' in out else out.get('id')}:instant reply"] \
        or page.evaluate("__msgs.map(m => m.split(':').slice(2).join(':'))") == ["instant reply"]
    assert bubbles(page, "bot").count("instant reply") == 1
    assert latency < 2.0
    # the cursor is kept with the conversation: a reload resumes and shows everything once
    last = page.evaluate("SanctumChat.getState().lastEventId")
    assert last > 0
    stored = json.loads(page.evaluate("localStorage.getItem(Object.keys(localStorage).find(k => k.startsWith('sanctum-chat')))"))
    assert stored["lastEventId"] == last
    agent_reply(server, sid, "while reloading")
    page.reload()
    page.wait_for_function("SanctumChat.getState().isLoaded")
    page.locator("#sanctum-chat-bubble").click()
    page.locator(".sanctum-message.bot", has_text="while reloading").wait_for(timeout=5000)
    page.wait_for_timeout(1000)
    assert bubbles(page, "bot")[1:] == ["instant reply", "while reloading"]
    assert page.js_errors == []


def test_agent_typing_shows_the_indicator(realtime_server, site, context):
    server = realtime_server
    url = site.add("/rt-typing", page_html(loader_tag(server), head=ICON))
    page = open_page(context, url)
    sid = start_conversation(page)
    wait_until(lambda: transport(page) == "websocket", message="stream open")
    indicator = page.locator("#sanctum-typing-indicator")
    assert not indicator.is_visible()

    def agent_typing(active):
        out = api(server, "POST", "typing", {"session_id": sid, "active": active}, key=server.api_key)
        assert out["success"], out

    agent_typing(True)
    indicator.wait_for(state="visible", timeout=3000)
    agent_typing(False)
    indicator.wait_for(state="hidden", timeout=3000)
    agent_typing(True)
    indicator.wait_for(state="visible", timeout=3000)
    agent_reply(server, sid, "done typing")  # a reply hides it
    page.locator(".sanctum-message.bot", has_text="done typing").wait_for(timeout=3000)
    assert not indicator.is_visible()
    # auto-hide 6 s after the last active:true
    agent_typing(True)
    indicator.wait_for(state="visible", timeout=3000)
    started = time.time()
    indicator.wait_for(state="hidden", timeout=9000)
    assert 4.5 < time.time() - started < 8.5


def test_visitor_typing_reaches_the_agent(realtime_server, site, context):
    server = realtime_server
    url = site.add("/rt-vtyping", page_html(loader_tag(server), head=ICON))
    page = open_page(context, url)
    sid = start_conversation(page)
    wait_until(lambda: transport(page) == "websocket", message="stream open")
    before = page.evaluate("SanctumChat.getState().lastEventId")
    page.locator("#sanctum-chat-input").press_sequentially("typing…", delay=50)

    def visitor_typing_events():
        data = api(server, "GET", "events", key=server.api_key,
                   params=f"&session_id={sid}&last_event_id={before}&wait=0")["data"]
        return [e["data"]["active"] for e in data["events"]
                if e["type"] == "typing" and e["data"].get("from") == "visitor" and e["session_id"] == sid]

    wait_until(lambda: True in visitor_typing_events(), timeout=5, message="visitor typing event")
    # active:false 3 s after the last keystroke
    wait_until(lambda: visitor_typing_events()[-1:] == [False], timeout=6, message="visitor stopped typing")
    assert visitor_typing_events().count(True) <= 2, "at most one active:true per 2 s"


def test_receipts_go_sent_delivered_read(realtime_server, site, context):
    server = realtime_server
    url = site.add("/rt-receipts", page_html(loader_tag(server), head=ICON))
    page = open_page(context, url)
    sid = start_conversation(page, "receipt me")
    wait_until(lambda: transport(page) == "websocket", message="stream open")
    assert receipt(page, "receipt me") == "sent"
    row = page.locator(".sanctum-message.user", has_text="receipt me")
    assert "Sent" in row.locator(".sanctum-receipt .sanctum-sr-only").text_content()
    received = inbox_for(server, sid)  # the agent takes it: delivered
    assert [m["message"] for m in received] == ["receipt me"]
    wait_until(lambda: receipt(page, "receipt me") == "delivered", timeout=3, message="delivered")
    out = api(server, "POST", "read", {"session_id": sid, "up_to": received[0]["id"]}, key=server.api_key)
    assert out["success"], out
    wait_until(lambda: receipt(page, "receipt me") == "read", timeout=3, message="read")
    assert row.locator(".sanctum-receipt .sanctum-sr-only").text_content() == "Read"
    colour = row.locator(".sanctum-receipt").evaluate("e => getComputedStyle(e).fontWeight")
    assert colour in ("700", "bold")
    # announced politely
    wait_until(lambda: page.evaluate("[...document.querySelector('.sanctum-chat-widget').shadowRoot"
                                     ".querySelectorAll('[aria-live=polite]')].some(e => e.textContent === 'Read')"),
               timeout=2, message="announcement")
    # kept across a reload (receipts are stored with the conversation)
    page.reload()
    page.wait_for_function("SanctumChat.getState().isLoaded")
    assert receipt(page, "receipt me") == "read"


def test_visitor_read_is_sent_once_per_new_reply(realtime_server, site, context):
    server = realtime_server
    url = site.add("/rt-read", page_html(loader_tag(server), head=ICON))
    page = open_page(context, url)
    sid = start_conversation(page)
    wait_until(lambda: transport(page) == "websocket", message="stream open")
    frames = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda f: frames.append(f)))
    first = agent_reply(server, sid, "please read me")
    page.locator(".sanctum-message.bot", has_text="please read me").wait_for(timeout=3000)
    rid = first.get("response_id", first.get("id"))
    wait_until(lambda: history(server, sid).get("visitor_read_up_to") == rid, timeout=5, message="agent sees the read")
    items = history(server, sid)["items"]
    assert [i["status"] for i in items if i["type"] == "reply"] == ["read"]
    # closed window: a new reply is not read until the window is opened again
    page.evaluate("SanctumChat.close()")
    second = agent_reply(server, sid, "second")
    page.wait_for_function("SanctumChat.getState().unreadCount === 1", timeout=5000)
    page.wait_for_timeout(500)
    assert history(server, sid).get("visitor_read_up_to") == rid
    page.locator("#sanctum-chat-bubble").click()
    rid2 = second.get("response_id", second.get("id"))
    wait_until(lambda: history(server, sid).get("visitor_read_up_to") == rid2, timeout=5, message="second read")


def test_long_poll_fallback_when_websockets_are_blocked(realtime_server, site, context):
    server = realtime_server
    url = site.add("/rt-blocked", page_html(loader_tag(server), head=ICON))
    page = open_page(context, url, [BLOCKED_WS])
    sid = start_conversation(page)
    wait_until(lambda: transport(page) == "longpoll", timeout=10, message="long-poll fallback")
    assert page.evaluate("window.__wsAttempts") == 3
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    for n in range(3):
        agent_reply(server, sid, f"via long-poll {n}")
        page.locator(".sanctum-message.bot", has_text=f"via long-poll {n}").wait_for(timeout=3000)
    assert bubbles(page, "bot")[1:] == [f"via long-poll {n}" for n in range(3)]
    assert not [u for u in requests if "action=responses" in u]
    assert any("action=events" in u and "wait=25" in u for u in requests)
    # agent typing also arrives by long-poll
    api(server, "POST", "typing", {"session_id": sid, "active": True}, key=server.api_key)
    page.locator("#sanctum-typing-indicator").wait_for(state="visible", timeout=3000)
    # and the visitor's read goes over HTTP
    wait_until(lambda: history(server, sid).get("visitor_read_up_to"), timeout=5, message="read over HTTP")
    assert page.js_errors == []


def test_hundred_random_cuts_lose_and_duplicate_nothing(realtime_server, site, context):
    server = realtime_server
    url = site.add("/rt-cuts", page_html(loader_tag(server), head=ICON))
    page = open_page(context, url, [TEST_HOOK])
    sid = start_conversation(page, "visitor 0")
    wait_until(lambda: transport(page) == "websocket", message="stream open")
    rng = random.Random(5)
    replies = [f"agent reply {n:03d}" for n in range(1, 101)]
    visitor = ["visitor 0"] + [f"visitor {n}" for n in range(1, 30)]
    errors = []

    def agent():
        try:
            for text in replies:
                agent_reply(server, sid, text)
                time.sleep(rng.uniform(0.05, 0.3))
        except Exception as e:  # surfaced below
            errors.append(e)

    worker = threading.Thread(target=agent)
    worker.start()
    sent = 1
    for cut in range(100):
        page.wait_for_timeout(rng.uniform(30, 350))
        page.evaluate("SanctumChat.__test.dropConnection()")
        if cut % 3 == 1 and sent < len(visitor):
            page.evaluate("t => SanctumChat.sendMessage(t)", visitor[sent])
            sent += 1
    worker.join()
    assert not errors, errors
    while sent < len(visitor):
        page.evaluate("t => SanctumChat.sendMessage(t)", visitor[sent])
        sent += 1
    wait_until(lambda: len(bubbles(page, "bot")) >= 1 + len(replies), timeout=20, message="all replies shown")
    wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0, timeout=20, message="outbox empty")
    page.wait_for_timeout(1500)
    assert bubbles(page, "bot")[1:] == replies
    assert bubbles(page, "user") == visitor
    assert [m["message"] for m in inbox_for(server, sid)] == visitor
    assert page.js_errors == []
