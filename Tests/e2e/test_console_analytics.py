"""The console's Analytics view in Chromium (docs/console.md#analytics): it renders SVG charts
for the signed-in site, and every number of its summary and tables equals the summary API's
answer for the same range (widget timings and errors included); an admin also sees the server's
requests per action from /metrics. Screenshots (desktop and a 390x844 phone) go to the artifacts."""
import json
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect

from conftest import start_server
from widget_helpers import ARTIFACTS, browser, wait_until  # noqa: F401 (fixture)


def call(server, action, body, key=None):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = "Bearer " + key
    request = urllib.request.Request(server.base_url + "/api/v1/?action=" + action, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def summary(server, query):
    request = urllib.request.Request(server.base_url + "/plugins/analytics/summary?" + query,
                                     headers={"Authorization": "Bearer " + server.admin_key})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


@pytest.fixture(scope="module")
def analytics_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("console-analytics")
    config = folder / "analytics.yaml"
    config.write_text("tiers: { analytics: { plugins: [analytics] } }\n"
                      "default_site: { tier: analytics }\n")
    server = start_server(database=str(folder / "db.sqlite"), config=str(config))
    for session, texts in (("session_console_a", ["hello", "anyone?"]), ("session_console_b", ["hi"])):
        for text in texts:
            call(server, "messages", {"session_id": session, "message": text, "widget_key": server.widget_key})
    call(server, "outbox", {"session_id": "session_console_a", "response": "yes"}, key=server.api_key)
    beacon = {"browser": "firefox", "version": "test-1", "funnel": ["chat_opened"],
              "timings": [{"name": "reply_shown", "ms": 12}, {"name": "open_interactive", "ms": 80}],
              "errors": [{"message": "boom", "source": "widget", "frames": ["at f (chat.js:1:2)"]}]}
    request = urllib.request.Request(f"{server.base_url}/plugins/analytics/beacon?widget_key={server.widget_key}",
                                     data=json.dumps(beacon).encode(), headers={"Content-Type": "text/plain"}, method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    wait_until(lambda: summary(server, "")["totals"]["agent_replies"] == 1, timeout=30, message="the rollups caught up")
    yield server
    server.stop()


def table_rows(page, caption):
    figure = page.locator("figure.chart", has=page.locator("figcaption", has_text=caption))
    return figure.locator("tbody tr").evaluate_all("(rows) => rows.map((r) => Array.from(r.children).map((c) => c.textContent))")


@pytest.mark.parametrize("viewport,name", [({"width": 1280, "height": 900}, "desktop"), ({"width": 390, "height": 844}, "phone")])
def test_the_analytics_view_draws_the_summary_apis_numbers(analytics_server, browser, viewport, name):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors, asked = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: "/plugins/analytics/summary" in r.url and asked.append(r.url))
    page.goto(analytics_server.base_url + "/admin/")
    page.locator("#keyInput").fill(analytics_server.admin_key)
    page.locator("#signInButton").click()
    expect(page.locator("#conversationsView")).to_be_visible()
    page.locator("#navAnalytics").click()
    expect(page.locator("#analyticsView")).to_be_visible()
    expect(page.locator("#analyticsCharts")).to_have_attribute("data-loaded", "true")
    data = summary(analytics_server, urllib.parse.urlsplit(asked[-1]).query)

    numbers = dict(zip(page.locator("#analyticsNumbers dt").all_text_contents(), page.locator("#analyticsNumbers dd").all_text_contents()))
    totals = data["totals"]
    assert numbers["Conversations"] == str(totals["conversations_started"]) == "2"
    assert numbers["Messages"] == str(totals["visitor_messages"]) == "3"
    assert numbers["Replies"] == str(totals["agent_replies"]) == "1"
    assert numbers["Unanswered"] == str(totals["unanswered"])

    series = [[p["start"], str(p["conversations_started"]), str(p["visitor_messages"]), str(p["agent_replies"])] for p in data["series"]]
    assert table_rows(page, "Conversations, messages and replies") == series
    assert table_rows(page, "Conversation funnel") == [[s["step"].replace("_", " "), str(s["count"])] for s in data["funnel"]]
    assert table_rows(page, "Widget funnel") == [[s["step"].replace("_", " "), str(s["count"])] for s in data["widget"]["funnel"]]
    histogram = data["totals"]["first_response"]["histogram"]
    assert table_rows(page, "First-response times") == [["≤ " + str(b["le"]).removesuffix(".0") + " s", str(b["count"])] for b in histogram]
    timings = data["widget"]["timings"]
    assert {(t["timing"], t["browser"]) for t in timings} == {("reply_shown", "firefox"), ("open_interactive", "firefox")}
    dash = lambda value: "–" if value is None else str(value).removesuffix(".0")
    assert table_rows(page, "Widget timings") == [[t["timing"].replace("_", " ") + " · " + t["browser"], str(t["count"]),
                                                    dash(t["median_ms"]), dash(t["p90_ms"])] for t in timings]
    assert table_rows(page, "Widget errors") == [["widget: boom", "1", "test-1", "firefox 1", "at f (chat.js:1:2)"]]
    # The server's requests per action, from this instance's /metrics (admins only).
    actions = {row[0]: row for row in table_rows(page, "Server requests per action")}
    assert int(actions["POST /api/v1/messages"][1]) >= 3, actions
    assert actions["POST /api/v1/messages"][2] != "–"
    assert page.locator("#analyticsCharts svg polyline").count() == 3
    assert page.locator("#analyticsCharts svg rect.bar").count() >= 3

    page.locator("#analyticsRange").select_option("30")
    wait_until(lambda: len(asked) >= 2, message="the range picker reloaded")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"console-analytics-{name}.png"), full_page=True)
    assert errors == []
    context.close()
