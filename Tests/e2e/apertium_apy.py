"""A real Apertium APy on loopback (Debian's `apertium-apy` with `apertium-eng-spa`; scripts/setup
installs both), and a deliberately slow translation service, for the translation tests."""
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request

from conftest import free_port

MODES = "/usr/share/apertium/modes"


def apy_installed() -> bool:
    return shutil.which("apertium-apy") is not None and os.path.exists(os.path.join(MODES, "spa-eng.mode"))


class Apertium:
    """`apertium-apy -p PORT /usr/share/apertium/modes`, started and waited for (`/listPairs`)."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(tempfile.mkdtemp(prefix="sanctum-apy-"), "apy.log"), "ab")
        self.process = subprocess.Popen(["apertium-apy", "-p", str(self.port), MODES],
                                        stdout=self.log, stderr=subprocess.STDOUT, cwd=tempfile.gettempdir())
        deadline = time.time() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"apertium-apy exited with {self.process.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + "/listPairs", timeout=2) as r:
                    pairs = json.loads(r.read())["responseData"]
                if {"sourceLanguage": "spa", "targetLanguage": "eng"} in pairs:
                    return
            except OSError:
                pass
            if time.time() > deadline:
                self.stop()
                raise RuntimeError("apertium-apy did not answer /listPairs within 60 s")
            time.sleep(0.2)

    def translate(self, pair: str, text: str) -> str:
        """What APy itself answers, trimmed as the plugin trims it (the expected value of a test)."""
        query = urllib.parse.urlencode({"langpair": pair, "q": text, "markUnknown": "no"})
        with urllib.request.urlopen(f"{self.url}/translate?{query}", timeout=30) as r:
            return json.loads(r.read())["responseData"]["translatedText"].strip()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


class SlowProvider:
    """An HTTP server that takes `delay` seconds to answer every request (APy's answer shape)."""

    def __init__(self, delay: float):
        self.requests = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self):
                outer.requests += 1
                time.sleep(delay)
                body = json.dumps({"responseData": {"translatedText": "too late"}, "responseStatus": 200}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up, as it should

            do_GET = answer
            do_POST = answer

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def translation_config(tmp_path, provider_url: str, budget: float = 2, warm_up: bool = True) -> str:
    """A config file whose default site translates through `provider_url` (Apertium APy)."""
    config = tmp_path / "translation.yaml"
    config.write_text(
        "outbound:\n"
        "  allowed_hosts: [127.0.0.1]\n"
        "tiers:\n"
        "  free: { plugins: [i18n] }\n"
        "plugins:\n"
        "  i18n:\n"
        "    translation:\n"
        "      enabled: true\n"
        "      provider: apertium\n"
        f"      url: \"{provider_url}\"\n"
        "      agent_language: en\n"
        f"      budget_seconds: {budget}\n"
        f"      warm_up: {'true' if warm_up else 'false'}\n")
    return str(config)


def wait_for_log(server, text: str, seconds: float = 30) -> bool:
    """Whether the server's log shows `text` within `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        with open(server.database + ".log", encoding="utf-8", errors="replace") as log:
            if text in log.read():
                return True
        time.sleep(0.2)
    return False
