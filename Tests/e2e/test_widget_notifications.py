"""The Notifications plugin's widget module in Chromium (docs/plugins/notifications.md#visitor-side):
two tabs of one visitor with the chat closed; an agent reply raises the badge in both and chimes in
exactly one, the tab used last; the unread count in the title appears and clears (a per-site
option); notification permission is asked after the first message, never on load; the badge pulse
respects reduced motion; a site without the plugin downloads no module and does not chime (the
sound moved out of the core). Sounds and permission requests are counted by an init script."""
from types import SimpleNamespace

import pytest

from conftest import start_server
from widget_helpers import (browser, site, context, open_page, send, STRICT_CSP, agent_reply, loader_tag, page_html,
                            screenshot, session_id, wait_until)

SHOP_KEY = "pk_notify_shop"
SHOP_AGENT_KEY = "ak_notify_shop_0123456789abcdef"
TITLE = "Shop page"
# Counts oscillator starts (the `beep` sound is one oscillator) and permission requests, and
# pretends the visitor has not decided about notifications yet.
COUNTERS = """
window.__sounds = 0; window.__permissionRequests = 0;
const realStart = AudioScheduledSourceNode.prototype.start;
AudioScheduledSourceNode.prototype.start = function (...args) { window.__sounds++; return realStart.apply(this, args); };
Object.defineProperty(Notification, 'permission', { configurable: true, get: () => 'default' });
Notification.requestPermission = () => { window.__permissionRequests++; return Promise.resolve('default'); };
"""


@pytest.fixture(scope="module")
def notify_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notify")
    config = folder / "notify.yaml"
    config.write_text(
        "tiers:\n"
        "  premium: { plugins: [notifications] }\n"
        "plugins:\n"
        "  notifications:\n"
        "    visitor: { sound_name: beep }\n"
        "    visitor_sites:\n"
        "      - { site: shop, title_count: true }\n"
        "sites:\n"
        f"  - {{ id: shop, tier: premium, widget_key: {SHOP_KEY} }}\n")
    server = start_server(database=str(folder / "db.sqlite"), config=str(config),
                          extra_env={"SANCTUM_SITE_SHOP_AGENT_KEY": SHOP_AGENT_KEY})
    server.shop_agent = SimpleNamespace(base_url=server.base_url, api_key=SHOP_AGENT_KEY)
    yield server
    server.stop()


def strict_page(site, server, path, key):
    csp = STRICT_CSP.format(origin=server.base_url, ws_origin=server.base_url.replace("http", "ws"))
    return site.add(path, page_html(loader_tag(server, api_key=key), head='<link rel="icon" href="data:,">', title=TITLE),
                    headers={"Content-Security-Policy": csp})


def open_tab(context, url, module=True):
    page = open_page(context, url, init_scripts=[COUNTERS])
    if module:
        # Polled with `evaluate`: under the strict CSP, `wait_for_function` cannot poll a string predicate
        # (it fails with an EvalError whenever the module is not loaded at the first check).
        wait_until(lambda: page.evaluate("() => !!SanctumChat.__moduleState && SanctumChat.__moduleState().loaded.includes('notifications')"),
                   message="the notifications module")
    return page


def first_message(page, text):
    page.locator("#sanctum-chat-bubble").click()
    send(page, text)
    wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0 and session_id(page), message="message sent")


def badge(page):
    return page.locator("#sanctum-notification-badge")


def sounds(*pages):
    return [page.evaluate("window.__sounds") for page in pages]


def test_a_reply_chimes_once_across_two_tabs_in_the_tab_used_last(notify_server, site, context):
    url = strict_page(site, notify_server, "/shop", SHOP_KEY)
    first, second = open_tab(context, url), open_tab(context, url)
    assert [p.evaluate("window.__permissionRequests") for p in (first, second)] == [0, 0], "never asked on load"

    first_message(first, "hello from the first tab")
    wait_until(lambda: first.evaluate("window.__permissionRequests") == 1, message="permission asked after the first message")
    send(first, "a second message")
    first.locator("#sanctum-chat-close").click()
    wait_until(lambda: second.evaluate("SanctumChat.getState().sessionId") == session_id(first), message="the second tab joined")
    second.locator("h1").click()  # the visitor now uses the second tab
    first.wait_for_timeout(300)

    agent_reply(notify_server.shop_agent, session_id(first), "Hi from support")
    # The badge rises in the tab that received the reply (the other one merges it from storage).
    wait_until(lambda: "1" in [badge(p).text_content() for p in (first, second)], timeout=15, message="a badge")
    wait_until(lambda: sum(sounds(first, second)) == 1, message="one sound")
    first.wait_for_timeout(1500)  # nothing more arrives late in the other tab
    assert sounds(first, second) == [0, 1]
    counted = first if badge(first).text_content() == "1" else second
    assert counted.title() == "(1) " + TITLE
    assert badge(counted).evaluate("e => getComputedStyle(e).animationName") == "sanctum-notify-pulse"
    screenshot(counted, "notifications-badge-desktop")

    first.locator("h1").click()  # back to the first tab: it plays the next one
    first.wait_for_timeout(300)
    agent_reply(notify_server.shop_agent, session_id(first), "Anything else?")
    wait_until(lambda: sum(sounds(first, second)) == 2, message="a second sound")
    first.wait_for_timeout(1500)
    assert sounds(first, second) == [1, 1]
    wait_until(lambda: counted.title().startswith("("), message="the title count")

    counted.locator("#sanctum-chat-bubble").click()  # read: the badge and the title count clear
    badge(counted).wait_for(state="hidden")
    assert counted.title() == TITLE
    assert first.evaluate("window.__permissionRequests") == 1 and second.evaluate("window.__permissionRequests") == 0
    assert first.js_errors == [] and second.js_errors == []


def test_reduced_motion_keeps_the_badge_still_and_phone_screenshot(notify_server, site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = open_tab(context, strict_page(site, notify_server, "/shop-phone", SHOP_KEY))
        page.emulate_media(reduced_motion="reduce")
        first_message(page, "hello from a phone")
        page.locator("#sanctum-chat-close").click()
        agent_reply(notify_server.shop_agent, session_id(page), "Hello phone")
        badge(page).wait_for(state="visible")
        assert badge(page).evaluate("e => e.classList.contains('sanctum-pulse')")
        assert badge(page).evaluate("e => getComputedStyle(e).animationName") == "none"
        screenshot(page, "notifications-badge-phone")
    finally:
        context.close()


def test_a_site_without_the_plugin_downloads_no_module_and_does_not_chime(notify_server, site, context):
    requested = []
    context.on("request", lambda request: requested.append(request.url))
    page = open_tab(context, strict_page(site, notify_server, "/plain", notify_server.widget_key), module=False)
    first_message(page, "hello without the plugin")
    page.locator("#sanctum-chat-close").click()
    agent_reply(notify_server, session_id(page), "Reply without the plugin")
    badge(page).wait_for(state="visible")
    page.wait_for_timeout(1000)
    assert sounds(page) == [0] and page.evaluate("window.__permissionRequests") == 0
    assert page.title() == TITLE
    assert any("/widget/modules" in u for u in requested), "the module list was asked for"
    assert not [u for u in requested if "modules.js" in u or "/widget/plugins/" in u], requested
    assert page.evaluate("SanctumChat.__modules") is None
