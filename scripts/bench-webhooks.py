#!/usr/bin/env python3
"""Posting throughput with operator webhooks on versus off, in the same run. Prints numbers;
asserts nothing; not run in CI.

    scripts/bench-webhooks.py

Starts `sanctum` twice per round on 127.0.0.1 with a fresh database each time and rate limits
off: once with a tier without plugins ("off") and once with the `notifications` plugin sending
every event to a real local receiver (Tests/e2e/webhook_receiver.py: verifies the signature,
de-duplicates, answers 204 in well under 5 ms; at most 8 deliveries in flight per endpoint, the
plugin's default). wrk posts visitor messages (scripts/bench/messages.lua) for BENCH_DURATION
against each; rounds alternate off/on so drift hits both. Then it waits for the "on" server to
deliver every event and reports how long that took.

Needs `wrk` and a built `sanctum`: BENCH_BIN (default: `swift build --show-bin-path`/sanctum —
a debug build unless you point it at a release one). Tunables: BENCH_DURATION (10s),
BENCH_THREADS (2), BENCH_CONNECTIONS (16), BENCH_ROUNDS (2), BENCH_SESSIONS (1000).
"""
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))
sys.path.insert(0, str(ROOT / "scripts" / "bench"))
from plugin_bench import CONNECTIONS, DURATION, ROUNDS, post_rate, start  # noqa: E402
from webhook_receiver import Receiver  # noqa: E402

SECRET = "whsec_bench_0123456789abcdef"




def config(work: Path, receiver: Receiver | None) -> Path:
    plugins = "[notifications]" if receiver else "[]"
    text = ("rate_limits: { enabled: false }\n"
            "outbound: { allowed_hosts: [127.0.0.1] }\n"
            f"tiers: {{ bench: {{ plugins: {plugins} }} }}\n"
            "default_site: { tier: bench }\n")
    if receiver:
        text += ("plugins:\n  notifications:\n    webhooks:\n"
                 f"      - {{ site: default, url: \"{receiver.url}\", secret: {SECRET} }}\n")
    path = work / ("on.yaml" if receiver else "off.yaml")
    path.write_text(text)
    return path






def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("bench-webhooks: install wrk (apt-get install -y wrk)")
    work = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    results = {"off": [], "on": []}
    drains = []
    for round_ in range(ROUNDS):
        for mode in ("off", "on"):
            # A fresh receiver per round: every round's fresh database numbers its events from
            # 1 again, so delivery ids repeat across rounds and one receiver would drop them.
            receiver = Receiver(SECRET) if mode == "on" else None
            process, base, _, admin = start(work, config(work, receiver), f"{mode}-{round_}")
            try:
                before = 0
                rate, requests = post_rate(base, work)
                results[mode].append(rate)
                print(f"round {round_ + 1} webhooks {mode:3}: {rate:8.0f} messages/s ({requests} posted)", flush=True)
                if mode == "on":
                    started = time.time()
                    # every message event, plus one conversation.created per session
                    expected = requests + min(requests, int(os.environ.get("BENCH_SESSIONS", "1000")))
                    while len(receiver.bodies()) - before < expected and time.time() - started < 300:
                        time.sleep(0.1)
                    delivered = len(receiver.bodies()) - before
                    drains.append(time.time() - started)
                    print(f"    delivered {delivered} of about {expected} events; the rest of the queue drained "
                          f"{drains[-1]:.1f} s after posting stopped; bad signatures {receiver.bad_signatures}, "
                          f"duplicates {receiver.duplicates}", flush=True)
            finally:
                process.terminate()
                process.wait(timeout=30)
                if receiver:
                    receiver.stop()
    off, on = statistics.median(results["off"]), statistics.median(results["on"])
    print(json.dumps({"off_rps": round(off), "on_rps": round(on), "on_over_off": round(on / off, 3),
                      "rounds": ROUNDS, "duration": DURATION, "connections": int(CONNECTIONS)}))


if __name__ == "__main__":
    main()
