"""The OpenAPI 3.1 document of the whole HTTP API (docs/openapi.yaml, served at /openapi.json):
valid, complete against the server's route table, and true of the running server — checked by a
bounded schemathesis run with every check, zero 5xx, zero non-JSON errors, zero schema
violations and at least one 2xx answer per operation.

The fuzzed server runs with rate limits off (so examples reach the handlers instead of a 429)
and with `link-guard` enabled, so its shipped route answers. Exceptions the legacy contract
forces are narrow (one check, named operations) and explained in the document's description.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from conftest import ROOT, start_server

SPEC = ROOT / "docs" / "openapi.yaml"
SERVED = ROOT / "Sources" / "Host" / "Resources" / "site" / "openapi.json"
STABLE_PATH = "/openapi.json"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# The fixed budget: examples per operation, the seed (reproducible in CI) and a per-request timeout.
MAX_EXAMPLES = int(os.environ.get("OPENAPI_FUZZ_EXAMPLES", "30"))
SEED = int(os.environ.get("OPENAPI_FUZZ_SEED", "20261202"))
REQUEST_TIMEOUT = 10

# Session the spec's examples name; created before the run so `typing`, `read`, `history` and
# `session_messages` have something to answer about.
EXAMPLE_SESSION = "session_example_0001"

# The fuzzed server's webhook endpoint, and the delivery the spec's `id` examples name: the
# first event of a fresh database (the example session's first message), part 0
# (`conversation.created`), to the endpoint whose id is SHA-256("default\n<url>")[:12].
WEBHOOK_URL = "http://127.0.0.1:9/hook"
WEBHOOK_SECRET = "whsec_openapi_fuzz_0123456789"
EXAMPLE_DELIVERY = "dlv_2304f75c4230_1_0"

# Narrow exclusions: (check, operation paths, why). Mirrored in the document's description.
EXCLUSIONS = [
    ("positive_data_acceptance", ["/api/v1/outbox", "/api/v1/typing", "/api/v1/read"],
     "a well-formed request about a session that does not exist is 400 `Invalid session` (state, not shape)"),
    ("positive_data_acceptance", ["/api/v1/"],
     "the dispatcher's required parameters depend on the `action` value"),
    ("positive_data_acceptance", ["/api/v1/stream"],
     "without a WebSocket handshake the stream is always 426, whatever the parameters"),
    ("negative_data_rejection", ["/api/v1/stream"],
     "without a WebSocket handshake the stream is always 426, whatever the parameters"),
    ("positive_data_acceptance", ["/plugins/attachments/upload", "/plugins/attachments/file", "/plugins/attachments/link"],
     "an upload is judged by its content (real type, size, scanner), a file or link needs the id of an upload (state, not shape)"),
    ("positive_data_acceptance", ["/admin/api/blocks"],
     "an address range is validated by parsing it (IPv4 or IPv6 with a prefix length), which no pattern expresses exactly"),
    ("positive_data_acceptance", ["/plugins/analytics/summary", "/plugins/analytics/export/daily.csv",
                                  "/plugins/analytics/export/conversations.csv", "/plugins/analytics/export/widget.csv"],
     "from/to are dates or times parsed in the site's time zone with a range check (before, at most 400 days), which no pattern expresses"),
]
# Operations that cannot answer 2xx over plain HTTP (the 101 needs a WebSocket handshake;
# test_realtime.py covers the stream).
NO_2XX_EXPECTED = {("GET", "/api/v1/stream"),
                   # An upload is accepted only for a real file whose content, extension and type agree
                   # (never a generated body); a file or link only for an id an upload made (state):
                   # Tests/e2e/test_attachments.py and test_widget_attachments.py cover their 2xx.
                   ("POST", "/plugins/attachments/upload"), ("GET", "/plugins/attachments/file"),
                   ("GET", "/plugins/attachments/link")}

# Routes the server registers that are not part of the HTTP API: HTML pages, scripts and
# static assets (docs/widget.md), and the test-only clock (SANCTUM_TEST_CLOCK=1).
NOT_API_EXACT = {"/chat/", "/admin/", "/widget/", "/widget/demo", "/chat/widget.js", "/widget/chat-widget.js",
                 "/_test/clock"}
NOT_API_PREFIXES = {"/site/", "/widget/static/", "/widget/v/", "/widget/plugins/", "/static/", "/widget/"}


def document() -> dict:
    return yaml.safe_load(SPEC.read_text())


def operations(doc: dict) -> list[tuple[str, str]]:
    return [(method.upper(), path) for path, item in doc["paths"].items() for method in item if method in METHODS]


# ---------------------------------------------------------------------------------------------
# the document itself

def test_document_is_valid_openapi_3_1():
    from openapi_spec_validator import OpenAPIV31SpecValidator

    doc = document()
    assert doc["openapi"] == "3.1.0"
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in OpenAPIV31SpecValidator(doc).iter_errors()]
    assert not errors, "docs/openapi.yaml is not valid OpenAPI 3.1:\n" + "\n".join(errors)
    import schemathesis
    schema = schemathesis.openapi.from_dict(doc)
    loaded = {(op.method.upper(), op.path) for op in (result.ok() for result in schema.get_all_operations())}
    assert loaded == set(operations(doc)), "schemathesis could not load every operation"


def test_served_copy_is_the_document():
    served = json.loads(SERVED.read_text())
    assert served == document(), f"{SERVED.relative_to(ROOT)} is stale: run scripts/openapi-json"


def test_every_error_answer_uses_the_envelope():
    """Every 4xx/5xx JSON answer of every operation is the shared `Error` schema."""
    doc = document()
    wrong = []
    for method, path in operations(doc):
        for status, response in doc["paths"][path][method.lower()]["responses"].items():
            if not status.startswith(("4", "5")):
                continue
            if "$ref" in response:
                response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            if path == "/readyz" and status == "503":
                continue  # the readiness answer keeps its own {status, error} shape (operations.md)
            if schema != {"$ref": "#/components/schemas/Error"}:
                wrong.append(f"{method} {path} {status}")
    assert not wrong, "error answers without the Error envelope: " + ", ".join(wrong)
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["success", "error"] and error["additionalProperties"] is True


def swift_routes() -> tuple[set[str], set[str]]:
    """The exact paths and the prefixes the server's route table registers (Sources/Host)."""
    exact, prefixes = set(), set()
    for source in (ROOT / "Sources" / "Host").rglob("*.swift"):
        text = source.read_text()
        exact |= set(re.findall(r'routes\.add\("([^"]+)"', text))
        prefixes |= set(re.findall(r'routes\.addPrefix\("([^"]+)"', text))
    bridge = (ROOT / "Sources" / "Host" / "Routes" / "BridgeAPI.swift").read_text()
    actions = re.findall(r'"(\w+)": BridgeAction\(', bridge)
    assert len(actions) >= 16, "the bridge action table moved: update this test"
    exact |= {"/api/v1/" + name for name in actions}
    return exact, prefixes


# Plugins whose routes are documented in their own pages but not yet in docs/openapi.yaml (and
# so not fuzzed): listed here by folder, with the page, until the spec covers them.
NOT_YET_IN_SPEC: dict[str, str] = {}


def shipped_plugin_routes() -> set[tuple[str, str]]:
    """`/plugins/<id><path>` of every plugin under Plugins/ (but the ones in NOT_YET_IN_SPEC)."""
    routes = set()
    for folder in sorted(p for p in (ROOT / "Plugins").iterdir() if p.is_dir() and p.name not in NOT_YET_IN_SPEC):
        texts = [source.read_text() for source in sorted(folder.rglob("*.swift"))]
        ids = [found for text in texts for found in re.findall(r'PluginDescriptor\(\s*id: "([^"]+)"', text)]
        for text in texts:
            for method, path in re.findall(r'PluginRoute\("(\w+)", "([^"]+)"', text):
                assert len(ids) == 1, f"Plugins/{folder.name}: routes need exactly one descriptor id in the folder, found {ids}"
                routes.add((method, f"/plugins/{ids[0]}{path}"))
    return routes


def test_every_route_the_server_registers_is_documented():
    doc = document()
    documented = set(doc["paths"])
    exact, prefixes = swift_routes()
    missing = sorted(path for path in exact - NOT_API_EXACT if path not in documented)
    assert not missing, "routes missing from docs/openapi.yaml: " + ", ".join(missing)
    unknown_prefixes = sorted(prefixes - NOT_API_PREFIXES - {"/plugins/"})
    assert not unknown_prefixes, "new prefix routes: document them or list them as not API: " + ", ".join(unknown_prefixes)
    plugin_routes = shipped_plugin_routes()
    assert plugin_routes, "no shipped plugin routes found under Plugins/"
    ops = set(operations(doc))
    missing = sorted(f"{m} {p}" for m, p in plugin_routes if (m, p) not in ops)
    assert not missing, "shipped plugin routes missing from docs/openapi.yaml: " + ", ".join(missing)
    stale = sorted(p for p in documented
                   if p not in exact and not any(p == route for _, route in plugin_routes))
    assert not stale, "documented paths the server does not register: " + ", ".join(stale)


# ---------------------------------------------------------------------------------------------
# against the server

@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("openapi")
    config = folder / "sanctum.yaml"
    config.write_text("rate_limits:\n  enabled: false\n"
                      "tiers:\n  standard: { plugins: [link-guard, notifications, attachments, analytics] }\n"
                      "default_site:\n  tier: standard\n"
                      "outbound: { allowed_hosts: [127.0.0.1] }\n"
                      f"plugins:\n  attachments: {{ directory: {folder / 'attachments'} }}\n"
                      # nothing listens on the discard port: deliveries stay pending, retried
                      f"  notifications:\n    webhooks:\n      - {{ site: default, url: \"{WEBHOOK_URL}\", secret: {WEBHOOK_SECRET} }}\n")
    server = start_server(database=str(folder / "sanctum.db"), config=str(config))
    yield server
    server.stop()


def call(server, method: str, path: str, body=None, key: str | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.base_url + path, method=method, data=data)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", "Bearer " + key)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers.get("Content-Type"), response.read()


def test_served_at_the_stable_path(fuzz_server):
    status, content_type, body = call(fuzz_server, "GET", STABLE_PATH)
    assert status == 200 and content_type == "application/json"
    assert json.loads(body) == document()


def schemathesis_config(server, folder: Path) -> Path:
    """Credentials per security scheme, and the narrow exclusions. Every check is on by default
    (`--checks all` on the command line would override the per-operation exclusions)."""
    lines = [
        "[auth.openapi.AgentKey]", f'bearer = "{server.api_key}"',
        "[auth.openapi.AdminKey]", f'bearer = "{server.admin_key}"',
    ]
    # A body over `limits.max_body_bytes` is refused with 413, which is a rejection too.
    lines += ["[checks.negative_data_rejection]",
              'expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]']
    for check, paths, _ in EXCLUSIONS:
        for path in paths:
            lines += ["[[operations]]", f'include-path = "{path}"', f"checks.{check}.enabled = false"]
    path = folder / "schemathesis.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def wait_for_example_delivery(server):
    """The webhook delivery the spec's examples name exists (queued from the event log)."""
    import hashlib
    endpoint = hashlib.sha256(f"default\n{WEBHOOK_URL}".encode()).hexdigest()[:12]
    assert EXAMPLE_DELIVERY.startswith(f"dlv_{endpoint}_"), f"the spec's delivery examples must name endpoint {endpoint}"
    deadline = time.monotonic() + 30
    while True:
        try:
            status, _, _ = call(server, "GET", "/plugins/notifications/delivery?id=" + EXAMPLE_DELIVERY, key=server.admin_key)
            if status == 200:
                return
        except urllib.error.HTTPError as error:
            if error.code != 404 or time.monotonic() > deadline:
                raise AssertionError(f"the example delivery {EXAMPLE_DELIVERY} was not queued ({error.code})") from error
        time.sleep(0.2)


def test_schemathesis_finds_no_violation_and_reaches_every_operation(fuzz_server, tmp_path):
    st = shutil.which("st") or shutil.which("schemathesis")
    if st is None:
        pytest.fail('schemathesis is not installed: pip install -r Tests/e2e/requirements.txt ("schemathesis>=4")')
    version = subprocess.run([st, "--version"], capture_output=True, text=True).stdout
    assert re.search(r"\b([4-9]|\d\d)\.\d+", version), f"schemathesis 4 or later is required, found {version!r}"

    server = fuzz_server
    call(server, "POST", "/api/v1/messages", {"session_id": EXAMPLE_SESSION, "message": "Hello"})
    call(server, "POST", "/api/v1/outbox", {"session_id": EXAMPLE_SESSION, "response": "Hi there"}, key=server.api_key)
    wait_for_example_delivery(server)

    har = tmp_path / "run.har"
    junit = tmp_path / "junit.xml"
    env = dict(os.environ, SCHEMATHESIS_HOOKS="openapi_hooks",
               PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")])))
    command = [st, "--config-file", str(schemathesis_config(server, tmp_path)), "run", str(SPEC),
               "--url", server.base_url, "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
               "--workers", "1", "--request-timeout", str(REQUEST_TIMEOUT), "--no-color",
               "--report", "junit,har", "--report-har-path", str(har), "--report-junit-path", str(junit)]
    started = time.monotonic()
    run = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    elapsed = time.monotonic() - started
    output = run.stdout + run.stderr
    print(f"schemathesis {version.strip()}: {elapsed:.0f} s\n" + output[-3000:])
    if run.returncode != 0:
        start = output.find("FAILURES")
        report = "\n".join(line if len(line) <= 2000 else line[:2000] + " …(cut)" for line in output[max(0, start - 40):].splitlines())
        pytest.fail(f"schemathesis found violations (exit {run.returncode}):\n" + report)

    # At least one 2xx per operation: the fuzzing got past validation everywhere.
    doc = document()
    documented = set(operations(doc))
    successes: dict[tuple[str, str], int] = {op: 0 for op in documented}
    for entry in json.loads(har.read_text())["log"]["entries"]:
        key = (entry["request"]["method"].upper(), urlsplit(entry["request"]["url"]).path)
        if key in successes and 200 <= entry["response"]["status"] < 300:
            successes[key] += 1
    unreached = sorted(f"{m} {p}" for (m, p), count in successes.items() if count == 0 and (m, p) not in NO_2XX_EXPECTED)
    assert not unreached, "operations that never answered 2xx during the fuzz run: " + ", ".join(unreached)


def raw(server, method: str, path: str, body: bytes | None = None, key: str | None = None):
    """(status, headers, JSON body or None) without raising on 4xx."""
    request = urllib.request.Request(server.base_url + path, method=method, data=body)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", "Bearer " + key)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers, data = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, data = error.code, error.headers, error.read()
    return status, headers, (json.loads(data) if data else None)


def test_findings_of_the_fuzzing_stay_fixed(fuzz_server):
    """What schemathesis found, pinned: a 405 names the allowed methods (RFC 9110), also on a
    plugin route, whose OPTIONS lists only its own methods; integral numbers like 5.0 are integers
    (JSON Schema cannot tell them apart), integers beyond Int64 and fractions are not."""
    server = fuzz_server
    status, headers, body = raw(server, "DELETE", "/healthz")
    assert (status, headers["Allow"], body) == (405, "GET, HEAD, OPTIONS", {"success": False, "error": "Method not allowed"})
    status, headers, _ = raw(server, "PUT", "/plugins/link-guard/stats", key=server.api_key)
    assert (status, headers["Allow"]) == (405, "GET, HEAD, OPTIONS")
    status, headers, _ = raw(server, "OPTIONS", "/plugins/link-guard/stats")
    assert (status, headers["Allow"]) == (200, "GET, HEAD, OPTIONS")
    assert raw(server, "OPTIONS", "/plugins/no-such-plugin/x")[0] == 404

    status, _, body = raw(server, "POST", "/api/v1/ack", b'{"message_ids": [5.0, 6]}', key=server.api_key)
    assert status == 200 and body["data"] == {"acknowledged": 0}
    for ids in (b"[5.5]", b"[-9223372036854775809]", b"[9223372036854775808]", b'["5"]'):
        status, _, body = raw(server, "POST", "/api/v1/ack", b'{"message_ids": ' + ids + b"}", key=server.api_key)
        assert (status, body["error"]) == (400, "Invalid message_ids: must be an array of at most 1000 integers"), ids
    call(server, "POST", "/api/v1/messages", {"session_id": "session_openapi_read", "message": "Hello"})
    status, _, body = raw(server, "POST", "/api/v1/read", b'{"session_id": "session_openapi_read", "up_to": 1.0}')
    assert status == 200, body
    status, _, body = raw(server, "POST", "/api/v1/read", b'{"session_id": "session_openapi_read", "up_to": 1.5}')
    assert (status, body["error"]) == (400, "Invalid up_to: must be a non-negative integer")
