"""The integration examples in examples/ (docs/integrations.md), each tested for real: the
WordPress plugin with php-cli and a WordPress stub, the Shopify app embed block rendered with
python-liquid, the React component bundled with esbuild against a React shim, and the mobile
WebView page in Chromium's phone emulation. Every example ends up in Chromium against the test
server: bubble drawn, a message reaches the agent inbox."""
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from widget_helpers import STRICT_CSP, agent_reply, browser, context, inbox_for, page_html, send, site, wait_until

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
HOSTILE = '"><script>alert(1)</script>'


def csp(server):
    return {"Content-Security-Policy": STRICT_CSP.format(origin=server.base_url,
                                                         ws_origin=server.base_url.replace("http:", "ws:", 1))}


class Tags(HTMLParser):
    """The start tags of an HTML fragment as (tag, {attribute: value}), entities decoded."""

    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


# Runs before the page's scripts (CSP does not apply to it): records CSP violations and page errors.
WATCH = ("window.__violations = []; window.__errors = [];"
         "document.addEventListener('securitypolicyviolation', e => __violations.push(e.violatedDirective + ' ' + e.blockedURI));"
         "window.addEventListener('error', e => __errors.push(String(e.message)));")


def until(page, expression, message=None):
    """Polls `expression` with page.evaluate (Playwright's wait_for_function needs eval, which a strict CSP blocks)."""
    return wait_until(lambda: page.evaluate(expression), message=message or expression)


def open_example(context, url):
    """Opens an example page and waits for the widget's bubble."""
    page = context.new_page()
    page.add_init_script(WATCH)
    page.goto(url)
    until(page, "!!(window.SanctumChat && SanctumChat.getState().initialized)")
    page.locator("#sanctum-chat-bubble").wait_for(state="visible")
    return page


def clean(page):
    """No CSP violation, no uncaught error on the page."""
    return page.evaluate("[__violations, __errors]") == [[], []]


def chat_round_trip(server, page, text):
    """Opens the window, sends `text` through the input and checks it reached the agent inbox."""
    page.locator("#sanctum-chat-bubble").click()
    until(page, "SanctumChat.getState().isOpen")
    send(page, text)
    until(page, "SanctumChat.getState().pendingCount === 0 && SanctumChat.getState().messageCount === 1", "message sent")
    sid = page.evaluate("SanctumChat.getState().sessionId")
    assert [m["message"] for m in inbox_for(server, sid)] == [text]
    return sid


# ------------------------------------------------------------------------------ WordPress

WP_PLUGIN = EXAMPLES / "wordpress" / "sanctum-chat"
needs_php = pytest.mark.skipif(not shutil.which("php"), reason="php-cli is not installed (scripts/setup installs it)")


def wordpress(options, can_manage=True, submit=None, uninstall=False):
    """Runs the plugin under the WordPress stub (Tests/e2e/fixtures/wordpress) and returns what it produced."""
    request = {"plugin": str(WP_PLUGIN), "options": options, "can_manage": can_manage, "submit": submit, "uninstall": uninstall}
    result = subprocess.run(["php", str(FIXTURES / "wordpress" / "render.php")], input=json.dumps(request),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and not result.stderr, result.stdout + result.stderr
    return json.loads(result.stdout)


@needs_php
def test_wordpress_plugin_files_pass_php_lint():
    files = sorted(WP_PLUGIN.rglob("*.php")) + sorted((FIXTURES / "wordpress").glob("*.php"))
    assert len(files) >= 4
    for path in files:
        result = subprocess.run(["php", "-l", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    header = (WP_PLUGIN / "sanctum-chat.php").read_text()
    assert "Plugin Name:       Sanctum Chat" in header and "Version:" in header
    assert "=== Sanctum Chat ===" in (WP_PLUGIN / "readme.txt").read_text()


@needs_php
def test_wordpress_plugin_injects_nothing_when_disabled_or_unconfigured():
    configured = {"enabled": True, "server_url": "https://chat.example.com", "widget_key": "pk_1"}
    assert "<script" in wordpress(configured)["front"]
    for options in (None, {**configured, "enabled": False}, {**configured, "server_url": ""},
                    {**configured, "server_url": "javascript:alert(1)"}, "damaged"):
        assert "<script" not in wordpress(options)["front"], options


@needs_php
def test_wordpress_plugin_escapes_hostile_settings_in_the_tag_and_the_settings_page():
    out = wordpress({"enabled": True, "server_url": 'https://chat.example.com/support/"><script>x</script>',
                     "widget_key": "pk_" + HOSTILE, "title": HOSTILE, "language": "de", "position": "bottom-left",
                     "primary_color": "#0F766E"})
    assert "<script>alert" not in out["front"] and "<script>x" not in out["front"]
    [tag] = Tags(out["front"]).find("script")
    assert tag["src"].startswith("https://chat.example.com/support") and tag["src"].endswith("/widget/chat-widget.js")
    assert '"' not in tag["src"] and "<" not in tag["src"]
    assert "async" in tag and tag["data-title"] == HOSTILE and tag["data-api-key"] == "pk_" + HOSTILE
    assert (tag["data-auto-init"], tag["data-position"], tag["data-language"]) == ("true", "bottom-left", "de")

    page = out["settings_page"]
    assert "<script" not in page
    form = Tags(page)
    assert form.find("form", action="https://shop.example/wp-admin/options.php", method="post")
    assert form.find("input", name="option_page", value="sanctum_chat") and form.find("input", name="_wpnonce")
    assert form.find("input", name="sanctum_chat_settings[title]")[0]["value"] == HOSTILE
    assert form.find("option", value="bottom-left")[0].get("selected") == "selected"
    assert {a["name"] for a in form.find("input") + form.find("select") if a.get("name", "").startswith("sanctum_chat_settings")} == {
        f"sanctum_chat_settings[{f}]" for f in ("enabled", "server_url", "widget_key", "position", "primary_color", "title", "language")}
    assert out["pages"] == {"sanctum-chat": {"page_title": "Sanctum Chat", "menu_title": "Sanctum Chat", "capability": "manage_options"}}
    assert out["setting"] == {"sanctum_chat_settings": {"group": "sanctum_chat", "sanitize": "sanctum_chat_sanitize"}}
    assert "options-general.php?page=sanctum-chat" in out["links"][0]

    visitor = wordpress({"enabled": True, "server_url": "https://chat.example.com"}, can_manage=False)
    assert visitor["settings_page"] == "" and len(visitor["links"]) == 1


@needs_php
def test_wordpress_plugin_sanitizes_submitted_settings_and_uninstall_removes_them():
    old = {"enabled": True, "server_url": "https://chat.example.com", "widget_key": "pk_old", "position": "top-left",
           "primary_color": "#123456", "title": "Old", "language": "fr"}
    out = wordpress(old, submit={"server_url": "https://chat.acme.test/widget/chat-widget.js?x=1", "widget_key": " pk_new ",
                                 "position": "top-right", "primary_color": "#ABC", "title": "<b>Hi</b> " + HOSTILE,
                                 "language": "pt-BR", "enabled": "1"})
    assert out["sanitized"] == {"enabled": True, "server_url": "https://chat.acme.test", "widget_key": "pk_new",
                                "position": "top-right", "primary_color": "#abc", "title": 'Hi ">alert(1)', "language": "pt-BR"}
    assert out["errors"] == []
    bad = wordpress(old, submit={"server_url": "javascript:alert(1)//", "widget_key": HOSTILE, "position": "nowhere",
                                 "primary_color": "red", "language": HOSTILE, "title": "New"}, uninstall=True)["sanitized"]
    assert bad == {**old, "enabled": False, "language": "", "title": "New"}
    assert wordpress(old, uninstall=True)["options_after_uninstall"] == []


@needs_php
def test_wordpress_snippet_shows_the_widget_and_reaches_the_agent(server, site, context):
    out = wordpress({"enabled": True, "server_url": server.base_url + "/", "widget_key": server.widget_key,
                     "title": HOSTILE, "primary_color": "#0f766e", "position": "bottom-left"})
    url = site.add("/wordpress", page_html(out["front"]), headers=csp(server))
    page = open_example(context, url)
    assert page.evaluate("SanctumChat.getConfig()")["title"] == HOSTILE
    assert page.evaluate("document.querySelector('.sanctum-chat-widget').dataset.position") == "bottom-left"
    chat_round_trip(server, page, "Hello from WordPress")
    assert page.locator("#sanctum-chat-title").text_content() == HOSTILE
    assert clean(page)


# ------------------------------------------------------------------------------ Shopify

SHOPIFY = EXAMPLES / "shopify" / "extensions" / "sanctum-chat"
SCHEMA = re.compile(r"{%-?\s*schema\s*-?%}(.*?){%-?\s*endschema\s*-?%}", re.S)


def shopify_block(settings, locale="en"):
    """Renders the app embed block like Shopify does: the {% schema %} is taken out, `block.settings` given."""
    import liquid
    source = (SHOPIFY / "blocks" / "sanctum-chat.liquid").read_text()
    return liquid.Template(SCHEMA.sub("", source)).render(block={"settings": settings}, request={"locale": {"iso_code": locale}})


def test_shopify_block_schema_is_an_app_embed_with_the_settings():
    toml = (SHOPIFY / "shopify.extension.toml").read_text()
    assert re.search(r'^type = "theme"$', toml, re.M) and re.search(r'^name = "Sanctum Chat"$', toml, re.M)
    schema = json.loads(SCHEMA.search((SHOPIFY / "blocks" / "sanctum-chat.liquid").read_text()).group(1))
    assert schema["name"] == "Sanctum Chat" and schema["target"] == "body"
    settings = {s["id"]: s for s in schema["settings"]}
    assert list(settings) == ["server_url", "widget_key", "position", "primary_color", "title"]
    assert all(s["label"] and s["type"] in ("text", "select", "color") for s in settings.values())
    assert [o["value"] for o in settings["position"]["options"]][0] == settings["position"]["default"] == "bottom-right"
    assert settings["primary_color"]["type"] == "color"


def test_shopify_block_renders_an_escaped_loader_tag_and_nothing_without_a_valid_server():
    settings = {"server_url": " https://chat.example.com/support/ ", "widget_key": "pk_" + HOSTILE, "position": "bottom-left",
                "primary_color": "#0f766e", "title": HOSTILE}
    html = shopify_block(settings, locale="de")
    assert "<script>alert" not in html
    [tag] = Tags(html).find("script")
    assert tag == {"src": "https://chat.example.com/support/widget/chat-widget.js", "async": None, "data-auto-init": "true",
                   "data-api-key": "pk_" + HOSTILE, "data-position": "bottom-left", "data-primary-color": "#0f766e",
                   "data-title": HOSTILE, "data-language": "de"}
    pasted = Tags(shopify_block({**settings, "server_url": "https://chat.example.com/widget/chat-widget.js"})).find("script")
    assert pasted[0]["src"] == "https://chat.example.com/widget/chat-widget.js"
    for url in ("", "javascript:alert(1)//", "chat.example.com", 'https://x.test/"><script>alert(1)</script>'):
        assert "<script" not in shopify_block({**settings, "server_url": url}), url
    assert "data-title" not in shopify_block({**settings, "title": ""})


def test_shopify_block_shows_the_widget(server, site, context):
    html = shopify_block({"server_url": server.base_url, "widget_key": server.widget_key, "position": "top-left",
                          "primary_color": "#6b21a8", "title": "Shop " + HOSTILE})
    page = open_example(context, site.add("/shopify", page_html(html), headers=csp(server)))
    assert page.evaluate("document.querySelector('.sanctum-chat-widget').dataset.position") == "top-left"
    chat_round_trip(server, page, "Hello from Shopify")
    assert page.locator("#sanctum-chat-title").text_content() == "Shop " + HOSTILE
    assert clean(page)


# ------------------------------------------------------------------------------ React

@pytest.fixture(scope="module")
def react_bundle(tmp_path_factory):
    """The test app (fixtures/react/app.jsx, which imports examples/react/SanctumChat.jsx) bundled
    by esbuild, with `react` and `react-dom/client` aliased to the test's shim."""
    esbuild = shutil.which("esbuild")
    if not esbuild:
        pytest.skip("esbuild is not installed (scripts/setup installs it)")
    shim = FIXTURES / "react" / "react-shim.js"
    out = tmp_path_factory.mktemp("react") / "app.js"
    subprocess.run([esbuild, str(FIXTURES / "react" / "app.jsx"), "--bundle", "--format=iife", "--target=es2020",
                    f"--alias:react={shim}", f"--alias:react-dom/client={shim}", f"--outfile={out}", "--log-level=warning"],
                   check=True, cwd=ROOT, timeout=60)
    return out.read_text()


def widgets(page):
    return page.evaluate("[document.querySelectorAll('.sanctum-chat-widget').length, document.querySelectorAll('script[src*=\"chat-widget.js\"]').length]")


def events(page, name):
    return [payload for event, payload in page.evaluate("window.events") if event == name]


def test_react_component_mounts_updates_unmounts_and_remounts(server, site, context, react_bundle):
    site.add("/react/app.js", react_bundle)
    page = context.new_page()
    page.add_init_script(WATCH)
    page.goto(site.add("/react/", page_html('<div id="root"></div><script src="/react/app.js"></script>'), headers=csp(server)))
    chat = {"baseUrl": server.base_url + "/", "apiKey": server.widget_key, "title": "Shop support", "position": "bottom-left"}

    # Unmounted while the loader is still loading: nothing may appear afterwards.
    page.evaluate("chat => { testApp.render('home', chat); testApp.unmount(); }", chat)
    until(page, "!!window.SanctumChat")
    page.wait_for_timeout(300)
    assert widgets(page) == [0, 1]

    # Mount under StrictMode (effects run, are cleaned up and run again): one widget, one ready.
    page.evaluate("chat => testApp.render('home', chat)", chat)
    until(page, "SanctumChat.getState().initialized")
    page.locator("#sanctum-chat-bubble").wait_for(state="visible")
    until(page, "events.some(e => e[0] === 'ready')")
    assert widgets(page) == [1, 1] and len(events(page, "ready")) == 1
    assert page.evaluate("SanctumChat.getConfig().position") == "bottom-left"
    sid = chat_round_trip(server, page, "Hello from React")
    until(page, "events.some(e => e[0] === 'message')")
    assert [(m["type"], m["message"]) for m in events(page, "message")] == [("user", "Hello from React")]
    assert len(events(page, "open")) == 1

    # New props: options applied live, the new callback receives the next event.
    page.evaluate("chat => testApp.render('home', chat, 'message-2')", {**chat, "title": "Changed title", "primaryColor": "#0f766e"})
    until(page, "SanctumChat.getConfig().title === 'Changed title'")
    assert page.locator("#sanctum-chat-title").text_content() == "Changed title"
    assert page.evaluate("SanctumChat.getConfig().primaryColor") == "#0f766e"
    agent_reply(server, sid, "Reply to React")
    until(page, "events.some(e => e[0] === 'message-2')")
    assert [(m["type"], m["message"]) for m in events(page, "message-2")] == [("bot", "Reply to React")]
    assert len(events(page, "message")) == 1

    # SPA navigation to another route with its own <SanctumChat>: still one widget, same conversation.
    page.evaluate("chat => testApp.render('orders', chat)", chat)
    until(page, "SanctumChat.getState().initialized && SanctumChat.getConfig().title === 'Shop support'")
    page.locator("#sanctum-chat-bubble").wait_for(state="visible")
    assert widgets(page) == [1, 1]
    until(page, "SanctumChat.getState().isLoaded")
    assert page.evaluate("SanctumChat.getState().sessionId") == sid

    page.evaluate("testApp.unmount()")
    assert widgets(page) == [0, 1] and page.evaluate("SanctumChat.getState().initialized") is False

    page.evaluate("chat => testApp.render('home', chat)", chat)
    until(page, "SanctumChat.getState().initialized")
    page.locator("#sanctum-chat-bubble").wait_for(state="visible")
    assert widgets(page) == [1, 1]
    assert clean(page)


# ------------------------------------------------------------------------------ Mobile WebView

WEBVIEW = EXAMPLES / "webview"
# The native side as the page sees it: WKWebView's message handler (objects) or Android's
# addJavascriptInterface object (strings only). Messages are collected in window.__native.
BRIDGES = {
    "ios": "window.__native = []; window.webkit = { messageHandlers: { sanctum: { postMessage(m) {"
           " __native.push(JSON.parse(JSON.stringify(m))); } } } };",
    "android": "window.__native = []; window.SanctumAndroid = { postMessage(s) {"
               " if (typeof s !== 'string') throw new TypeError('Android bridges take strings'); __native.push(JSON.parse(s)); } };",
}


def native(page, kind=None):
    return [m["payload"] for m in page.evaluate("window.__native") if kind is None or m["type"] == kind]


@pytest.mark.parametrize("device, bridge", [("iPhone 13", "ios"), ("Pixel 7", "android"), ("iPad Mini", "ios")])
def test_webview_page_is_full_screen_and_talks_to_the_native_app(server, site, browser, device, bridge):
    ws = server.base_url.replace("http:", "ws:", 1)
    html = ((WEBVIEW / "index.html").read_text().replace("wss://chat.example.com", ws)
            .replace("https://chat.example.com", server.base_url).replace("pk_live_REPLACE_ME", server.widget_key))
    site.add("/app/webview.js", (WEBVIEW / "webview.js").read_text())
    site.add("/app/webview.css", (WEBVIEW / "webview.css").read_text(), ctype="text/css")
    url = site.add("/app/index.html", html)
    emulation = {k: v for k, v in browser.devices[device].items() if k != "default_browser_type"}
    context = browser.new_context(**emulation)
    try:
        page = context.new_page()
        page.add_init_script(WATCH)
        page.add_init_script(BRIDGES[bridge])
        page.goto(url + "?language=de&title=Hilfe")
        until(page, "window.__native.some(m => m.type === 'open')", "opened on start")
        assert [m["type"] for m in page.evaluate("__native")][:2] == ["ready", "open"]
        assert native(page, "ready")[0]["initialized"] is True
        assert page.evaluate("SanctumChat.getConfig()")["language"] == "de"
        assert page.locator("#sanctum-chat-title").text_content() == "Hilfe"
        assert page.locator("#sanctum-webview-status").is_hidden()

        # Full screen: the chat window covers the whole viewport and the bubble is hidden.
        until(page, "SanctumChat.getState().isOpen")
        page.wait_for_timeout(400)  # the opening transition
        viewport = emulation["viewport"]
        box = page.locator("#sanctum-chat-window").bounding_box()
        assert [round(box[k]) for k in ("x", "y", "width", "height")] == [0, 0, viewport["width"], viewport["height"]]
        assert page.locator("#sanctum-chat-bubble").is_hidden()

        # Commands from the app.
        page.evaluate("sanctumNative.identify('{\"id\": \"user-42\", \"name\": \"Ada\"}')")
        assert page.evaluate("SanctumChat.getState().user") == {"id": "user-42", "name": "Ada"}
        page.evaluate("sanctumNative.sendMessage('Hello from the app')")
        until(page, "window.__native.some(m => m.type === 'sent')")
        assert native(page, "sent")[0]["clientMessageId"]
        until(page, "window.__native.some(m => m.type === 'message' && m.payload.type === 'user')", "accepted by the server")
        sid = page.evaluate("SanctumChat.getState().sessionId")
        assert [m["message"] for m in inbox_for(server, sid)] == ["Hello from the app"]
        agent_reply(server, sid, "Hello from support")
        until(page, "window.__native.some(m => m.type === 'message' && m.payload.type === 'bot')")
        assert [(m["type"], m["message"]) for m in native(page, "message")] == [("user", "Hello from the app"), ("bot", "Hello from support")]

        page.evaluate("sanctumNative.close()")
        until(page, "window.__native.some(m => m.type === 'close')")
        page.evaluate("sanctumNative.open()")
        until(page, "window.__native.filter(m => m.type === 'open').length === 2")
        page.evaluate("sanctumNative.getState()")
        assert native(page, "state")[-1]["isOpen"] is True
        assert clean(page)
    finally:
        context.close()


def test_integration_docs_link_every_example_and_their_links_resolve():
    pages = [ROOT / "docs" / "integrations.md", EXAMPLES / "README.md"] + sorted(EXAMPLES.glob("*/README.md"))
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if not re.match(r"[a-z]+:", target):
                assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links to missing {target}"
    integrations = (ROOT / "docs" / "integrations.md").read_text()
    for example in ("wordpress", "shopify", "react", "webview"):
        assert f"../examples/{example}" in integrations and (EXAMPLES / example / "README.md").exists()
    assert "docs/integrations.md" in (ROOT / "README.md").read_text()
