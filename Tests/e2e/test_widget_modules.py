"""Widget modules in Chromium (docs/widget-modules.md): loaded lazily after the bubble, in the
tier's order, isolated (a module that throws, never settles, 404s or does not parse never breaks
the chat), CSS confined to the shadow root, `api.fetch` with the site's key; a site without
modules downloads no module runtime. LinkGuard's module is the real one; the broken ones are
served by the browser test itself (page.route), never by the server."""
import json
import re
from types import SimpleNamespace

import pytest

from conftest import start_server
from widget_helpers import (browser, site, context, open_page, send, STRICT_CSP, inbox_for, loader_tag, page_html,
                            session_id, wait_until)

ICON = '<link rel="icon" href="data:,">'
SHOP_KEY = "pk_modules_shop"
SHOP_AGENT_KEY = "ak_modules_shop_0123456789abcdef"


@pytest.fixture(scope="module")
def modules_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("modules")
    config = folder / "modules.yaml"
    config.write_text(
        "tiers:\n"
        "  premium: { plugins: [link-guard] }\n"
        "plugins:\n"
        "  link-guard: { max_links: 1 }\n"
        "sites:\n"
        f"  - {{ id: shop, tier: premium, widget_key: {SHOP_KEY} }}\n")
    server = start_server(database=str(folder / "db.sqlite"), config=str(config),
                          extra_env={"SANCTUM_SITE_SHOP_AGENT_KEY": SHOP_AGENT_KEY})
    yield server
    server.stop()


def strict_page(site, server, path, key, body="", **data):
    csp = STRICT_CSP.format(origin=server.base_url, ws_origin=server.base_url.replace("http", "ws"))
    html = page_html(body + loader_tag(server, api_key=key, **data), head=ICON)
    return site.add(path, html, headers={"Content-Security-Policy": csp})


def watch(page):
    """Collects the URLs the page requests and its CSP violations."""
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    page.add_init_script("window.__violations = []; document.addEventListener('securitypolicyviolation', "
                         "(e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));")
    return page


def open_watched(context, url, before=None):
    page = watch(context.new_page())
    if before:
        before(page)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.goto(url)
    page.wait_for_function("window.SanctumChat && SanctumChat.getState().initialized")
    page.locator("#sanctum-chat-bubble").wait_for(state="visible")
    page.js_errors = errors
    return page


def test_a_site_without_modules_downloads_no_module_runtime(modules_server, site, context):
    url = strict_page(site, modules_server, "/plain", modules_server.widget_key)
    page = open_watched(context, url)
    wait_until(lambda: any("/widget/modules" in u for u in page.requested), message="the module list was asked for")
    page.locator("#sanctum-chat-bubble").click()
    page.locator("#sanctum-chat-input").wait_for(state="visible")
    page.wait_for_timeout(1500)
    assert not [u for u in page.requested if "modules.js" in u or "/widget/plugins/" in u], page.requested
    assert page.evaluate("SanctumChat.__modules") is None
    assert page.evaluate("window.__violations") == []
    assert page.js_errors == []


def test_link_guard_loads_after_the_bubble_warns_in_the_composer_and_keeps_its_css_inside(modules_server, site, context):
    body = '<p class="sanctum-module-hint" id="outside">A page paragraph with the module\'s class name</p>'
    url = strict_page(site, modules_server, "/shop", SHOP_KEY, body=body)
    page = open_watched(context, url)
    wait_until(lambda: page.evaluate("SanctumChat.__moduleState && SanctumChat.__moduleState().loaded.length") == 1,
               message="LinkGuard's module set up")
    timing = page.evaluate("""() => {
        const bubble = performance.getEntriesByName('sanctum-chat:bubble')[0].startTime;
        const runtime = performance.getEntriesByType('resource').find((e) => e.name.includes('/modules.js'));
        const module = performance.getEntriesByType('resource').find((e) => e.name.includes('/widget/plugins/link-guard/'));
        return { bubble, runtime: runtime.startTime, module: module.startTime };
    }""")
    assert timing["bubble"] < timing["runtime"] < timing["module"], timing
    assert [u for u in page.requested if "/widget/plugins/link-guard/" in u and "module.js" in u]

    page.locator("#sanctum-chat-bubble").click()
    box = page.locator("#sanctum-chat-input")
    box.fill("see https://a.example and https://b.example")
    hint = page.locator("[part=module-hint]")
    hint.wait_for(state="visible")
    assert hint.text_content() == "Messages may contain at most 1 links."
    inside = hint.evaluate("(e) => getComputedStyle(e).borderTopWidth")
    outside = page.evaluate("getComputedStyle(document.getElementById('outside')).borderTopWidth")
    assert inside == "2px" and outside == "0px", (inside, outside)
    box.fill("just one https://a.example")
    hint.wait_for(state="hidden")
    send(page, "one link https://a.example")
    wait_until(lambda: page.evaluate("SanctumChat.getState().messageCount") == 1, message="message sent")
    assert page.evaluate("window.__violations") == []
    assert page.js_errors == []


def test_link_guard_speaks_the_widgets_language_from_its_strings_file(modules_server, site, context):
    url = strict_page(site, modules_server, "/shop-de", SHOP_KEY, language="de")
    page = open_watched(context, url)
    wait_until(lambda: page.evaluate("SanctumChat.__moduleState && SanctumChat.__moduleState().loaded.length") == 1,
               message="LinkGuard's module set up")
    page.locator("#sanctum-chat-bubble").click()
    page.locator("#sanctum-chat-input").fill("https://a.example https://b.example")
    page.locator("[part=module-hint]").wait_for(state="visible")
    assert page.locator("[part=module-hint]").text_content() == "Nachrichten dürfen höchstens 1 Links enthalten."


FAKE_MODULES = {
    # Each records when its script ran and when its setup was called.
    "early": "window.__order.push('script:early'); SanctumChat.module('early', function (api) { window.__order.push('setup:early'); });",
    "thrower": "window.__order.push('script:thrower'); SanctumChat.module('thrower', function (api) {"
               " api.addComposerAction({ label: 'Broken', onClick: function () {} }); throw new Error('thrower broke'); });",
    "hanger": "window.__order.push('script:hanger'); SanctumChat.module('hanger', function (api) {"
              " window.__order.push('setup:hanger'); api.on('message', function () { return new Promise(function () {}); });"
              " api.decorateMessages(function () { throw new Error('decorator broke'); });"
              " return new Promise(function () {}); });",
    "syntax": "SanctumChat.module('syntax', function (api) {",
    "keeper": "SanctumChat.module('keeper', function (api) { window.__stored = [api.storage.set('seen', 1)];"
              " api.on('draft', function () { window.__stored.push(api.storage.set('drafted', true)); });"
              " api.decorateMessages(function (message, slot) { slot.textContent = '<b>' + message.type + '</b>'; }); });",
    "fetcher": "window.__order.push('script:fetcher'); SanctumChat.module('link-guard', function (api) {"
               " window.__order.push('setup:fetcher'); api.addHeaderAction({ label: 'Stats', text: 'S', onClick: function () {} });"
               " return api.fetch('/stats').then(function (r) { return r.json().then(function (body) {"
               " window.__fetched = { status: r.status, body: body }; }); }); });",
}


def fake_entry(name, module_id=None):
    return {"id": module_id or name, "options": {}, "strings": {},
            "script": {"url": f"/widget/plugins/{name}/0000/module.js", "integrity": None}}


def route_fake_modules(page, entries):
    def init(route):
        response = route.fetch()
        body = response.json()
        body["data"]["plugins"] = entries
        route.fulfill(response=response, body=json.dumps(body))

    def module(route):
        name = route.request.url.split("/widget/plugins/")[1].split("/")[0]
        if name not in FAKE_MODULES:
            route.fulfill(status=404, body="", headers={"Access-Control-Allow-Origin": "*"})
        else:
            route.fulfill(status=200, body=FAKE_MODULES[name], headers={"Access-Control-Allow-Origin": "*", "Content-Type": "text/javascript"})

    page.add_init_script("window.__order = [];")
    page.route(re.compile(r"/widget/modules\?"), init)
    page.route(re.compile(r"/widget/plugins/"), module)


def test_throwing_hanging_missing_and_unparsable_modules_never_break_the_chat(modules_server, site, context):
    url = strict_page(site, modules_server, "/broken", SHOP_KEY)
    entries = [fake_entry("early"), fake_entry("thrower"), fake_entry("missing"), fake_entry("syntax"), fake_entry("hanger"),
               fake_entry("fetcher", "link-guard")]
    page = open_watched(context, url, before=lambda p: route_fake_modules(p, entries))
    wait_until(lambda: "setup:fetcher" in page.evaluate("window.__order"), message="the last module set up")
    order = page.evaluate("window.__order")
    assert [step for step in order if step.startswith("script:")] == ["script:early", "script:thrower", "script:hanger", "script:fetcher"]
    assert [step for step in order if step.startswith("setup:")] == ["setup:early", "setup:hanger", "setup:fetcher"]

    # api.fetch reached LinkGuard's route with the site's key: /stats is for agents, so a visitor gets 401.
    wait_until(lambda: page.evaluate("window.__fetched"), message="api.fetch answered")
    fetched = page.evaluate("window.__fetched")
    assert fetched["status"] == 401 and fetched["body"]["success"] is False, fetched
    assert any("/plugins/link-guard/stats?widget_key=" + SHOP_KEY in u for u in page.requested)

    page.locator("#sanctum-chat-bubble").click()
    # The header action appears once the chat window has been built (on a loaded machine, a moment later).
    wait_until(lambda: page.locator("button.sanctum-module-action[aria-label='Stats']").count() == 1,
               message="the fetcher module's header action")
    assert page.locator("[data-module='thrower']").count() == 0, "a broken module's interface is removed"
    send(page, "still works")
    wait_until(lambda: page.evaluate("SanctumChat.getState().messageCount") == 1 and
               page.evaluate("SanctumChat.getState().pendingCount") == 0, message="message sent")
    shop_agent = SimpleNamespace(base_url=modules_server.base_url, api_key=SHOP_AGENT_KEY)
    assert [m["message"] for m in inbox_for(shop_agent, session_id(page))] == ["still works"]
    page.wait_for_timeout(5500)  # the hanging setup times out (5 s) and is switched off
    send(page, "and still")
    wait_until(lambda: page.evaluate("SanctumChat.getState().messageCount") == 2, message="second message sent")
    failures = [text for text in page.console_errors if "failed and was switched off" in text]
    assert sorted(f.split('"')[1] for f in failures) == ["hanger", "thrower"], page.console_errors
    assert any('module "missing" could not be loaded' in text for text in page.console_errors), page.console_errors
    assert [e for e in page.js_errors if "thrower" in e or "hanger" in e] == []


def test_a_page_from_before_an_upgrade_notices_and_loads_the_current_module(modules_server, site, context):
    """The first module list is an old one (the hash and integrity of a previous LinkGuard): the
    server answers the old URL with the current file, its integrity check fails, and the runtime
    asks /widget/modules again and loads the current module."""
    url = strict_page(site, modules_server, "/upgraded", SHOP_KEY)
    answered = []

    def old_list(route):
        response = route.fetch()
        body = response.json()
        if not answered:
            module = body["data"]["plugins"][0]
            module["script"] = {"url": module["script"]["url"].replace("/module.js", "").rsplit("/", 1)[0] + "/00000000000000000000/module.js"
                                + "?widget_key=" + SHOP_KEY, "integrity": "sha384-" + "A" * 64}
        answered.append(route.request.url)
        route.fulfill(response=response, body=json.dumps(body))

    page = open_watched(context, url, before=lambda p: p.route(re.compile(r"/widget/modules\?"), old_list))
    wait_until(lambda: page.evaluate("SanctumChat.__moduleState && SanctumChat.__moduleState().loaded.length") == 1,
               message="the current module set up")
    assert len(answered) == 2, answered
    assert any("/00000000000000000000/module.js" in u for u in page.requested)
    page.locator("#sanctum-chat-bubble").click()
    page.locator("#sanctum-chat-input").fill("https://a.example https://b.example")
    page.locator("[part=module-hint]").wait_for(state="visible")


def test_module_storage_waits_for_the_visitor_and_decorations_are_text(modules_server, site, context):
    url = strict_page(site, modules_server, "/keeper", SHOP_KEY)
    page = open_watched(context, url, before=lambda p: route_fake_modules(p, [fake_entry("keeper")]))
    wait_until(lambda: page.evaluate("window.__stored"), message="the module set up")
    keys = "Object.keys(localStorage).filter((k) => k.startsWith('sanctum-chat'))"
    assert page.evaluate("window.__stored") == [False]
    assert page.evaluate(keys) == [], "nothing stored before the visitor interacts"
    page.locator("#sanctum-chat-bubble").click()
    page.locator("#sanctum-chat-input").type("hi")
    wait_until(lambda: True in page.evaluate("window.__stored"), message="stored after the first keystrokes")
    stored = [k for k in page.evaluate(keys) if k.startswith("sanctum-chat:module:keeper:")]
    assert len(stored) == 1
    assert json.loads(page.evaluate(f"localStorage.getItem({json.dumps(stored[0])})")) == {"seen": 1, "drafted": True}
    decoration = page.locator(".sanctum-message.bot .sanctum-module-decoration[data-module=keeper]").first
    assert decoration.text_content() == "<b>bot</b>" and decoration.locator("b").count() == 0
