"""Widget end-to-end: the embedding page is served from a different origin than sanctum;
the agent side is simulated with urllib (outbox / inbox with the API key)."""
import json
import time

import pytest

from widget_helpers import (browser, site, context, open_page, send, bubbles, STRICT_CSP, agent_reply, api, has_realtime, inbox_for,
                            loader_tag, page_html, screenshot, session_id, wait_until)

ICON = '<link rel="icon" href="data:,">'


def storage_keys(page):
    return page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('sanctum-chat'))")


def test_open_send_reply_and_reload_keeps_conversation(server, site, context):
    url = site.add("/basic", page_html(loader_tag(server, api_key=server.widget_key), head=ICON))
    page = open_page(context, url)
    assert storage_keys(page) == []
    page.locator("#sanctum-chat-bubble").click()
    expect_window_open(page)
    assert storage_keys(page) == [], "nothing may be stored before the visitor interacts"
    send(page, "Hello from the visitor")
    wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0 and
               page.evaluate("SanctumChat.getState().messageCount") == 1, message="message sent")
    sid = session_id(page)
    assert sid.startswith("session_") and len(sid) == 8 + 32
    received = inbox_for(server, sid)
    assert [m["message"] for m in received] == ["Hello from the visitor"]

    agent_reply(server, sid, "Hi, an agent here.")
    page.locator(".sanctum-message.bot", has_text="Hi, an agent here.").wait_for(timeout=5000)
    assert bubbles(page, "user") == ["Hello from the visitor"]

    page.reload()
    page.wait_for_function("SanctumChat.getState().initialized")
    page.locator("#sanctum-chat-bubble").click()
    page.locator(".sanctum-message.bot", has_text="Hi, an agent here.").wait_for(timeout=5000)
    assert bubbles(page, "user") == ["Hello from the visitor"]
    assert session_id(page) == sid
    # A reply arriving after the reload shows exactly once (cursor + de-duplication).
    agent_reply(server, sid, "Second reply")
    page.locator(".sanctum-message.bot", has_text="Second reply").wait_for(timeout=5000)
    page.wait_for_timeout(1500)
    assert bubbles(page, "bot").count("Hi, an agent here.") == 1
    assert bubbles(page, "bot").count("Second reply") == 1
    assert page.js_errors == []


def test_conversation_stored_by_release_1_is_migrated(server, site, context):
    """A returning visitor whose conversation the first release stored (`sanctum-chat:v1:`, one-
    and two-letter fields) keeps it: transcript, session, cursor and the offline outbox."""
    sid = "session_" + "5eed" * 8
    sent = api(server, "POST", "messages", {"session_id": sid, "message": "from the old widget", "client_message_id": "cm_old1"})
    reply = agent_reply(server, sid, "reply before the upgrade")
    inbox_for(server, sid)
    legacy = {"v": 1, "sessionId": sid, "cursor": reply["response_id"], "user": {"id": "u-7"}, "ev": 0, "ar": 0, "rd": 0,
              "mx": sent["data"]["message_id"], "st": 1, "items": [
                  {"k": "u", "cmid": "cm_old1", "id": sent["data"]["message_id"], "t": "from the old widget", "ts": 1, "s": "sent"},
                  {"k": "b", "id": reply["response_id"], "t": "reply before the upgrade", "ts": 2},
                  {"k": "u", "cmid": "cm_old2", "t": "queued in the old widget", "ts": 3, "s": "pending"}]}
    seed = f"localStorage.setItem({json.dumps('sanctum-chat:v1:' + server.base_url)}, {json.dumps(json.dumps(legacy))})"
    url = site.add("/migrate", page_html(loader_tag(server), head=ICON))
    page = open_page(context, url, init_scripts=[f"if (!sessionStorage.getItem('seeded')) {{ sessionStorage.setItem('seeded', '1'); {seed}; }}"])
    page.wait_for_function("SanctumChat.getState().isLoaded", timeout=5000)
    assert session_id(page) == sid
    wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0, message="the old outbox is sent")
    assert [m["message"] for m in inbox_for(server, sid)] == ["queued in the old widget"]
    assert storage_keys(page) == ["sanctum-chat:v2:" + server.base_url]
    stored = json.loads(page.evaluate(f"localStorage.getItem({json.dumps('sanctum-chat:v2:' + server.base_url)})"))
    assert [(i["kind"], i["text"], i.get("status")) for i in stored["items"]] == [
        ("visitor", "from the old widget", "sent"), ("agent", "reply before the upgrade", None), ("visitor", "queued in the old widget", "sent")]
    assert stored["user"] == {"id": "u-7"} and stored["replyCursor"] == reply["response_id"]
    page.locator("#sanctum-chat-bubble").click()
    expect_window_open(page)
    assert bubbles(page, "user") == ["from the old widget", "queued in the old widget"]
    agent_reply(server, sid, "after the upgrade")
    page.locator(".sanctum-message.bot", has_text="after the upgrade").wait_for(timeout=5000)
    page.reload()
    page.wait_for_function("SanctumChat.getState().isLoaded")
    page.locator("#sanctum-chat-bubble").click()
    page.locator(".sanctum-message.bot", has_text="after the upgrade").wait_for(timeout=5000)
    assert bubbles(page, "bot")[1:] == ["reply before the upgrade", "after the upgrade"]
    assert storage_keys(page) == ["sanctum-chat:v2:" + server.base_url]
    assert page.js_errors == []


def expect_window_open(page):
    page.wait_for_function("SanctumChat.getState().isOpen")
    assert page.locator("#sanctum-chat-window").is_visible()


def test_offline_message_is_sent_exactly_once_when_back_online(server, site, context):
    url = site.add("/offline", page_html(loader_tag(server), head=ICON))
    page = open_page(context, url)
    page.locator("#sanctum-chat-bubble").click()
    expect_window_open(page)
    context.set_offline(True)
    page.wait_for_function("!SanctumChat.getState().online")
    assert page.locator("#sanctum-chat-status").is_visible()
    send(page, "typed while offline")
    row = page.locator(".sanctum-message.user.pending")
    row.wait_for()
    assert "Waiting for network" in row.locator(".sanctum-message-time").text_content()
    stored = json.loads(page.evaluate("localStorage.getItem(Object.keys(localStorage).find(k => k.startsWith('sanctum-chat')))"))
    assert [i["status"] for i in stored["items"] if i["kind"] == "visitor"] == ["pending"]
    sid = stored["sessionId"]
    page.wait_for_timeout(1500)
    assert inbox_for(server, sid) == []

    context.set_offline(False)
    wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0, message="outbox flushed")
    page.wait_for_timeout(2500)  # give any (wrong) retry time to happen
    received = inbox_for(server, sid)
    assert [m["message"] for m in received] == ["typed while offline"]
    assert page.locator(".sanctum-message.user.pending").count() == 0


def test_lost_response_is_retried_with_the_same_client_id_and_stored_once(server, site, context):
    """The POST reaches the server but its response is lost: the outbox retries with the same
    client_message_id, and the server returns the original message_id instead of a duplicate."""
    url = site.add("/lost", page_html(loader_tag(server), head=ICON))
    page = open_page(context, url)
    seen = {"posts": 0, "ids": []}

    def drop_first_response(route):
        request = route.request
        if request.method != "POST":
            return route.continue_()
        seen["posts"] += 1
        seen["ids"].append(json.loads(request.post_data)["client_message_id"])
        if seen["posts"] == 1:
            route.fetch()          # the server stores the message…
            return route.abort()   # …but the browser never sees the answer
        return route.continue_()

    page.route("**/api/v1/?action=messages*", drop_first_response)
    page.locator("#sanctum-chat-bubble").click()
    send(page, "exactly once please")
    wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0, timeout=15, message="retry succeeded")
    assert seen["posts"] >= 2 and len(set(seen["ids"])) == 1
    received = inbox_for(server, session_id(page))
    assert [m["message"] for m in received] == ["exactly once please"]


def test_pending_message_survives_a_reload(server, site, context):
    url = site.add("/reload-pending", page_html(loader_tag(server), head=ICON))
    page = open_page(context, url)
    page.route("**/api/v1/?action=messages*", lambda route: route.abort())
    page.locator("#sanctum-chat-bubble").click()
    send(page, "kept across reloads")
    page.locator(".sanctum-message.user.pending").wait_for()
    sid = session_id(page)
    page.unroute("**/api/v1/?action=messages*")
    page.route("**/api/v1/?action=messages*", lambda route: route.abort())
    page.reload()
    page.wait_for_function("SanctumChat.getState().isLoaded")
    assert page.evaluate("SanctumChat.getState().pendingCount") == 1
    page.unroute("**/api/v1/?action=messages*")
    page.locator("#sanctum-chat-bubble").click()
    wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0, timeout=15, message="sent after reload")
    assert [m["message"] for m in inbox_for(server, sid)] == ["kept across reloads"]


def test_strict_csp_page_has_no_violations(server, site, context):
    csp = STRICT_CSP.format(origin=server.base_url, ws_origin=server.base_url.replace("http", "ws", 1))
    url = site.add("/csp", page_html(loader_tag(server, api_key=server.widget_key, title="CSP test",
                                                 theme="dark", primary_color="#6b21a8", logo=f"{server.base_url}/widget/static/assets/icons/chat-icon.svg"),
                                     head=ICON + '<script src="/csp-listener.js"></script>'),
                   {"Content-Security-Policy": csp})
    site.add("/csp-listener.js", "window.__violations = [];"
             "document.addEventListener('securitypolicyviolation', e => window.__violations.push("
             "e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));")
    page = context.new_page()
    console_errors = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    page.goto(url)
    # polled with page.evaluate: Playwright's own polling evaluates strings with eval, which this CSP blocks
    wait_until(lambda: page.evaluate("!!(window.SanctumChat && SanctumChat.getState().initialized)"), message="init")
    page.locator("#sanctum-chat-bubble").click()
    wait_until(lambda: page.evaluate("SanctumChat.getState().isOpen"), message="open")
    send(page, "hello under CSP")
    wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0, message="sent")
    agent_reply(server, session_id(page), "reply under CSP")
    page.locator(".sanctum-message.bot", has_text="reply under CSP").wait_for(timeout=5000)
    page.locator("#sanctum-chat-input").fill("line one\nline two\nline three")  # auto-grow
    # The chat window really is styled (the constructable stylesheet was applied).
    radius = page.locator("#sanctum-chat-window").evaluate("e => getComputedStyle(e).borderTopLeftRadius")
    assert radius == "12px"
    wait_until(lambda: page.evaluate("document.querySelector('.sanctum-chat-widget').shadowRoot"
                                     ".querySelector('.sanctum-chat-logo').naturalWidth > 0"), message="logo")
    assert page.evaluate("window.__violations") == []
    if not has_realtime(server):
        # against a server before the real-time release, the widget's one capability probe
        # (`events?wait=0`, answered 400 "Invalid action") is logged by the browser
        console_errors = [m for m in console_errors if "status of 400" not in m]
    assert console_errors == []
    # No <style> or style="" was injected into the host document.
    assert page.evaluate("document.querySelectorAll('style, [style], link[rel=stylesheet]').length") == 0


def test_hostile_page_rules_cannot_hide_the_widget(server, site, context):
    """Issue 9: page rules on tags and classes - `div {display: none !important}` hid the whole
    widget when its host was a div - and even rules aimed at its own tag and class lose."""
    hostile = ("<style>div, sanctum-chat, .sanctum-chat-widget, body > :not(main) { display: none !important;"
               " visibility: hidden !important; opacity: 0 !important; transform: scale(0) !important;"
               " position: absolute !important; left: -9999px !important; }</style>")
    url = site.add("/hostile-css", page_html(loader_tag(server), head=ICON + hostile))
    page = open_page(context, url)
    host = page.evaluate("(() => { const h = document.querySelector('.sanctum-chat-widget'), s = getComputedStyle(h);"
                         " return [h.localName, s.display, s.visibility, s.opacity, s.transform, s.position]; })()")
    assert host == ["sanctum-chat", "block", "visible", "1", "none", "static"]
    box = page.locator("#sanctum-chat-bubble").bounding_box()
    assert box and box["width"] >= 50 and box["height"] >= 50 and box["x"] > 0 and box["y"] > 0, box
    assert page.evaluate(f"document.elementFromPoint({box['x'] + box['width'] / 2}, {box['y'] + box['height'] / 2})"
                         " === document.querySelector('.sanctum-chat-widget')"), "the bubble is the topmost element at its place"
    page.locator("#sanctum-chat-bubble").click()
    expect_window_open(page)
    send(page, "sent from a page that hides divs")
    wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0, message="sent")
    assert [m["message"] for m in inbox_for(server, session_id(page))] == ["sent from a page that hides divs"]
    assert bubbles(page, "user") == ["sent from a page that hides divs"]
    assert page.js_errors == []


def test_a_polluted_object_prototype_is_neither_copied_nor_breaks_sending(server, site, context):
    """Issue 9: properties a page adds to Object.prototype were copied into the widget's elements
    as attributes (for…in over option objects), and `onclick = 'x'` made sending fail."""
    pollute = "Object.prototype.polluted = 'yes'; Object.prototype.onclick = 'x'; Object.prototype['data-evil'] = '1';"
    url = site.add("/polluted", page_html(loader_tag(server), head=ICON))
    page = open_page(context, url, init_scripts=[pollute])
    urls = []
    page.on("request", lambda request: urls.append(request.url))
    page.locator("#sanctum-chat-bubble").click()
    expect_window_open(page)
    send(page, "sent from a polluted page")
    wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0, message="sent")
    sid = session_id(page)
    assert [m["message"] for m in inbox_for(server, sid)] == ["sent from a polluted page"]
    agent_reply(server, sid, "reply on a polluted page")
    page.locator(".sanctum-message.bot", has_text="reply on a polluted page").wait_for(timeout=5000)
    copied = page.evaluate("(() => { const host = document.querySelector('.sanctum-chat-widget');"
                           " return [host, ...host.shadowRoot.querySelectorAll('*')]"
                           ".filter(e => e.hasAttribute('polluted') || e.hasAttribute('onclick') || e.hasAttribute('data-evil')).length; })()")
    assert copied == 0
    assert not [u for u in urls if "polluted=" in u or "onclick=" in u], urls
    assert page.js_errors == []


XSS = [
    '<img src=x onerror="window.__xss=1">',
    '<script>window.__xss=2</script>',
    '"><svg onload="window.__xss=3">',
    "javascript:window.__xss=4",
    '<a href="javascript:window.__xss=5">click</a>',
    "<iframe srcdoc=\"<script>parent.__xss=6</script>\"></iframe>",
    "{{constructor.constructor('window.__xss=7')()}}",
    "<style>*{display:none}</style>",
    "&lt;b&gt;entities&lt;/b&gt; &amp; \u202eRTL override",
    "</textarea><img src=x onerror=window.__xss=8>",
]


def test_xss_payloads_render_as_text_both_ways(server, site, context):
    url = site.add("/xss", page_html(loader_tag(server), head=ICON))
    page = open_page(context, url)
    page.locator("#sanctum-chat-bubble").click()
    for payload in XSS:
        page.evaluate("t => SanctumChat.sendMessage(t)", payload)
    wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0
               and page.evaluate("SanctumChat.getState().messageCount") == len(XSS), message="all sent")
    sid = session_id(page)
    for payload in XSS:
        agent_reply(server, sid, payload)
    wait_until(lambda: len(bubbles(page, "bot")) >= len(XSS) + 1, message="replies shown")
    page.wait_for_timeout(500)
    assert bubbles(page, "user") == [p.strip() for p in XSS]
    assert bubbles(page, "bot")[1:] == [p.strip() for p in XSS]
    assert page.evaluate("window.__xss") is None
    shadow_html = page.evaluate("document.querySelector('.sanctum-chat-widget').shadowRoot.innerHTML")
    for tag in ("<img src=\"x\"", "<script>", "<iframe", "<svg onload", "<style>"):
        assert tag not in shadow_html
    assert [m["message"] for m in inbox_for(server, sid)] == [p.strip() for p in XSS]


def test_queue_calls_made_before_load_are_not_lost(server, site, context):
    stub = ("<script>window.SanctumChat = window.SanctumChat || function () {"
            " (SanctumChat.q = SanctumChat.q || []).push(arguments); };"
            " window.__events = [];"
            " SanctumChat('on', 'ready', function () { __events.push('ready'); });"
            " SanctumChat('on', 'open', function () { __events.push('open'); });"
            " SanctumChat('init', { title: 'Queued title', position: 'top-left' });"
            " SanctumChat('open');</script>")
    url = site.add("/queue", page_html(stub + f'<script async src="{server.base_url}/widget/chat-widget.js"></script>', head=ICON))
    page = open_page(context, url)
    page.wait_for_function("SanctumChat.getState().isOpen")
    assert page.locator("#sanctum-chat-title").text_content() == "Queued title"
    assert page.evaluate("SanctumChat.getConfig().position") == "top-left"
    assert page.evaluate("window.__events") == ["ready", "open"]


def test_data_attributes_auto_init(server, site, context):
    url = site.add("/data", page_html(loader_tag(server, api_key="pk_demo", position="bottom-left", theme="dark",
                                                 title="Data title", primary_color="#ff5722", size="large",
                                                 greeting="Data greeting", placeholder="Ask away", auto_open="true"),
                                      head=ICON))
    page = open_page(context, url)
    cfg = page.evaluate("SanctumChat.getConfig()")
    assert (cfg["apiKey"], cfg["position"], cfg["theme"], cfg["size"], cfg["primaryColor"], cfg["autoOpen"]) == \
        ("pk_demo", "bottom-left", "dark", "large", "#ff5722", True)
    host = page.locator(".sanctum-chat-widget")
    assert host.get_attribute("data-position") == "bottom-left"
    assert host.get_attribute("data-theme") == "dark"
    page.wait_for_function("SanctumChat.getState().isOpen", timeout=5000)
    assert page.locator("#sanctum-chat-title").text_content() == "Data title"
    assert page.locator("#sanctum-chat-input").get_attribute("placeholder") == "Ask away"
    assert bubbles(page, "bot") == ["Data greeting"]


def test_data_attributes_apply_when_the_page_starts_the_widget_itself(server, site, context):
    url = site.add("/data-manual", page_html(loader_tag(server, auto_init="false", position="top-left", title="Tag title"),
                                             head=ICON))
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("window.SanctumChat && SanctumChat.getState")
    assert page.evaluate("SanctumChat.getState().initialized") is False, "auto-init off: nothing drawn yet"
    page.evaluate("SanctumChat.init({ theme: 'dark' })")
    cfg = page.evaluate("SanctumChat.getConfig()")
    assert (cfg["position"], cfg["title"], cfg["theme"]) == ("top-left", "Tag title", "dark")


def test_public_api_events_and_lifecycle(server, site, context):
    url = site.add("/api", page_html(f'<script src="{server.base_url}/widget/chat-widget.js"></script>', head=ICON))
    page = context.new_page()
    page.goto(url)
    result = page.evaluate("""async () => {
        const log = [];
        const SC = window.SanctumChat;
        for (const m of ['init','open','close','toggle','sendMessage','updateConfig','on','off','destroy','getState','getConfig','identify','reset'])
            if (typeof SC[m] !== 'function') log.push('missing ' + m);
        SC.on('ready', () => log.push('ready'));
        const un = SC.on('open', () => log.push('open'));
        SC.on('close', () => log.push('close'));
        SC.on('message', (m) => log.push('message:' + m.type + ':' + m.message));
        SC.on('unread', (u) => log.push('unread:' + u.count));
        SC.init({ title: 'API', theme: 'nope' });
        await new Promise(r => setTimeout(r, 0));
        await SC.open();
        SC.close();
        un();
        await SC.toggle();
        SC.toggle();
        SC.updateConfig({ title: 'Changed', position: 'middle-right', size: 'small' });
        SC.identify({ id: 'u1', name: 'Ada' });
        const state = SC.getState();
        return { log, state, title: document.querySelector('.sanctum-chat-widget').shadowRoot.querySelector('#sanctum-chat-title').textContent,
                 theme: SC.getConfig().theme, pos: document.querySelector('.sanctum-chat-widget').dataset.position };
    }""")
    assert result["log"] == ["ready", "open", "close", "close"]
    assert result["title"] == "Changed" and result["theme"] == "light" and result["pos"] == "middle-right"
    assert result["state"]["user"] == {"id": "u1", "name": "Ada"}
    page.evaluate("SanctumChat.sendMessage('api message')")
    wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0
               and page.evaluate("SanctumChat.getState().messageCount") == 1, message="api send")
    sid = session_id(page)
    page.evaluate("window.__msgs = []; SanctumChat.on('message', m => __msgs.push(m)); 0")
    agent_reply(server, sid, "unread reply")
    page.wait_for_function("SanctumChat.getState().unreadCount === 1", timeout=10000)
    badge = page.locator("#sanctum-notification-badge")
    assert badge.is_visible() and badge.text_content() == "1"
    assert page.locator("#sanctum-chat-bubble").get_attribute("aria-label") == "Open chat (1 unread)"
    screenshot(page, "desktop-unread")
    assert page.evaluate("__msgs.map(m => m.type + ':' + m.message)") == ["bot:unread reply"]
    page.locator("#sanctum-chat-bubble").click()
    page.wait_for_function("SanctumChat.getState().unreadCount === 0")
    assert not badge.is_visible()
    page.evaluate("SanctumChat.reset()")
    assert page.evaluate("SanctumChat.getState().sessionId") is None
    assert storage_keys(page) == []
    page.evaluate("SanctumChat.destroy()")
    assert page.locator(".sanctum-chat-widget").count() == 0
    page.evaluate("SanctumChat.init({ title: 'Again' })")
    page.locator("#sanctum-chat-bubble").wait_for()
    assert page.evaluate("SanctumChat.getConfig().title") == "Again"


def test_two_tabs_share_one_conversation(server, site, context):
    url = site.add("/tabs", page_html(loader_tag(server), head=ICON))
    first = open_page(context, url)
    first.locator("#sanctum-chat-bubble").click()
    send(first, "from the first tab")
    wait_until(lambda: first.evaluate("SanctumChat.getState().pendingCount") == 0, message="first sent")
    second = open_page(context, url)
    second.locator("#sanctum-chat-bubble").click()
    second.locator(".sanctum-message.user", has_text="from the first tab").wait_for()
    assert second.evaluate("SanctumChat.getState().sessionId") == session_id(first)
    send(second, "from the second tab")
    wait_until(lambda: second.evaluate("SanctumChat.getState().pendingCount") == 0, message="second sent")
    first.locator(".sanctum-message.user", has_text="from the second tab").wait_for(timeout=5000)
    agent_reply(server, session_id(first), "one reply for both tabs")
    for page in (first, second):
        page.locator(".sanctum-message.bot", has_text="one reply for both tabs").wait_for(timeout=5000)
    first.wait_for_timeout(1500)
    for page in (first, second):
        assert bubbles(page, "user") == ["from the first tab", "from the second tab"]
        assert bubbles(page, "bot").count("one reply for both tabs") == 1
    # reloading either tab shows the whole conversation
    first.reload()
    first.wait_for_function("SanctumChat.getState().isLoaded")
    assert first.evaluate("SanctumChat.getState().messageCount") == 3
    assert [m["message"] for m in inbox_for(server, session_id(first))] == ["from the first tab", "from the second tab"]
    # reset in one tab is followed by the other
    second.evaluate("SanctumChat.reset()")
    first.wait_for_function("SanctumChat.getState().sessionId === null")
