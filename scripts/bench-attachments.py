#!/usr/bin/env python3
"""Attachments upload benchmark (issue 13) — prints numbers, asserts nothing; not run in CI.

Against a fresh `sanctum` server on 127.0.0.1 with the attachments plugin (a temp directory, the
file system driver) measures:

(a) a 5 GB declared upload: the time to the 413 (the body is never sent);
(b) N concurrent uploads of SIZE bytes (a PDF header and random bytes, each to its own
    conversation, streamed by the client in 64 KiB pieces): wall time, throughput, the server's
    peak VmRSS (sampled from /proc every 20 ms) against its idle RSS, and /widget/health latency
    (p50/p99/max, one request every 20 ms on its own connection) while they run.

Usage: SANCTUM_BIN=.build/release/sanctum python3 scripts/bench-attachments.py [--uploads 100] [--size 10000000]
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import sys
import tempfile
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "e2e"))
from conftest import start_server  # noqa: E402


# Asks /widget/health every 20 ms and prints each latency (ms) until terminated.
PROBE = """
import http.client, signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
    started = time.perf_counter()
    conn.request("GET", "/widget/health")
    conn.getresponse().read()
    print((time.perf_counter() - started) * 1000, flush=True)
    conn.close()
    time.sleep(0.02)
"""


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def upload(port, widget_key, index, size, results):
    query = urllib.parse.urlencode({"session_id": f"session_bench_{index}", "name": f"f{index}.pdf", "widget_key": widget_key})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.time()
    conn.putrequest("POST", "/plugins/attachments/upload?" + query)
    conn.putheader("Content-Type", "application/pdf")
    conn.putheader("Content-Length", str(size))
    conn.endheaders()
    piece = os.urandom(65536)
    sent = 0
    first = b"%PDF-1.4\n"
    conn.send(first)
    sent += len(first)
    while sent < size:
        chunk = piece[: min(len(piece), size - sent)]
        conn.send(chunk)
        sent += len(chunk)
    response = conn.getresponse()
    response.read()
    results.append((response.status, time.time() - started))
    conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--uploads", type=int, default=100)
    parser.add_argument("--size", type=int, default=10_000_000)
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="sanctum-bench-attachments-")
    config = os.path.join(directory, "sanctum.yaml")
    with open(config, "w") as file:
        file.write("tiers:\n  free: { plugins: [attachments] }\n"
                   "rate_limits: { enabled: false }\n"
                   f"plugins:\n  attachments:\n    directory: {directory}/files\n"
                   f"    default_limits: {{ max_file_bytes: {args.size + 1024}, files_per_conversation_per_day: 1000 }}\n")
    server = start_server(database=os.path.join(directory, "db.sqlite"), config=config)
    try:
        time.sleep(1)
        idle = rss_kib(server.process.pid)

        with socket.create_connection(("127.0.0.1", server.port)) as conn:
            started = time.time()
            conn.sendall(b"POST /plugins/attachments/upload?session_id=session_x&name=x.pdf HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Type: application/pdf\r\nContent-Length: 5368709120\r\n\r\n")
            status = conn.recv(4096).split(b"\r\n")[0].decode()
            refused = time.time() - started

        peak = [idle]
        health = []
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], rss_kib(server.process.pid))
                time.sleep(0.02)

        # The probe runs in its own process: in this one, 100 upload threads share the GIL and a
        # probe thread waited for it far longer than the server took to answer.
        probe = subprocess.Popen([sys.executable, "-c", PROBE, str(server.port)], stdout=subprocess.PIPE, text=True)

        helpers = [threading.Thread(target=sample)]
        for helper in helpers:
            helper.start()
        results = []
        threads = [threading.Thread(target=upload, args=(server.port, server.widget_key, i, args.size, results)) for i in range(args.uploads)]
        started = time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.time() - started
        done.set()
        for helper in helpers:
            helper.join()
        probe.terminate()
        health = [float(line) for line in probe.communicate()[0].split()]

        statuses = {}
        for code, _ in results:
            statuses[code] = statuses.get(code, 0) + 1
        health.sort()
        print(f"5 GB declared upload: {status!r} after {refused * 1000:.1f} ms")
        print(f"{args.uploads} concurrent uploads of {args.size} bytes: statuses {statuses}, wall {wall:.1f} s, "
              f"{args.uploads * args.size / wall / 1e6:.0f} MB/s")
        print(f"server RSS: idle {idle / 1024:.0f} MiB, peak {peak[0] / 1024:.0f} MiB")
        if health:
            print(f"/widget/health during uploads ({len(health)} requests): p50 {statistics.median(health):.1f} ms, "
                  f"p99 {health[min(len(health) - 1, int(len(health) * 0.99))]:.1f} ms, max {health[-1]:.1f} ms")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
