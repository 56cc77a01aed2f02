#!/usr/bin/env python3
"""Posting throughput with the analytics plugin on versus off, in the same run. Prints numbers;
asserts nothing; not run in CI.

    scripts/bench-analytics.py

Starts `sanctum` on 127.0.0.1 only, with a fresh database each time and rate limits off: once
with a tier without plugins ("off") and once with `analytics` ("on": every message event is read
from the log through the plugin's cursor into its rollups). wrk posts visitor messages
(scripts/bench/messages.lua) for BENCH_DURATION against each; rounds alternate off/on so drift
hits both. Then it waits (at most 300 s) until the "on" server's summary counts every posted
message and reports how long ingestion lagged behind posting. Every server is stopped at the end.

Needs `wrk` and a built `sanctum`: BENCH_BIN (default: `swift build --show-bin-path`/sanctum —
a debug build unless you point it at a release one). Tunables: BENCH_DURATION (10s),
BENCH_THREADS (2), BENCH_CONNECTIONS (16), BENCH_ROUNDS (2), BENCH_SESSIONS (1000).
"""
import json
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts" / "bench"))
from plugin_bench import CONNECTIONS, DURATION, ROUNDS, post_rate, start  # noqa: E402




def config(work: Path, on: bool) -> Path:
    plugins = "[analytics]" if on else "[]"
    path = work / ("on.yaml" if on else "off.yaml")
    path.write_text("rate_limits: { enabled: false }\n"
                    f"tiers: {{ bench: {{ plugins: {plugins} }} }}\n"
                    "default_site: { tier: bench }\n")
    return path






def counted(base: str, agent_key: str) -> int:
    """Visitor messages the summary counts (the last 7 days of the default site)."""
    request = urllib.request.Request(base + "/plugins/analytics/summary?interval=day", headers={"Authorization": "Bearer " + agent_key})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]["totals"]["visitor_messages"]


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("bench-analytics: install wrk (apt-get install -y wrk)")
    work = Path(tempfile.mkdtemp(prefix="bench-analytics-"))
    results = {"off": [], "on": []}
    lags = []
    for round_ in range(ROUNDS):
        for mode in ("off", "on"):
            process, base, agent_key, _ = start(work, config(work, mode == "on"), f"{mode}-{round_}")
            try:
                rate, requests = post_rate(base, work)
                results[mode].append(rate)
                print(f"round {round_ + 1} analytics {mode:3}: {rate:8.0f} messages/s ({requests} posted)", flush=True)
                if mode == "on":
                    started = time.time()
                    seen = counted(base, agent_key)
                    while seen < requests and time.time() - started < 300:
                        time.sleep(0.2)
                        seen = counted(base, agent_key)
                    lags.append(time.time() - started)
                    print(f"    counted {seen} of {requests} messages {lags[-1]:.1f} s after posting stopped", flush=True)
            finally:
                process.terminate()
                process.wait(timeout=30)
    off, on = statistics.median(results["off"]), statistics.median(results["on"])
    print(json.dumps({"off_rps": round(off), "on_rps": round(on), "on_over_off": round(on / off, 3),
                      "ingestion_lag_s": round(max(lags), 1), "rounds": ROUNDS, "duration": DURATION,
                      "connections": int(CONNECTIONS)}))


if __name__ == "__main__":
    main()
