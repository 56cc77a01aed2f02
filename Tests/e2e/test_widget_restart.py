"""Issue 5 acceptance: the server is killed (SIGKILL) and restarted while several real widgets (headless
Chromium, separate browsers' storage) and an agent are connected and messages flow. Afterwards every
visitor message reached the agent exactly once, in order, and every widget shows every reply exactly
once, in order."""
import signal
import threading
import time

from conftest import start_server
from test_realtime import call
from test_widget_realtime import ICON, start_conversation, transport
from widget_helpers import browser, site, bubbles, loader_tag, open_page, page_html, wait_until  # noqa: F401 (fixtures)

WIDGETS, PER_WIDGET = 3, 8


def test_kill_and_restart_with_widgets_and_an_agent_connected(browser, site, tmp_path):
    config = tmp_path / "sanctum.yaml"
    config.write_text("rate_limits: { enabled: false }\n")
    database = str(tmp_path / "sanctum.db")
    server = start_server(database=database, config=str(config))
    keys = {"SANCTUM_API_KEY": server.api_key, "SANCTUM_ADMIN_KEY": server.admin_key}
    url = site.add("/restart", page_html(loader_tag(server), head=ICON))
    contexts = [browser.new_context() for _ in range(WIDGETS)]
    handled, stop = {}, threading.Event()

    def agent():
        # At-least-once (lease + ack), de-duplicating by message id as that mode asks.
        while not stop.is_set():
            try:
                status, body = call(server, "GET", "inbox", key=server.api_key, params="&lease=2&wait=1")
                if status != 200:
                    continue
                for message in body["data"]["messages"]:
                    if message["id"] not in handled:
                        status, _ = call(server, "POST", "outbox", {"session_id": message["session_id"],
                                                                    "response": "re: " + message["message"],
                                                                    "client_response_id": f"re_{message['id']}"}, server.api_key)
                        if status != 200:
                            continue
                        handled[message["id"]] = message["message"]
                    call(server, "POST", "ack", {"message_ids": [message["id"]]}, server.api_key)
            except OSError:
                time.sleep(0.1)

    worker = threading.Thread(target=agent)
    worker.start()
    restarted = None
    try:
        pages = [open_page(ctx, url) for ctx in contexts]
        for n, page in enumerate(pages):
            start_conversation(page, f"w{n} #0")
        for page in pages:
            wait_until(lambda p=page: transport(p) == "websocket", message="stream open")
        for i in range(1, PER_WIDGET):
            for n, page in enumerate(pages):
                page.evaluate("t => SanctumChat.sendMessage(t)", f"w{n} #{i}")
            if i == PER_WIDGET // 2:
                server.process.send_signal(signal.SIGKILL)
                server.process.wait()
            if i == PER_WIDGET // 2 + 1:
                restarted = start_server(database=database, config=str(config), extra_env=keys, port=server.port)
            time.sleep(0.3)
        for n, page in enumerate(pages):
            expected = [f"re: w{n} #{i}" for i in range(PER_WIDGET)]
            wait_until(lambda p=page, e=expected: len(bubbles(p, "bot")) >= 1 + len(e), timeout=60, message=f"replies in widget {n}")
        time.sleep(1.5)  # anything duplicated late would show up now
        for n, page in enumerate(pages):
            assert bubbles(page, "user") == [f"w{n} #{i}" for i in range(PER_WIDGET)]
            assert bubbles(page, "bot")[1:] == [f"re: w{n} #{i}" for i in range(PER_WIDGET)], f"widget {n}"
            assert page.js_errors == []
        assert sorted(handled.values()) == sorted(f"w{n} #{i}" for n in range(WIDGETS) for i in range(PER_WIDGET))
        for n in range(WIDGETS):
            order = [text for text in handled.values() if text.startswith(f"w{n} ")]  # in the order the agent handled them
            assert order == [f"w{n} #{i}" for i in range(PER_WIDGET)], "each conversation reached the agent in order"
    finally:
        stop.set()
        worker.join(timeout=30)
        for ctx in contexts:
            ctx.close()
        (restarted or server).stop()
