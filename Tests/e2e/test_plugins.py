"""The stock `sanctum` binary composes its plugins: DomainAllowlist and WordFilter are compiled in
and enabled from the config file's tiers, exactly as before the host stopped depending on them."""
import json
import os
import subprocess
import urllib.error
import urllib.request

from conftest import ROOT, start_server


def post_message(server, widget_key, session, text, origin=None):
    body = json.dumps({"session_id": session, "message": text, "widget_key": widget_key}).encode()
    headers = {"Content-Type": "application/json"}
    if origin:
        headers["Origin"] = origin
    request = urllib.request.Request(server.base_url + "/api/v1/?action=messages", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_binary_activates_the_compiled_in_plugins_from_the_config(tmp_path):
    config = tmp_path / "plugins.yaml"
    config.write_text(
        "tiers:\n"
        "  free: { plugins: [domain-allowlist] }\n"
        "  premium: { plugins: [domain-allowlist, word-filter] }\n"
        "plugins:\n"
        "  word-filter: { words: [darn] }\n"
        "sites:\n"
        "  - { id: shop, tier: premium, widget_key: pk_shop, allowed_origins: [\"https://shop.example\"] }\n"
        "  - { id: blog, tier: free, widget_key: pk_blog }\n")
    server = start_server(database=str(tmp_path / "db.sqlite"), config=str(config))
    try:
        status, body = post_message(server, "pk_shop", "session_words", "oh darn", origin="https://shop.example")
        assert (status, body["error_code"]) == (400, "word_filter.blocked")
        status, body = post_message(server, "pk_shop", "session_origin", "hello", origin="https://evil.example")
        assert (status, body["error_code"]) == (403, "origin.not_allowed")
        status, body = post_message(server, "pk_shop", "session_ok", "hello", origin="https://shop.example")
        assert status == 200 and body["success"] is True
        status, body = post_message(server, "pk_blog", "session_free", "oh darn", origin="https://evil.example")
        assert status == 200, "the free tier enables neither the word filter nor an allowlist for a site without origins"
    finally:
        server.stop()


def documented_config_example() -> str:
    """Every ```yaml block of docs/configuration.md, joined: the example as a reader copies it."""
    page = (ROOT / "docs" / "configuration.md").read_text()
    return "\n".join(block.split("```")[0] for block in page.split("```yaml\n")[1:])


def test_the_documented_config_example_starts_the_binary_as_written(tmp_path):
    config = tmp_path / "sanctum.yaml"
    config.write_text(documented_config_example())
    # The flags of start_server (host, port, database) win over the example's `server` section.
    server = start_server(database=str(tmp_path / "db.sqlite"), config=str(config))
    try:
        status, body = post_message(server, "pk_live_acme", "session_doc", "oh darn", origin="https://acme.example")
        assert (status, body["error_code"]) == (400, "word_filter.blocked"), "acme is premium: the word filter runs"
        status, body = post_message(server, "pk_live_acme", "session_doc", "hello", origin="https://shop.acme.example")
        assert status == 200 and body["success"] is True
    finally:
        server.stop()


def test_a_wrong_type_in_a_plugin_section_stops_the_binary_naming_key_and_types(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("tiers: { free: { plugins: [word-filter] } }\nplugins: { word-filter: { words: 5 } }\n")
    binary = os.environ.get("SANCTUM_BIN", str(ROOT / ".build" / "debug" / "sanctum"))
    result = subprocess.run([binary, "serve", "--port", "0", "--database", str(tmp_path / "db.sqlite"), "--config", str(config)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 78, result.stderr
    assert "sanctum: config: plugins.word-filter.words: expected a list, found the number 5" in result.stderr
