"""The widget's own pages served by the Host: /widget/ (embed instructions with a live snippet
generator) and /widget/demo (a playground for every option and method), under their CSP."""
import urllib.request

import pytest

from widget_helpers import browser, inbox_for, screenshot, wait_until


def wait_js(page, expression, timeout=10.0):
    """Polls with page.evaluate (Playwright's own polling uses eval, which these pages' CSP blocks)."""
    wait_until(lambda: page.evaluate(expression), timeout=timeout, message=expression)


def load(browser, url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(url)
    wait_js(page, "!!(window.SanctumChat && SanctumChat.getState && SanctumChat.getState().initialized)")
    page.locator("#sanctum-chat-bubble").wait_for()
    return page, problems


def test_pages_are_served_with_a_strict_csp_and_versioned_assets(server):
    for path, title in (("/widget/", "Embed Instructions"), ("/widget/demo", "Interactive Demo")):
        with urllib.request.urlopen(server.base_url + path) as r:
            body = r.read().decode()
            assert r.status == 200
            assert "default-src 'self'" in (r.headers.get("Content-Security-Policy") or "")
        assert title in body
        assert "__SANCTUM_ASSET_VERSION__" not in body
        assert "/widget/chat-widget.js" in body


def test_embed_page_generates_snippets_live(browser, server):
    page, problems = load(browser, server.base_url + "/widget/")
    snippet = page.locator("#snippet-data")
    assert f'src="{server.base_url}/widget/chat-widget.js"' in snippet.text_content()
    page.select_option("select[name=position]", "top-left")
    page.fill("input[name=title]", 'Say "hi" <there>')
    text = snippet.text_content()
    assert 'data-position="top-left"' in text and 'data-title="Say &quot;hi&quot; &lt;there>"' in text
    assert '"position": "top-left"' in page.locator("#snippet-js").text_content()
    # the preview widget follows the form
    wait_js(page, "SanctumChat.getConfig().position === 'top-left'")
    assert page.locator(".sanctum-chat-widget").get_attribute("data-position") == "top-left"
    screenshot(page, "page-embed")
    assert problems == []
    page.close()


def test_demo_page_drives_every_method(browser, server):
    page, problems = load(browser, server.base_url + "/widget/demo")
    page.click("#open")
    wait_js(page, "SanctumChat.getState().isOpen")
    page.fill("#send-text", "sent from the demo page")
    page.click("#send")
    wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount === 0 && SanctumChat.getState().messageCount === 1"),
               message="demo send")
    sid = page.evaluate("SanctumChat.getState().sessionId")
    assert [m["message"] for m in inbox_for(server, sid)] == ["sent from the demo page"]
    page.select_option("select[name=theme]", "dark")
    page.select_option("select[name=position]", "middle-left")
    page.click("#apply")
    assert page.locator(".sanctum-chat-widget").get_attribute("data-theme") == "dark"
    assert page.locator(".sanctum-chat-widget").get_attribute("data-position") == "middle-left"
    page.click("#identify")
    assert page.evaluate("SanctumChat.getState().user.name") == "Ada"
    page.click("#state")
    assert '"sessionId"' in page.locator("#output").text_content()
    page.click("#close")
    wait_js(page, "!SanctumChat.getState().isOpen")
    log = page.locator("#event-log").text_content()
    for event in ("ready", "open", "message", "close"):
        assert event in log
    screenshot(page, "page-demo")
    page.click("#destroy")
    assert page.locator(".sanctum-chat-widget").count() == 0
    page.click("#init")
    page.locator("#sanctum-chat-bubble").wait_for()
    assert problems == []
    page.close()
