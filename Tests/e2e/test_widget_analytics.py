"""The Analytics plugin's widget module in Chromium (docs/plugins/analytics.md#the-widget-module):
bubble view, open and first message are each counted once (read back through the summary API),
an agent reply's arrival → shown is timed,
an error thrown inside a module is reported once with the widget version, and with Do-Not-Track
or Global Privacy Control nothing is sent when the site respects them (watching the network)."""
import json
import re
import urllib.request

import pytest

from conftest import start_server
from widget_helpers import api, browser, site, context, loader_tag, page_html, send, session_id, wait_until, STRICT_CSP

ICON = '<link rel="icon" href="data:,">'
SHOP_KEY, SHOP_AGENT_KEY = "pk_analytics_shop", "ak_analytics_shop_0123456789abcdef"
QUIET_KEY, QUIET_AGENT_KEY = "pk_analytics_quiet", "ak_analytics_quiet_0123456789abcde"
THROWER = ("SanctumChat.module('async-thrower', function (api) {"
           " setTimeout(function () { throw new Error('async boom'); }, 0);"
           " setTimeout(function () { throw new Error('async boom'); }, 50); });")


@pytest.fixture(scope="module")
def analytics_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("widget-analytics")
    config = folder / "analytics.yaml"
    config.write_text(
        "tiers:\n"
        "  premium: { plugins: [analytics] }\n"
        "plugins:\n"
        "  analytics:\n"
        "    flush_seconds: 1\n"
        "    sites:\n"
        "      - { site: shop, count_bubble_views: true }\n"
        "      - { site: quiet }\n"
        "sites:\n"
        f"  - {{ id: shop, tier: premium, widget_key: {SHOP_KEY} }}\n"
        f"  - {{ id: quiet, tier: premium, widget_key: {QUIET_KEY} }}\n")
    server = start_server(database=str(folder / "db.sqlite"), config=str(config),
                          extra_env={"SANCTUM_SITE_SHOP_AGENT_KEY": SHOP_AGENT_KEY, "SANCTUM_SITE_QUIET_AGENT_KEY": QUIET_AGENT_KEY})
    yield server
    server.stop()


def widget_summary(server, agent_key):
    request = urllib.request.Request(f"{server.base_url}/plugins/analytics/summary", headers={"Authorization": "Bearer " + agent_key})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]["widget"]


def funnel(server, agent_key):
    return {step["step"]: step["count"] for step in widget_summary(server, agent_key)["funnel"]}


def open_site(site, context, server, path, key, init_scripts=(), before=None):
    csp = STRICT_CSP.format(origin=server.base_url, ws_origin=server.base_url.replace("http", "ws"))
    url = site.add(path, page_html(loader_tag(server, api_key=key), head=ICON), headers={"Content-Security-Policy": csp})
    page = context.new_page()
    for script in init_scripts:
        page.add_init_script(script)
    page.beacons = []
    page.on("request", lambda request: "/plugins/analytics/beacon" in request.url and page.beacons.append(json.loads(request.post_data)))
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    if before:
        before(page)
    page.goto(url)
    page.wait_for_function("window.SanctumChat && SanctumChat.getState().initialized")
    page.locator("#sanctum-chat-bubble").wait_for(state="visible")
    wait_until(lambda: page.evaluate("!!(SanctumChat.__moduleState && SanctumChat.__moduleState().loaded.includes('analytics'))"),
               message="the analytics module set up")
    return page


def test_bubble_open_and_first_message_are_counted_once_each(analytics_server, site, context):
    page = open_site(site, context, analytics_server, "/shop", SHOP_KEY)
    wait_until(lambda: funnel(analytics_server, SHOP_AGENT_KEY)["bubble_shown"] == 1, message="the bubble view counted")
    for _ in range(2):
        page.locator("#sanctum-chat-bubble").click()
        page.locator("#sanctum-chat-input").wait_for(state="visible")
        send(page, "hello")
        page.keyboard.press("Escape")
    wait_until(lambda: page.evaluate("SanctumChat.getState().messageCount") == 2, message="two messages sent")
    wait_until(lambda: funnel(analytics_server, SHOP_AGENT_KEY)["message_sent"] == 1, message="the first message counted")
    page.wait_for_timeout(2500)  # two more flush periods: nothing counted twice
    assert funnel(analytics_server, SHOP_AGENT_KEY) == {"bubble_shown": 1, "chat_opened": 1, "message_sent": 1}
    timings = {(t["browser"], t["timing"]): t["count"] for t in widget_summary(analytics_server, SHOP_AGENT_KEY)["timings"]}
    assert timings.get(("chrome", "bubble_painted")) == 1 and timings.get(("chrome", "open_interactive")) == 1, timings
    assert timings.get(("chrome", "send_acknowledged"), 0) >= 1, timings
    api(analytics_server, "POST", "outbox", {"session_id": session_id(page), "response": "Hello from support"}, key=SHOP_AGENT_KEY)
    shown = lambda: {(t["browser"], t["timing"]): t for t in widget_summary(analytics_server, SHOP_AGENT_KEY)["timings"]}.get(("chrome", "reply_shown"))
    reply = wait_until(shown, message="the reply's arrival → shown timed")
    assert reply["count"] == 1 and reply["median_ms"] is not None, reply
    assert all(set(beacon) <= {"browser", "version", "funnel", "timings", "errors"} for beacon in page.beacons)
    assert page.context.cookies() == []
    assert page.js_errors == []


def test_an_error_thrown_inside_a_module_is_reported_once_with_the_widget_version(analytics_server, site, context):
    def fake_module(page):
        def modules(route):
            response = route.fetch()
            body = response.json()
            body["data"]["plugins"].append({"id": "async-thrower", "options": {}, "strings": {},
                                            "script": {"url": "/widget/plugins/async-thrower/0000/module.js", "integrity": None}})
            route.fulfill(response=response, body=json.dumps(body))
        page.route(re.compile(r"/widget/modules\?"), modules)
        page.route(re.compile(r"/widget/plugins/async-thrower/"), lambda route: route.fulfill(
            status=200, body=THROWER, headers={"Access-Control-Allow-Origin": "*", "Content-Type": "text/javascript"}))

    page = open_site(site, context, analytics_server, "/shop-error", SHOP_KEY, before=fake_module)
    version = page.evaluate("SanctumChat.version")

    def errors():
        return [e for e in widget_summary(analytics_server, SHOP_AGENT_KEY)["errors"] if e["source"] == "async-thrower"]
    wait_until(lambda: errors(), message="the module's error reported")
    page.wait_for_timeout(2500)
    reported = errors()
    assert len(reported) == 1 and reported[0]["count"] == 1, reported
    assert reported[0]["version"] == version and "async boom" in reported[0]["message"], reported
    assert reported[0]["browsers"] == {"chrome": 1} and reported[0]["frames"], reported


@pytest.mark.parametrize("signal", ["Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' });",
                                    "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });"])
def test_do_not_track_or_global_privacy_control_sends_nothing(analytics_server, site, context, signal):
    page = open_site(site, context, analytics_server, "/quiet-dnt", QUIET_KEY, init_scripts=[signal])
    page.locator("#sanctum-chat-bubble").click()
    page.locator("#sanctum-chat-input").wait_for(state="visible")
    send(page, "private")
    wait_until(lambda: page.evaluate("SanctumChat.getState().messageCount") == 1, message="message sent")
    page.wait_for_timeout(2500)
    assert page.beacons == []
    assert funnel(analytics_server, QUIET_AGENT_KEY) == {"bubble_shown": 0, "chat_opened": 0, "message_sent": 0}


def test_nothing_is_sent_before_the_visitor_interacts_unless_the_site_counts_bubble_views(analytics_server, site, context):
    page = open_site(site, context, analytics_server, "/quiet", QUIET_KEY)
    page.wait_for_timeout(2500)
    assert page.beacons == []
    page.locator("#sanctum-chat-bubble").click()
    wait_until(lambda: page.beacons, message="a beacon after the chat opened")
    assert page.beacons[0]["funnel"] == ["bubble_shown", "chat_opened"], page.beacons
