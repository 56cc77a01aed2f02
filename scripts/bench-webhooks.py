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
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))
from webhook_receiver import Receiver  # noqa: E402

SECRET = "whsec_bench_0123456789abcdef"
DURATION = os.environ.get("BENCH_DURATION", "10s")
THREADS = os.environ.get("BENCH_THREADS", "2")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "16")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))


def binary() -> str:
    if os.environ.get("BENCH_BIN"):
        return os.environ["BENCH_BIN"]
    path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    return os.path.join(path, "sanctum")


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


def start(work: Path, config_path: Path, name: str):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, SANCTUM_API_KEY="ak_" + secrets.token_hex(16), SANCTUM_ADMIN_KEY="adm_" + secrets.token_hex(16))
    log = open(work / f"{name}.log", "ab")
    process = subprocess.Popen([binary(), "serve", "--config", str(config_path), "--host", "127.0.0.1", "--port", str(port),
                                "--database", str(work / f"{name}.db")], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(base + "/widget/health", timeout=1):
                return process, base, env["SANCTUM_ADMIN_KEY"]
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"bench-webhooks: {name} server did not start; see {work / name}.log")


def post_rate(base: str, work: Path) -> tuple[float, int]:
    script = work / "messages.lua"
    script.write_text("".join((ROOT / "scripts" / "bench" / f).read_text() for f in ("visitors.lua", "messages.lua", "report.lua")))
    out = subprocess.run(["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", "-s", str(script),
                          base + "/api/v1/?action=messages"], capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("BENCH_RESULT"))
    fields = dict(part.split("=") for part in line.split()[1:])
    return float(fields["rps"]), int(fields["requests"])


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("bench-webhooks: install wrk (apt-get install -y wrk)")
    work = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    receiver = Receiver(SECRET)
    results = {"off": [], "on": []}
    drains = []
    try:
        for round_ in range(ROUNDS):
            for mode in ("off", "on"):
                process, base, admin = start(work, config(work, receiver if mode == "on" else None), f"{mode}-{round_}")
                try:
                    before = len(receiver.bodies())
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
        off, on = statistics.median(results["off"]), statistics.median(results["on"])
        print(json.dumps({"off_rps": round(off), "on_rps": round(on), "on_over_off": round(on / off, 3),
                          "rounds": ROUNDS, "duration": DURATION, "connections": int(CONNECTIONS)}))
    finally:
        receiver.stop()


if __name__ == "__main__":
    main()
