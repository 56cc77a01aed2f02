"""Helpers for the widget browser tests: a host-page server on a different origin than
sanctum, a headless Chromium (Debian's `chromium`), and agent-side API calls."""
import json
import os
import shutil
import threading
import time
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"

# {ws_origin}: the server's origin with ws: (wss: for https:), for the real-time stream.
STRICT_CSP = ("default-src 'self'; style-src 'self'; script-src 'self' {origin}; "
              "connect-src 'self' {origin} {ws_origin}; img-src 'self' {origin} data:")


class HostSite:
    """A tiny web server for the pages that embed the widget (a second loopback origin).

    `add(path, body, headers)` registers a page or script; everything else is 404.
    """

    def __init__(self):
        self.routes = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path = self.path.split("?", 1)[0]
                if path not in site.routes:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, ctype, headers = site.routes[path]
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        # "localhost" rather than 127.0.0.1: a different origin (scheme+host+port) from sanctum.
        self.origin = f"http://localhost:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def add(self, path, body, headers=None, ctype=None):
        if ctype is None:
            ctype = "text/javascript; charset=utf-8" if path.endswith(".js") else "text/html; charset=utf-8"
        self.routes[path] = (body, ctype, headers or {})
        return self.origin + path

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def page_html(body="", head="", lang="en", dir_attr=None, title="Host page"):
    dir_html = f' dir="{dir_attr}"' if dir_attr else ""
    return f"""<!doctype html>
<html lang="{lang}"{dir_html}>
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>{head}</head>
<body>
<main>
<h1>{title}</h1>
<p>This page embeds the Sanctum Chat widget from another origin.</p>
<p><a href="#top">A link on the host page</a></p>
</main>
{body}
</body>
</html>"""


def loader_tag(server, **data):
    data = data or {"auto_init": "true"}
    attrs = "".join(f' data-{k.replace("_", "-")}="{v}"' for k, v in data.items())
    return f'<script src="{server.base_url}/widget/chat-widget.js"{attrs}></script>'


def launch_chromium(playwright):
    executable = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return playwright.chromium.launch(executable_path=executable,
                                      args=["--no-sandbox", "--disable-dev-shm-usage"])


def api(server, method, action, body=None, key=None, params=""):
    """Calls the bridge API like an agent would (urllib, optional Bearer key)."""
    url = f"{server.base_url}/api/v1/?action={action}{params}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Authorization", "Bearer " + key)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def has_realtime(server):
    """Whether the server has the real-time API (docs/realtime.md): older servers answer the
    `events` action with 400 "Invalid action"."""
    try:
        api(server, "GET", "events", params="&session_id=session_probe0000&last_event_id=0&wait=0")
    except urllib.error.HTTPError as e:
        return not (e.code == 404 or (e.code == 400 and "Invalid action" in e.read().decode(errors="replace")))
    return True


def agent_reply(server, session_id, text):
    out = api(server, "POST", "outbox", {"session_id": session_id, "response": text}, key=server.api_key)
    assert out["success"], out
    return out["data"]


def inbox_for(server, session_id):
    """Drains the agent inbox and returns the messages of one session (other sessions' ones are dropped)."""
    found = []
    while True:
        out = api(server, "GET", "inbox", key=server.api_key, params="&limit=100")
        messages = out["data"]["messages"]
        found += [m for m in messages if m["session_id"] == session_id]
        if len(messages) < 100:
            return found


def wait_until(predicate, timeout=10.0, interval=0.1, message="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")


def screenshot(page, name):
    page.wait_for_function("!document.querySelector('.sanctum-chat-widget') || "
                           "document.querySelector('.sanctum-chat-widget').shadowRoot.getAnimations().length === 0")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def session_id(page):
    return page.evaluate("SanctumChat.getState().sessionId")


# Shared fixtures (imported by the widget test modules).
@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = launch_chromium(p)
        b.devices = p.devices  # Playwright's device descriptors, for phone emulation (test_examples.py)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site():
    s = HostSite()
    yield s
    s.stop()


@pytest.fixture
def context(browser):
    """A fresh browser context (its own storage) per test."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    yield ctx
    ctx.close()


def open_page(context, url, init_scripts=()):
    """Opens `url` with `init_scripts` run first; waits for the widget and its bubble. JavaScript
    errors of the page are collected in `page.js_errors`."""
    page = context.new_page()
    for script in init_scripts:
        page.add_init_script(script)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function("window.SanctumChat && SanctumChat.getState().initialized")
    page.locator("#sanctum-chat-bubble").wait_for(state="visible")
    page.js_errors = errors
    return page


def send(page, text):
    """Types `text` into the chat input and presses Enter."""
    box = page.locator("#sanctum-chat-input")
    box.fill(text)
    box.press("Enter")


def bubbles(page, kind):
    """The texts of the `user`, `bot` or `error` message rows, in order."""
    return page.locator(f".sanctum-message.{kind} .sanctum-message-text").all_text_contents()
