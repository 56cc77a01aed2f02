"""What the plugin on/off benchmarks share (scripts/bench-webhooks.py, scripts/bench-analytics.py):
the binary, a server on 127.0.0.1 with fresh keys and database, and wrk posting visitor messages."""
import os
import secrets
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DURATION = os.environ.get("BENCH_DURATION", "10s")
THREADS = os.environ.get("BENCH_THREADS", "2")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "16")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))


def binary() -> str:
    """BENCH_BIN, else the debug build's `sanctum`."""
    if os.environ.get("BENCH_BIN"):
        return os.environ["BENCH_BIN"]
    path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    return os.path.join(path, "sanctum")


def start(work: Path, config_path: Path, name: str):
    """A server with `config_path` on a free loopback port: (process, base URL, agent key, admin key)."""
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
                return process, base, env["SANCTUM_API_KEY"], env["SANCTUM_ADMIN_KEY"]
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{name} server did not start; see {work / name}.log")


def post_rate(base: str, work: Path) -> tuple[float, int]:
    """wrk posting visitor messages for BENCH_DURATION: (requests per second, requests)."""
    script = work / "messages.lua"
    script.write_text("".join((ROOT / "scripts" / "bench" / f).read_text() for f in ("visitors.lua", "messages.lua", "report.lua")))
    out = subprocess.run(["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", "-s", str(script),
                          base + "/api/v1/?action=messages"], capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("BENCH_RESULT"))
    fields = dict(part.split("=") for part in line.split()[1:])
    return float(fields["rps"]), int(fields["requests"])
