"""The `analytics` plugin against a real server: 50 scripted conversations with known timings on
the injected clock (answered, followed up, reopened after the quiet time, unanswered), then every
figure of the summary, the daily CSV and the per-conversation CSV checked against numbers this
test computes from the script on its own."""
import csv
import io
import json
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from conftest import start_server

ZONE = ZoneInfo("Asia/Kolkata")  # +05:30: local quarter hours and days differ from UTC hours and days
QUIET = 1800  # the default reopening quiet time


def call(server, method, action, body=None, key=None):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = "Bearer " + key
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.base_url + "/api/v1/?action=" + action, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def clock(server, advance: float) -> datetime:
    """Advances the server's clock and returns its time (the clock is the wall clock plus an offset)."""
    request = urllib.request.Request(server.base_url + "/_test/clock", method="POST", data=json.dumps({"advance": advance}).encode(),
                                     headers={"Authorization": "Bearer " + server.admin_key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
    return datetime.fromisoformat(body.get("data", body)["now"].replace("Z", "+00:00"))


def get(server, path, params, key):
    url = server.base_url + "/plugins/analytics" + path + "?" + urllib.parse.urlencode(params)
    request = urllib.request.Request(url, headers={"Authorization": "Bearer " + key})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read()


def script():
    """(seconds after the start, "visitor" | "agent", conversation index) of 50 conversations, with
    what each agent message is by construction: ("first", latency), ("reply", latency) or None."""
    events = []
    for i in range(50):
        t = 70 * i + 5
        kind = i % 5
        events.append((t, "visitor", i, None))
        if kind == 0:  # unanswered; every other one writes twice
            if i % 10 == 0:
                events.append((t + 50, "visitor", i, None))
        elif kind == 1:  # answered once
            events.append((t + 20 + i, "agent", i, ("first", 20 + i)))
        elif kind == 2:  # answered, a follow-up within the quiet time, answered again
            events.append((t + 40, "agent", i, ("first", 40)))
            events.append((t + 140, "visitor", i, None))
            events.append((t + 187, "agent", i, ("reply", 47)))
        elif kind == 3:  # answered, quiet for longer than 30 minutes, reopened, answered: a reply
            events.append((t + 30, "agent", i, ("first", 30)))
            events.append((t + 30 + QUIET + 200 + i, "visitor", i, "reopen"))
            events.append((t + 30 + QUIET + 200 + i + 50 + i, "agent", i, ("reply", 50 + i)))
        else:  # two visitor messages before the first answer, then an unsolicited agent message
            events.append((t + 10, "visitor", i, None))
            events.append((t + 90 + i, "agent", i, ("first", 90 + i)))
            events.append((t + 300 + i, "agent", i, None))
    return sorted(events, key=lambda e: (e[0], e[2]))


def bound(seconds: float) -> float:
    """The upper bound of the histogram bucket of a latency (docs/plugins/analytics.md)."""
    index = 0 if seconds <= 1 else min(72, math.ceil(4 * math.log2(seconds)))
    return round(2 ** (index / 4), 3)


def percentile(latencies, q):
    if not latencies:
        return None
    ordered = sorted(bound(x) for x in latencies)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def expected_figures(events, start, quarter_of):
    """Figures per point (quarter_of maps a time to its point) computed from the script alone."""
    points = defaultdict(lambda: {"started": 0, "answered": 0, "reopened": 0, "visitor": 0, "agent": 0,
                                  "visitors": set(), "first": [], "reply": []})
    started_at = {}
    for t, who, i, label in events:
        at = start + timedelta(seconds=t)
        point = points[quarter_of(at)]
        if who == "visitor":
            point["visitor"] += 1
            point["visitors"].add(i)
            if i not in started_at:
                started_at[i] = at
                point["started"] += 1
            if label == "reopen":
                point["reopened"] += 1
        else:
            point["agent"] += 1
            if label and label[0] == "first":
                point["first"].append(label[1])
                points[quarter_of(started_at[i])]["answered"] += 1
            elif label:
                point["reply"].append(label[1])
    return points


def as_json(figures):
    return {
        "conversations_started": figures["started"], "answered": figures["answered"],
        "unanswered": figures["started"] - figures["answered"], "reopened": figures["reopened"],
        "visitor_messages": figures["visitor"], "agent_replies": figures["agent"], "unique_visitors": len(figures["visitors"]),
        "first_response": {"count": len(figures["first"]), "median_seconds": percentile(figures["first"], 0.5),
                           "p90_seconds": percentile(figures["first"], 0.9)},
        "reply": {"count": len(figures["reply"]), "median_seconds": percentile(figures["reply"], 0.5),
                  "p90_seconds": percentile(figures["reply"], 0.9)},
    }


def merged(points):
    total = {"started": 0, "answered": 0, "reopened": 0, "visitor": 0, "agent": 0, "visitors": set(), "first": [], "reply": []}
    for figures in points:
        for key, value in figures.items():
            if isinstance(value, set):
                total[key] |= value
            else:
                total[key] = total[key] + value
    return total


def test_fifty_scripted_conversations_give_exactly_the_expected_figures_and_csv_rows(tmp_path):
    config = tmp_path / "analytics.yaml"
    config.write_text("rate_limits: { enabled: false }\n"
                      "tiers: { analytics: { plugins: [analytics] } }\n"
                      "default_site: { tier: analytics }\n"
                      "plugins:\n  analytics:\n    sites:\n      - { site: default, time_zone: Asia/Kolkata }\n")
    server = start_server(database=str(tmp_path / "db.sqlite"), config=str(config))
    try:
        # Start 1 s after a local midnight less an hour, so the conversations span two local days.
        now = clock(server, 0)
        local = now.astimezone(ZONE)
        midnight = datetime(local.year, local.month, local.day, tzinfo=ZONE) + timedelta(days=1)
        start = (midnight - timedelta(hours=1, seconds=-1)).astimezone(timezone.utc)
        if start <= now + timedelta(seconds=5):
            start += timedelta(days=1)
        events = script()
        sessions = {i: f"session_analytics_{i:02d}" for i in range(50)}
        for t, who, i, _ in events:
            target = start + timedelta(seconds=t)
            current = clock(server, 0)
            clock(server, max(0.0, (target - current).total_seconds()))
            if who == "visitor":
                call(server, "POST", "messages", {"session_id": sessions[i], "message": f"hello {t}", "widget_key": server.widget_key})
            else:
                call(server, "POST", "outbox", {"session_id": sessions[i], "response": f"answer {t}"}, key=server.api_key)
        last = start + timedelta(seconds=events[-1][0])
        assert (clock(server, 0) - last).total_seconds() < 0.5, "the script ran on the intended timings"

        frm = start - timedelta(seconds=1)
        to = last.replace(second=0, microsecond=0) + timedelta(minutes=30)
        to = to - timedelta(minutes=to.minute % 15)
        params = {"from": frm.isoformat(), "to": to.isoformat(), "interval": "15m"}
        deadline = time.time() + 60
        while True:
            status, _, body = get(server, "/summary", params, server.api_key)
            assert status == 200, body
            data = json.loads(body)["data"]
            if data["totals"]["visitor_messages"] + data["totals"]["agent_replies"] == len(events) or time.time() > deadline:
                break
            time.sleep(0.2)

        def quarter(at):
            return at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)

        points = expected_figures(events, start, quarter)
        totals = as_json(merged(points.values()))
        assert totals["conversations_started"] == 50 and totals["reopened"] == 10 and totals["unanswered"] == 10
        got = {key: value for key, value in data["totals"].items()}
        for latency in ("first_response", "reply"):
            got[latency] = {k: v for k, v in got[latency].items() if k != "histogram"}
        assert got == totals

        series = data["series"]
        first_point = quarter(frm)
        assert series[0]["start"] == first_point.astimezone(ZONE).isoformat()
        for index, point in enumerate(series):
            at = first_point + timedelta(minutes=15 * index)
            assert point["start"] == at.astimezone(ZONE).isoformat()
            expected = as_json(points[at]) if at in points else as_json(merged([]))
            assert {k: v for k, v in point.items() if k != "start"} == expected, point["start"]
        assert set(points) <= {first_point + timedelta(minutes=15 * k) for k in range(len(series))}
        histogram = sorted(bound(x) for x in merged(points.values())["first"])
        assert [b["count"] for b in data["totals"]["first_response"]["histogram"]] == [histogram.count(b) for b in sorted(set(histogram))]
        assert data["funnel"] == [{"step": "visitors", "count": 50}, {"step": "conversations_started", "count": 50},
                                  {"step": "answered", "count": 40}]

        # Daily rows in the site's time zone, from the same rollups.
        day_of = lambda at: at.astimezone(ZONE).date()  # noqa: E731
        days = expected_figures(events, start, day_of)
        first_day, last_day = day_of(frm), day_of(to - timedelta(seconds=1))
        status, kind, body = get(server, "/export/daily.csv", {"from": first_day.isoformat(), "to": last_day.isoformat()}, server.api_key)
        assert status == 200 and kind.startswith("text/csv")
        rows = list(csv.reader(io.StringIO(body.decode())))
        assert rows[0][:8] == ["date", "conversations_started", "answered", "unanswered", "reopened", "visitor_messages",
                               "agent_replies", "unique_visitors"]
        assert len(rows) == 1 + (last_day - first_day).days + 1 == 3

        def text(value):
            return "" if value is None else (str(int(value)) if value == int(value) else f"{value:.3f}".rstrip("0"))

        for row in rows[1:]:
            figures = as_json(days[datetime.fromisoformat(row[0]).date()]) if datetime.fromisoformat(row[0]).date() in days else as_json(merged([]))
            assert row == [row[0], *(str(figures[k]) for k in ("conversations_started", "answered", "unanswered", "reopened",
                                                               "visitor_messages", "agent_replies", "unique_visitors")),
                           text(figures["first_response"]["median_seconds"]), text(figures["first_response"]["p90_seconds"]),
                           text(figures["reply"]["median_seconds"]), text(figures["reply"]["p90_seconds"])]

        # One row per conversation, tied to it by its session id.
        status, kind, body = get(server, "/export/conversations.csv", {"from": frm.isoformat(), "to": to.isoformat()}, server.api_key)
        assert status == 200
        rows = list(csv.reader(io.StringIO(body.decode())))
        assert rows[0] == ["site", "session_id", "started", "first_response_seconds", "visitor_messages", "agent_messages", "answered"]
        expected_rows = []
        for i in range(50):
            mine = [e for e in events if e[2] == i]
            first = next((label[1] for _, who, _, label in mine if label and label != "reopen" and label[0] == "first"), None)
            began = (start + timedelta(seconds=mine[0][0])).astimezone(ZONE).replace(microsecond=0)
            expected_rows.append(["default", sessions[i], began.isoformat(), "" if first is None else str(first),
                                  str(sum(1 for e in mine if e[1] == "visitor")), str(sum(1 for e in mine if e[1] == "agent")),
                                  "no" if first is None else "yes"])
        assert rows[1:] == expected_rows

        # Agents read their own site only; bad input is a clear JSON error.
        status, _, body = get(server, "/summary", {"site": "elsewhere"}, server.api_key)
        assert status == 403 and json.loads(body)["success"] is False
        status, _, body = get(server, "/summary", {"from": "soon"}, server.api_key)
        assert status == 400 and "from must be" in json.loads(body)["error"]
        status, _, body = get(server, "/summary", {"site": "default", "from": frm.isoformat(), "to": to.isoformat()}, server.admin_key)
        assert status == 200 and json.loads(body)["data"]["totals"]["conversations_started"] == 50
    finally:
        server.stop()


def test_kill_9_while_ingesting_counts_every_message_exactly_once_after_the_restart(tmp_path):
    config = tmp_path / "analytics.yaml"
    config.write_text("rate_limits: { enabled: false }\n"
                      "tiers: { analytics: { plugins: [analytics] } }\n"
                      "default_site: { tier: analytics }\n")
    database = str(tmp_path / "db.sqlite")
    server = start_server(database=database, config=str(config))
    keys = {"SANCTUM_API_KEY": server.api_key, "SANCTUM_ADMIN_KEY": server.admin_key, "SANCTUM_WIDGET_KEY": server.widget_key}
    try:
        sessions = [f"session_kill_{n:02d}" for n in range(30)]
        for round_ in range(6):
            for session in sessions:
                call(server, "POST", "messages", {"session_id": session, "message": f"m{round_}", "widget_key": server.widget_key})
            for session in sessions[:20]:
                call(server, "POST", "outbox", {"session_id": session, "response": f"r{round_}"}, key=server.api_key)
        server.process.kill()  # at least once: whatever the cursor had not stored comes again
        server.process.wait()
        server = start_server(database=database, config=str(config), extra_env=keys)
        expected = {"visitor_messages": 180, "agent_replies": 120, "conversations_started": 30, "answered": 20, "unique_visitors": 30}
        deadline = time.time() + 60
        while True:
            status, _, body = get(server, "/summary", {"interval": "day"}, server.api_key)
            assert status == 200, body
            totals = json.loads(body)["data"]["totals"]
            if totals["visitor_messages"] + totals["agent_replies"] >= 300 or time.time() > deadline:
                break
            time.sleep(0.2)
        time.sleep(1)  # nothing more arrives: no event is counted twice
        status, _, body = get(server, "/summary", {"interval": "day"}, server.api_key)
        totals = json.loads(body)["data"]["totals"]
        assert {key: totals[key] for key in expected} == expected
        assert totals["first_response"]["count"] == 20 and totals["reply"]["count"] == 100
    finally:
        server.stop()
