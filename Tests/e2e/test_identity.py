"""Identity verification end to end (docs/identity.md): a real server with two sites, real
headless Chromium contexts (each its own storage, like two devices), the agent side over
urllib. Rotation is tested by moving the server's clock (SANCTUM_TEST_CLOCK)."""
import base64
import datetime
import hashlib
import hmac
import json
import secrets
import time
import urllib.error

import pytest

from conftest import advance_clock, start_server
from widget_helpers import (browser, site, context, api, bubbles, loader_tag, open_page, page_html, send, session_id, wait_until)

SECRET = "acme_identity_" + secrets.token_hex(16)
OLD_SECRET = "acme_old_identity_" + secrets.token_hex(16)
ACME_AGENT = "sk_acme_" + secrets.token_hex(16)
OLD_ACME_AGENT = "sk_acme_old_" + secrets.token_hex(16)
ICON = '<link rel="icon" href="data:,">'


def user_hash(user_id, secret=SECRET):
    return hmac.new(secret.encode(), str(user_id).encode(), hashlib.sha256).hexdigest()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(claims, secret=SECRET, alg="HS256"):
    signed = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode()) + "." + b64url(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest() if alg != "none" else b""
    return signed + "." + b64url(signature)


@pytest.fixture(scope="module")
def acme(tmp_path_factory):
    folder = tmp_path_factory.mktemp("identity")
    until = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    config = folder / "sanctum.yaml"
    config.write_text(f"""
sites:
  - id: acme
    widget_key: pk_acme_new
    previous_widget_keys: [{{ key: pk_acme_old, until: "{until}" }}]
    previous_agent_keys: [{{ key: {OLD_ACME_AGENT}, until: "{until}" }}]
    identity:
      secret: {SECRET}
      previous_secrets: [{{ key: {OLD_SECRET}, until: "{until}" }}]
  - id: vault
    widget_key: pk_vault
    identity: {{ secret: {SECRET}, strict: true }}
""")
    server = start_server(database=str(folder / "sanctum.db"), config=str(config),
                          extra_env={"SANCTUM_SITE_ACME_AGENT_KEY": ACME_AGENT, "SANCTUM_SITE_VAULT_AGENT_KEY": "sk_vault_" + secrets.token_hex(16)})
    yield server
    server.stop()


def drain(server, key=ACME_AGENT):
    return api(server, "GET", "inbox", key=key, params="&limit=100")["data"]["messages"]


def post_message(server, body):
    try:
        return 200, api(server, "POST", "messages", body)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def identified_page(server, site, context, path, user):
    url = site.add(path, page_html(loader_tag(server, api_key="pk_acme_new"), head=ICON))
    page = open_page(context, url)
    page.evaluate("user => SanctumChat.identify(user)", user)
    page.locator("#sanctum-chat-bubble").click()
    return page


def sent(page, count):
    wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0 and
               page.evaluate("SanctumChat.getState().messageCount") >= count, message="message sent")


def transcript(page):
    """The window's messages in order, each as (side, text), without the greeting."""
    rows = page.locator(".sanctum-message").evaluate_all(
        "rows => rows.map(row => [row.classList.contains('user') ? 'user' : 'bot', row.querySelector('.sanctum-message-text').textContent])")
    greeting = page.evaluate("SanctumChat.getConfig().greeting")
    return rows[1:] if rows and greeting and rows[0] == ["bot", greeting] else rows


def test_a_verified_user_gets_the_same_conversation_in_two_browsers(acme, site, browser):
    drain(acme)
    laptop_context, phone_context = browser.new_context(), browser.new_context()
    try:
        proof = {"user_id": "42", "user_hash": user_hash("42"), "name": "Ada"}
        laptop = identified_page(acme, site, laptop_context, "/laptop", proof)
        send(laptop, "Hello from the laptop")
        sent(laptop, 1)
        send(laptop, "Second from the laptop")
        sent(laptop, 2)
        api(acme, "POST", "outbox", {"session_id": session_id(laptop), "response": "Hi Ada, on every device"}, key=ACME_AGENT)
        laptop.locator(".sanctum-message.bot", has_text="Hi Ada, on every device").wait_for(timeout=10000)

        # The phone (signed in with a JWT) opens later, with no local history: it shows the
        # conversation so far, in order and on the right sides, before writing anything.
        phone = identified_page(acme, site, phone_context, "/phone", {"identity_token": jwt({"sub": "42", "exp": int(time.time()) + 7200})})
        earlier = [["user", "Hello from the laptop"], ["user", "Second from the laptop"], ["bot", "Hi Ada, on every device"]]
        wait_until(lambda: transcript(phone) == earlier, message="the phone shows the earlier conversation")
        send(phone, "Hello from the phone")
        sent(phone, 4)
        assert session_id(laptop) != session_id(phone), "each browser keeps its own widget session id"
        assert transcript(phone) == earlier + [["user", "Hello from the phone"]]

        messages = drain(acme)
        assert [m["message"] for m in messages] == ["Hello from the laptop", "Second from the laptop", "Hello from the phone"]
        assert {m["session_id"] for m in messages} == {session_id(laptop)}, "one conversation for the agent"
        assert messages[0]["identity"] == {"user_id": "42", "verified": True}

        api(acme, "POST", "outbox", {"session_id": session_id(laptop), "response": "Both devices again"}, key=ACME_AGENT)
        for page in (laptop, phone):
            page.locator(".sanctum-message.bot", has_text="Both devices again").wait_for(timeout=10000)
        # What one device writes from now on shows on the other (the stream's message events).
        laptop.locator(".sanctum-message.user", has_text="Hello from the phone").wait_for(timeout=10000)
        send(laptop, "Laptop again")
        phone.locator(".sanctum-message.user", has_text="Laptop again").wait_for(timeout=10000)
        assert transcript(laptop) == transcript(phone), "both devices show the same conversation in the same order"
        assert laptop.js_errors == [] and phone.js_errors == []
    finally:
        laptop_context.close()
        phone_context.close()


def test_an_anonymous_visitor_without_history_loads_nothing_on_open(acme, site, context):
    """Anonymous visitors keep today's behaviour: opening the window makes no session and no request for one."""
    url = site.add("/anonymous-open", page_html(loader_tag(acme, api_key="pk_acme_new"), head=ICON))
    page = open_page(context, url)
    page.evaluate("SanctumChat.identify({user_id: '42'})")  # a claim without a proof
    page.locator("#sanctum-chat-bubble").click()
    wait_until(lambda: page.evaluate("SanctumChat.getState().isOpen"), message="window open")
    assert page.evaluate("SanctumChat.getState().sessionId") is None, "no session before the visitor types"
    assert transcript(page) == []


def test_a_forged_hash_is_an_anonymous_visitor(acme, site, context):
    drain(acme)
    page = identified_page(acme, site, context, "/forger", {"user_id": "42", "user_hash": user_hash("42", secret="x" * 40)})
    send(page, "I am user 42, honestly")
    sent(page, 1)
    messages = drain(acme)
    assert [m["session_id"] for m in messages] == [session_id(page)], "its own conversation, not user 42's"
    assert "identity" not in messages[0], "an unverified claim is never shown as verified"
    # Nothing of user 42's conversation (the two-browser test's) reaches the forger: once the
    # reply to its own message is shown, everything before it has been replayed.
    api(acme, "POST", "outbox", {"session_id": session_id(page), "response": "Only yours"}, key=ACME_AGENT)
    page.locator(".sanctum-message.bot", has_text="Only yours").wait_for(timeout=10000)
    assert transcript(page) == [["user", "I am user 42, honestly"], ["bot", "Only yours"]]


def test_a_strict_site_refuses_anonymous_and_bad_proofs(acme):
    now = int(time.time())
    cases = [
        ({}, "identity.required"),
        ({"user_id": "7", "user_hash": user_hash("8")}, "identity.invalid"),
        ({"identity_token": jwt({"sub": "7", "exp": now + 300}, alg="none")}, "identity.algorithm"),
        ({"identity_token": jwt({"sub": "7", "exp": now - 300})}, "identity.expired"),
        ({"identity_token": jwt({"sub": "7", "exp": now + 300}, secret="wrong" * 8)}, "identity.invalid"),
    ]
    for proof, code in cases:
        status, answer = post_message(acme, dict({"session_id": "session_vault1", "message": "hi", "widget_key": "pk_vault"}, **proof))
        assert (status, answer.get("error_code"), answer["success"]) == (403, code, False), (proof, answer)
    status, answer = post_message(acme, {"session_id": "session_vault1", "message": "hi", "widget_key": "pk_vault",
                                         "identity_token": jwt({"sub": "7", "exp": now + 300, "name": "Grace"})})
    assert status == 200, answer


def test_old_secrets_work_during_the_overlap_and_never_after(acme):
    drain(acme)
    old_proof = {"user_id": "99", "user_hash": user_hash("99", secret=OLD_SECRET)}
    status, _ = post_message(acme, dict({"session_id": "session_rotate1", "message": "old key", "widget_key": "pk_acme_old"}, **old_proof))
    assert status == 200
    during = drain(acme, key=OLD_ACME_AGENT)
    assert [(m["message"], m["identity"]["user_id"]) for m in during] == [("old key", "99")], "old widget key, agent key and identity secret"

    advance_clock(acme, 3601)
    status, answer = post_message(acme, dict({"session_id": "session_rotate2", "message": "too late", "widget_key": "pk_acme_old"}, **old_proof))
    assert (status, answer["error_code"]) == (401, "widget_key.retired")
    with pytest.raises(urllib.error.HTTPError) as refused:
        drain(acme, key=OLD_ACME_AGENT)
    assert refused.value.code == 401
    status, _ = post_message(acme, dict({"session_id": "session_rotate3", "message": "new key", "widget_key": "pk_acme_new"}, **old_proof))
    assert status == 200
    after = drain(acme)
    assert [m["message"] for m in after] == ["new key"] and "identity" not in after[0], "the old identity secret no longer verifies"


def test_the_console_shows_a_verified_user_and_nothing_for_a_claim(acme, context):
    # exp two hours ahead: the rotation test may have moved the server's clock by an hour.
    proof = {"user_id": "77", "user_hash": user_hash("77"), "identity_token": jwt({"sub": "77", "exp": int(time.time()) + 7200, "name": "Grace Hopper"})}
    assert post_message(acme, dict({"session_id": "session_console_verified", "message": "verified", "widget_key": "pk_acme_new"}, **proof))[0] == 200
    claim = {"user_id": "77", "user_hash": "0" * 64}
    assert post_message(acme, dict({"session_id": "session_console_claim", "message": "claim", "widget_key": "pk_acme_new"}, **claim))[0] == 200
    page = context.new_page()
    page.goto(acme.base_url + "/admin/")
    page.locator("#keyInput").fill(ACME_AGENT)
    page.locator("#signInButton").click()
    verified = page.locator('#conversationList .conv-btn[data-sid="session_console_verified"]')
    verified.wait_for(timeout=10000)
    assert "✓ verified Grace Hopper · user 77" in verified.text_content()
    claimed = page.locator('#conversationList .conv-btn[data-sid="session_console_claim"]')
    assert "verified" not in claimed.text_content()
    verified.click()
    page.wait_for_function("document.querySelector('#chatMeta').textContent.includes('✓ verified Grace Hopper')")


def admin(server, method, path, body=None):
    import urllib.request
    request = urllib.request.Request(server.base_url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + server.admin_key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_export_and_erase_by_verified_user_id(acme):
    marker = "user-77-private-" + secrets.token_hex(4)
    status, _ = post_message(acme, {"session_id": "session_vault77", "message": marker, "widget_key": "pk_vault",
                                    "user_id": "77", "user_hash": user_hash("77"), "name": "Grace"})
    assert status == 200
    status, export = admin(acme, "GET", "/admin/api/privacy/export?user_id=77&site_id=vault")
    assert status == 200 and [m["text"] for m in export["data"]["messages"]] == [marker]
    assert admin(acme, "GET", "/admin/api/privacy/export?user_id=78&site_id=vault")[0] == 404, "an unknown user is 404"
    status, erased = admin(acme, "POST", "/admin/api/privacy/erase", {"user_id": "77", "site_id": "vault"})
    assert status == 200 and erased["data"]["receipt"]["counts"]["messages"] == 1
    assert admin(acme, "GET", "/admin/api/privacy/export?user_id=77&site_id=vault")[0] == 404, "the user's link is erased too"
