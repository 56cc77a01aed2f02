"""The operator console (/admin/) in headless Chromium against a real server: an operator answers
a visitor end to end over the live stream (docs/realtime.md, docs/console.md).

The visitor side is simulated over HTTP (`messages`, `typing`, `read`, `events`, `responses`)."""
import http.client
import json
import secrets
import time
import urllib.error
import urllib.request

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from conftest import start_server
from widget_helpers import ARTIFACTS, browser, wait_until  # noqa: F401 (fixture)

XSS = ['<img src=x onerror="window.__xss=1">', "<script>window.__xss=2</script>",
       '"><svg onload=window.__xss=3>', "&lt;b&gt;not bold&lt;/b&gt; <b>bold?</b>"]


# --- the visitor side (HTTP) ----------------------------------------------------------------

def call(server, method, action, body=None, key=None, params=""):
    """Bridge API call; returns (status, parsed JSON) without raising on HTTP errors."""
    url = f"{server.base_url}/api/v1/?action={action}{params}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Authorization", "Bearer " + key)
    try:
        with urllib.request.urlopen(req, timeout=35) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def ok(server, method, action, body=None, key=None, params=""):
    status, out = call(server, method, action, body, key, params)
    assert status == 200 and out["success"], (method, action, body, params, status, out)
    return out["data"]


def visitor_says(server, sid, text, widget_key=None):
    body = {"session_id": sid, "message": text}
    if widget_key:
        body["widget_key"] = widget_key
    return ok(server, "POST", "messages", body)


def visitor_events(server, sid, widget_key=None):
    params = f"&session_id={sid}&last_event_id=0&wait=0" + (f"&widget_key={widget_key}" if widget_key else "")
    return ok(server, "GET", "events", params=params)["events"]


def visitor_replies(server, sid, widget_key=None):
    params = f"&session_id={sid}" + (f"&widget_key={widget_key}" if widget_key else "")
    return [r["response"] for r in ok(server, "GET", "responses", params=params)["responses"]]


def wrong_keys_from(server, ip, count):
    """Sends `count` wrong keys from the loopback address `ip`; returns the last status."""
    for n in range(count):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10, source_address=(ip, 0))
        connection.request("GET", "/api/v1/?action=inbox", headers={"Authorization": f"Bearer wrong-key-{n:02d}-0123456789"})
        status = connection.getresponse().status
        connection.close()
    return status


def new_sid(tag):
    return f"session_{tag}_{secrets.token_hex(6)}"


# --- the console side (browser) -------------------------------------------------------------

@pytest.fixture
def contexts(browser):
    made = []

    def make(width=1280, height=800, scheme="light", **kwargs):
        ctx = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme, **kwargs)
        made.append(ctx)
        return ctx
    yield make
    for ctx in made:
        ctx.close()


def open_console(ctx, server):
    page = ctx.new_page()
    page.js_errors = []
    page.on("pageerror", lambda e: page.js_errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and page.js_errors.append(m.text))
    page.goto(server.base_url + "/admin/")
    return page


def sign_in(page, key, expect_role):
    page.locator("#keyInput").fill(key)
    page.locator("#signInButton").click()
    expect(page.locator("#conversationsView")).to_be_visible()
    expect(page.locator("#role")).to_have_text(expect_role)
    assert key not in page.url
    assert page.evaluate("Object.keys(localStorage).length") == 0, "the key must never reach localStorage"


def wait_live(page, states=("live",)):
    page.wait_for_function("s => s.includes(document.querySelector('#connection').dataset.state)", arg=list(states), timeout=15000)


def item(page, sid):
    return page.locator(f'#conversationList .conv-btn[data-sid="{sid}"]')


def badge(page, sid):
    return item(page, sid).locator(".badge")


def settle(page):
    page.wait_for_timeout(150)


def assert_no_serious_axe_violations(page):
    settle(page)
    violations = Axe().run(page).response["violations"]
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert bad == [], "\n".join(f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
                                for v in bad)


def screenshot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    settle(page)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


# --- tests ----------------------------------------------------------------------------------

def test_operator_answers_a_visitor_end_to_end(server, contexts):
    page = open_console(contexts(), server)
    expect(page.locator("#signInView")).to_be_visible()
    assert_no_serious_axe_violations(page)
    screenshot(page, "console-sign-in")
    sign_in(page, server.admin_key, "Admin")
    expect(page.locator("#navSettings")).to_be_visible()
    wait_live(page)

    # a visitor writes: the conversation appears live, on top, with an unread count
    sid = new_sid("e2e")
    visitor_says(server, sid, "Hello, is anyone there?")
    expect(item(page, sid)).to_be_visible()
    expect(badge(page, sid)).to_contain_text("1")
    for payload in XSS:
        visitor_says(server, sid, payload)
    expect(badge(page, sid)).to_contain_text(str(1 + len(XSS)))
    assert page.locator("#conversationList .conv-btn").first.get_attribute("data-sid") == sid
    expect(item(page, sid).locator(".conv-preview")).to_have_text(XSS[-1])
    assert "unread" in item(page, sid).inner_text()
    assert page.title().startswith("("), "the unread total is in the title"

    # the operator opens it: history, unread clears, the visitor sees a read receipt
    item(page, sid).click()
    expect(page.locator("#chatTitle")).to_have_text(sid)
    texts = page.locator("#messages .msg.visitor .msg-text")
    expect(texts).to_have_count(1 + len(XSS))
    assert texts.all_text_contents() == ["Hello, is anyone there?"] + XSS
    assert page.evaluate("window.__xss") is None
    assert page.locator("#messages img, #messages script, #messages svg, #messages b, #conversationList img").count() == 0
    expect(badge(page, sid)).to_be_hidden()
    last_id = max(e["data"]["message_id"] for e in visitor_events(server, sid) if e["type"] == "message")
    wait_until(lambda: any(e["type"] == "read" and e["data"].get("by") == "agent" and e["data"].get("up_to") == last_id
                           for e in visitor_events(server, sid)), message="an agent read receipt for the visitor")

    # the visitor types: the console shows it, then it clears when the visitor stops
    ok(server, "POST", "typing", {"session_id": sid, "active": True})
    expect(page.locator("#typing")).to_have_text("Visitor is typing…")
    ok(server, "POST", "typing", {"session_id": sid, "active": False})
    expect(page.locator("#typing")).to_have_text("")

    # the operator types: the visitor receives typing events
    box = page.locator("#replyInput")
    box.press_sequentially("Hi! How can I help?", delay=20)
    wait_until(lambda: any(e["type"] == "typing" and e["data"] == {"from": "agent", "active": True}
                           for e in visitor_events(server, sid)), message="agent typing event")
    screenshot(page, "console-desktop-typing")

    # … and replies with Enter: the visitor gets the reply, typing stops
    box.press("Enter")
    reply = page.locator("#messages .msg.agent")
    expect(reply).to_have_count(1)
    expect(reply.locator(".msg-text")).to_have_text("Hi! How can I help?")
    expect(box).to_have_value("")
    wait_until(lambda: visitor_replies(server, sid) == ["Hi! How can I help?"], message="the reply reaches the visitor")
    wait_until(lambda: [e["data"]["active"] for e in visitor_events(server, sid) if e["type"] == "typing"
                        and e["data"]["from"] == "agent"][-1] is False, message="typing stopped on send")
    expect(reply.locator(".receipt")).to_contain_text("Sent")

    # the visitor reads the reply: the operator sees it
    response_id = ok(server, "GET", "responses", params=f"&session_id={sid}")["responses"][0]["id"]
    ok(server, "POST", "read", {"session_id": sid, "up_to": response_id})
    expect(reply.locator(".receipt")).to_contain_text("Read")

    # a new visitor message while the conversation is open: appended, never unread, marked read
    data = visitor_says(server, sid, "Thanks! <i>one more</i> thing")
    expect(texts).to_have_count(2 + len(XSS))
    expect(texts.last).to_have_text("Thanks! <i>one more</i> thing")
    expect(badge(page, sid)).to_be_hidden()
    wait_until(lambda: any(e["type"] == "read" and e["data"] == {"by": "agent", "up_to": data["message_id"]}
                           for e in visitor_events(server, sid)), message="live message marked read")

    # a message in another conversation counts as unread there
    other = new_sid("other")
    visitor_says(server, other, "Somebody else")
    expect(badge(page, other)).to_contain_text("1")
    assert page.locator("#conversationList .conv-btn").first.get_attribute("data-sid") == other

    # history after reload (the key survives in sessionStorage, the reply shows as read)
    page.reload()
    expect(page.locator("#conversationsView")).to_be_visible()
    item(page, sid).click()
    expect(page.locator("#messages .msg.agent .receipt")).to_contain_text("Read")
    assert_no_serious_axe_violations(page)
    screenshot(page, "console-desktop")
    assert page.js_errors == []


def test_phone_layout_dark_and_keyboard(server, contexts):
    sid = new_sid("phone")
    visitor_says(server, sid, "Writing from a phone with a rather long message that has to wrap nicely "
                              "on a narrow screen without overflowing anything.")
    ctx = contexts(375, 740, scheme="dark", is_mobile=True, has_touch=True, device_scale_factor=2)
    page = open_console(ctx, server)
    sign_in(page, server.admin_key, "Admin")
    wait_live(page)
    expect(item(page, sid)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "no horizontal scrolling on a phone"
    assert_no_serious_axe_violations(page)
    screenshot(page, "console-phone-list")
    item(page, sid).click()
    expect(page.locator("#chat")).to_be_visible()
    expect(page.locator("#conversationList")).to_be_hidden()  # one pane at a time
    page.locator("#replyInput").fill("Hello phone")
    page.locator("#sendButton").click()
    expect(page.locator("#messages .msg.agent")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_no_serious_axe_violations(page)
    screenshot(page, "console-phone-chat")
    page.locator("#back").click()
    expect(page.locator("#conversationList")).to_be_visible()
    expect(item(page, sid)).to_be_focused()

    # keyboard on a desktop: "/" searches, arrows move in the list, Enter opens, Escape returns
    page = open_console(contexts(), server)
    sign_in(page, server.admin_key, "Admin")
    page.locator("body").click()
    page.keyboard.press("/")
    expect(page.locator("#search")).to_be_focused()
    page.keyboard.type(sid)
    expect(page.locator("#conversationList .conv-btn")).to_have_count(1)
    page.keyboard.press("Tab")
    expect(item(page, sid)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#replyInput")).to_be_focused()
    expect(page.locator("#messages .msg")).to_have_count(2)
    page.keyboard.press("Escape")
    expect(item(page, sid)).to_be_focused()
    assert page.js_errors == []


def test_search_by_session_and_uid(server, contexts):
    tag = secrets.token_hex(4)
    first, second = f"session_find_{tag}_one", f"session_find_{tag}_two"
    uid = visitor_says(server, first, "first")["uid"]
    visitor_says(server, second, "second")
    page = open_console(contexts(), server)
    sign_in(page, server.admin_key, "Admin")
    page.locator("#search").fill(f"session_find_{tag}")
    expect(page.locator("#conversationList .conv-btn")).to_have_count(2)
    page.locator("#search").fill(first)
    expect(page.locator("#conversationList .conv-btn")).to_have_count(1)
    expect(item(page, first)).to_be_visible()
    page.locator("#search").fill(uid)
    expect(item(page, first)).to_be_visible()
    expect(item(page, first).locator(".conv-sub")).to_contain_text(uid)
    page.locator("#search").fill("session_nothing_matches_this")
    expect(page.locator("#conversationList .conv-btn")).to_have_count(0)
    expect(page.locator("#listSummary")).to_contain_text("No conversation matches")


def test_an_operator_blocks_a_visitor_from_the_conversation_and_unblocks_them(server, contexts):
    sid = new_sid("block")
    visitor_says(server, sid, "buy cheap pills")
    page = open_console(contexts(), server)
    sign_in(page, server.admin_key, "Admin")
    item(page, sid).click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#blockVisitor").click()
    expect(page.locator("#status")).to_contain_text("Visitor blocked")
    status, body = call(server, "POST", "messages", {"session_id": sid, "message": "more pills"})
    assert (status, body["error"], body["error_code"]) == (400, "Message could not be sent", "message.refused")
    page.locator("#navSettings").click()
    row = page.locator("#blockRows tr", has_text=sid)
    expect(row).to_be_visible()
    row.get_by_role("button", name="Unblock " + sid).click()
    expect(page.locator("#blockRows tr", has_text=sid)).to_have_count(0)
    assert call(server, "POST", "messages", {"session_id": sid, "message": "sorry"})[0] == 200
    assert page.js_errors == []


def test_an_operator_exports_and_erases_a_conversation_and_sees_the_audit_log(server, contexts):
    sid = new_sid("erase")
    visitor_says(server, sid, "please forget me")
    page = open_console(contexts(accept_downloads=True), server)
    sign_in(page, server.admin_key, "Admin")
    item(page, sid).click()
    with page.expect_download() as download:
        page.locator("#exportConversation").click()
    assert download.value.suggested_filename == f"sanctum-export-{sid}.json"
    exported = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert [m["text"] for m in exported["messages"]] == ["please forget me"]
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#eraseConversation").click()
    expect(page.locator("#status")).to_contain_text("Erased: 1 messages")
    expect(item(page, sid)).to_have_count(0)
    expect(page.locator("#chat")).to_be_hidden()
    status, body = call(server, "GET", "history", key=server.admin_key, params="&session_id=" + sid)
    assert status == 404, body
    page.locator("#navSettings").click()
    expect(page.locator("#auditRows tr", has_text="privacy.erase")).to_contain_text(sid)
    expect(page.locator("#auditRows tr", has_text="privacy.export")).to_contain_text(sid)
    assert "please forget me" not in page.locator("#auditRows").inner_text()
    assert page.js_errors == []


def test_wrong_key_is_refused_in_the_status_region(server, contexts):
    page = open_console(contexts(), server)
    page.locator("#keyInput").fill("<b>definitely-not-a-key</b>")
    page.locator("#signInButton").click()
    expect(page.locator("#status")).to_contain_text("neither the admin key nor")
    assert page.locator("#status").get_attribute("role") == "status"
    assert page.locator("#status b").count() == 0
    expect(page.locator("#signInView")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


def test_agent_key_sees_only_its_site(browser, contexts, tmp_path):
    config = tmp_path / "sites.yaml"
    config.write_text("sites:\n  - id: a\n    widget_key: pk_a\n  - id: b\n    widget_key: pk_b\n")
    key_a, key_b = "agent_a_" + secrets.token_hex(12), "agent_b_" + secrets.token_hex(12)
    srv = start_server(database=str(tmp_path / "sanctum.db"), config=str(config),
                       extra_env={"SANCTUM_SITE_A_AGENT_KEY": key_a, "SANCTUM_SITE_B_AGENT_KEY": key_b})
    try:
        sid_a, sid_b = new_sid("site_a"), new_sid("site_b")
        visitor_says(srv, sid_a, "hello from site a", widget_key="pk_a")
        visitor_says(srv, sid_b, "hello from site b", widget_key="pk_b")

        page = open_console(contexts(), srv)
        sign_in(page, key_a, "Agent")
        expect(page.locator("#navSettings")).to_be_hidden()
        expect(page.locator("#settingsView")).to_be_hidden()
        expect(item(page, sid_a)).to_be_visible()
        expect(item(page, sid_b)).to_have_count(0)
        wait_live(page)
        # live: only site a's new conversations arrive
        sid_a2, sid_b2 = new_sid("site_a2"), new_sid("site_b2")
        visitor_says(srv, sid_b2, "b again", widget_key="pk_b")
        visitor_says(srv, sid_a2, "a again", widget_key="pk_a")
        expect(item(page, sid_a2)).to_be_visible()
        expect(badge(page, sid_a2)).to_contain_text("1")
        page.wait_for_timeout(500)
        assert page.locator(f'.conv-btn[data-sid^="session_site_b"]').count() == 0
        # the agent answers its visitor
        item(page, sid_a2).click()
        page.locator("#replyInput").fill("agent a here")
        page.locator("#replyInput").press("Enter")
        wait_until(lambda: visitor_replies(srv, sid_a2, "pk_a") == ["agent a here"], message="site a reply")
        assert page.evaluate("document.body.innerText").count("site_b") == 0
        assert_no_serious_axe_violations(page)
        screenshot(page, "console-agent")
        # the only failed request is the admin probe that tells an agent key from the admin key
        assert [e for e in page.js_errors if "status of 401" not in e] == []

        # the admin key sees both sites, labelled
        page = open_console(contexts(), srv)
        sign_in(page, srv.admin_key, "Admin")
        expect(item(page, sid_a)).to_be_visible()
        expect(item(page, sid_b)).to_be_visible()
        expect(item(page, sid_b).locator(".conv-sub")).to_contain_text("site b")
    finally:
        srv.stop()


def test_admin_settings_cleanup_clear_and_key_rotation(contexts, tmp_path):
    srv = start_server(database=str(tmp_path / "sanctum.db"))
    try:
        sid = new_sid("settings")
        visitor_says(srv, sid, "keep me until cleared")
        assert wrong_keys_from(srv, "127.0.7.1", 21) == 429
        page = open_console(contexts(), srv)
        sign_in(page, srv.admin_key, "Admin")
        expect(item(page, sid)).to_be_visible()
        page.locator("#navSettings").click()
        expect(page.locator("#settingsView")).to_be_visible()
        expect(page.locator("#navSettings")).to_have_attribute("aria-current", "page")
        rows = page.locator("#configRows tr")
        expect(rows.first).to_be_visible()
        body = page.locator("#settingsView").inner_text()
        assert srv.admin_key not in body and srv.api_key not in body
        admin_row = page.locator("#configRows tr", has_text="admin_key")
        expect(admin_row.locator(".secret")).to_be_visible()
        assert admin_row.locator("input").count() == 0
        assert all(v != "********" for v in page.locator("#configRows input").evaluate_all("l => l.map(i => i.value)"))
        # key lockouts (issue 9): the guessing address, its wrong keys and refusals
        lockout = page.locator("#lockoutRows tr", has_text="127.0.7.1")
        expect(lockout).to_be_visible()
        cells = lockout.locator("td").all_inner_texts()
        assert cells[:3] == ["127.0.7.1", "20", "1"] and cells[3], cells
        expect(page.locator("#lockoutNone")).to_be_hidden()
        assert_no_serious_axe_violations(page)
        screenshot(page, "console-settings")

        dialogs = []

        def answer(accept):
            def handler(dialog):
                dialogs.append(dialog.message)
                dialog.accept() if accept.pop(0) else dialog.dismiss()
            return handler

        # cleanup asks first
        page.once("dialog", answer([True]))
        page.locator("#cleanup").click()
        expect(page.locator("#status")).to_have_class("status ok")
        assert "inactive" in dialogs[-1]

        # clear all: refusing the second confirmation deletes nothing
        choices = [True, False]
        handler = answer(choices)
        page.on("dialog", handler)
        page.locator("#clearAll").click()
        page.wait_for_timeout(300)
        page.remove_listener("dialog", handler)
        assert len(dialogs) == 3
        assert visitor_events(srv, sid), "nothing deleted after one refusal"
        assert ok(srv, "GET", "conversations", key=srv.admin_key, params="&limit=5")["conversations"]
        choices = [True, True]
        handler = answer(choices)
        page.on("dialog", handler)
        page.locator("#clearAll").click()
        expect(page.locator("#status")).to_contain_text("deleted")
        page.remove_listener("dialog", handler)
        assert ok(srv, "GET", "conversations", key=srv.admin_key, params="&limit=5")["conversations"] == []
        page.locator("#refreshLockouts").click()  # clear_data also resets the rate limits
        expect(page.locator("#lockoutNone")).to_be_visible()
        expect(page.locator("#lockoutTable")).to_be_hidden()

        # key rotation: too short is refused in the page; a good one takes over the session
        page.locator("#newAdminKey").fill("short")
        page.locator("#rotateKeys").click()
        expect(page.locator("#status")).to_contain_text("at least 16")
        new_key = "adm_rotated_" + secrets.token_hex(8)
        page.locator("#newAdminKey").fill(new_key)
        page.once("dialog", lambda d: d.accept())
        page.locator("#rotateKeys").click()
        expect(page.locator("#status")).to_contain_text("Keys updated")
        assert call(srv, "GET", "conversations", key=srv.admin_key)[0] == 401
        page.locator("#navConversations").click()
        sid2 = new_sid("after_rotation")
        visitor_says(srv, sid2, "after rotation")
        expect(item(page, sid2)).to_be_visible()
        assert json.loads(page.evaluate("sessionStorage.getItem('sanctum_console')"))["key"] == new_key
        assert page.js_errors == []
    finally:
        srv.stop()


def test_reconnects_and_resumes_after_a_server_restart(contexts, tmp_path):
    keys = {"SANCTUM_API_KEY": "ak_" + secrets.token_hex(16), "SANCTUM_ADMIN_KEY": "adm_" + secrets.token_hex(16)}
    srv = start_server(database=str(tmp_path / "sanctum.db"), extra_env=keys)
    try:
        page = open_console(contexts(), srv)
        sign_in(page, srv.admin_key, "Admin")
        wait_live(page)
        sid = new_sid("restart")
        visitor_says(srv, sid, "before the restart")
        expect(badge(page, sid)).to_contain_text("1")
        srv.stop()
        page.wait_for_function("() => document.querySelector('#connection').dataset.state !== 'live'", timeout=10000)
        # Down for long enough that the console gives up on the socket and falls back to polling:
        # it must still come back live as soon as the server answers, not after a 25 s long-poll.
        time.sleep(3)
        srv = start_server(database=srv.database, port=srv.port, extra_env=keys)
        wait_live(page)
        visitor_says(srv, sid, "after the restart")
        expect(badge(page, sid)).to_contain_text("2")
        expect(item(page, sid).locator(".conv-preview")).to_have_text("after the restart")
    finally:
        srv.stop()


def test_falls_back_to_long_poll_without_websockets(server, contexts):
    ctx = contexts()
    ctx.add_init_script("window.WebSocket = function () { throw new Error('blocked by a proxy'); };")
    page = open_console(ctx, server)
    sign_in(page, server.admin_key, "Admin")
    wait_live(page, ("polling",))
    expect(page.locator("#connection")).to_have_text("Live (polling)")
    page.wait_for_timeout(300)
    sid = new_sid("poll")
    visitor_says(server, sid, "arrives over the long-poll")
    expect(badge(page, sid)).to_contain_text("1")
    item(page, sid).click()
    page.locator("#replyInput").press_sequentially("typing over HTTP", delay=10)
    wait_until(lambda: any(e["type"] == "typing" and e["data"]["from"] == "agent" for e in visitor_events(server, sid)),
               message="typing over the HTTP action")
    page.locator("#replyInput").press("Enter")
    wait_until(lambda: visitor_replies(server, sid) == ["typing over HTTP"], message="reply")
    wait_until(lambda: any(e["type"] == "read" and e["data"]["by"] == "agent" for e in visitor_events(server, sid)),
               message="read over the HTTP action")
    assert page.js_errors == []
