"""The attachments widget module in Chromium (docs/plugins/attachments.md#the-widget-module): a
pasted screenshot and a dropped PDF reach the agent through `inbox` with working links; the agent's
image reply is previewed; an expired link is refused; a renamed `.exe` is refused with the visible
error in the widget's language; a photo's GPS EXIF is gone; Cancel leaves no message; the attach
button is reachable by keyboard and labelled. Also: limits under `tiers.free` apply to the default
site (its tier is `free`), not `default_limits`. Screenshots: test-artifacts/screenshots/attachments-*."""
import base64
import json
import struct
import urllib.parse
import zlib

import pytest

from conftest import advance_clock, start_server
from test_attachments import SECRET, jpeg_with_gps, request, uploaded
from widget_helpers import (ARTIFACTS, STRICT_CSP, browser, bubbles, context, inbox_for, loader_tag, page_html,  # noqa: F401
                            session_id, site, wait_until)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"% padding\n" * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode."
ICON = '<link rel="icon" href="data:,">'
FILES_ON_PAGE = """(name, type, b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], name, { type }));
    return transfer;
}"""


def real_png(width, height, rgb=(220, 40, 40)) -> bytes:
    """A PNG a browser can decode (a filled rectangle)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def files_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("widget-attachments")
    config = folder / "sanctum.yaml"
    # default_limits would refuse every file here (100 bytes): the default site's tier is `free`,
    # so only tiers.free may apply (the bug this file guards against).
    config.write_text(
        "tiers:\n  free: { plugins: [attachments] }\n"
        "plugins:\n  attachments:\n"
        f"    directory: {folder / 'files'}\n"
        "    default_limits: { max_file_bytes: 100, allowed_types: [image/png, text/plain] }\n"
        "    tiers:\n      free: { max_file_bytes: 3000000, files_per_conversation_per_day: 40,"
        " allowed_types: [image/jpeg, image/png, application/pdf] }\n")
    server = start_server(database=str(folder / "db.sqlite"), config=str(config))
    yield server
    server.stop()


def widget_page(context, site, server, path, **data):
    csp = STRICT_CSP.format(origin=server.base_url, ws_origin=server.base_url.replace("http", "ws"))
    url = site.add(path, page_html(loader_tag(server, api_key=server.widget_key, **data), head=ICON),
                   headers={"Content-Security-Policy": csp})
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    page.add_init_script("window.__violations = []; document.addEventListener('securitypolicyviolation', "
                         "(e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));")
    page.goto(url)
    page.wait_for_function("window.SanctumChat && SanctumChat.getState().initialized")
    wait_until(lambda: page.evaluate("!!(SanctumChat.__moduleState && SanctumChat.__moduleState().loaded.includes('attachments'))"),
               message="the attachments module set up")
    page.locator("#sanctum-chat-bubble").click()
    page.locator("[data-module=attachments].sanctum-module-action").wait_for(state="visible")
    return page


def screenshot(page, name):
    """widget_helpers.screenshot waits with a string function, which these strict-CSP pages refuse (no eval)."""
    page.wait_for_timeout(400)  # the window's open transition
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def paste(page, name, media_type, data):
    page.locator("#sanctum-chat-input").evaluate(
        "(input, [name, type, b64]) => { const transfer = (" + FILES_ON_PAGE + ")(name, type, b64);"
        " input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true })); }",
        [name, media_type, base64.b64encode(data).decode()])


def drop(page, name, media_type, data):
    page.locator("#sanctum-chat-messages").evaluate(
        "(list, [name, type, b64]) => { const transfer = (" + FILES_ON_PAGE + ")(name, type, b64);"
        " for (const kind of ['dragenter', 'dragover', 'drop'])"
        "   list.dispatchEvent(new DragEvent(kind, { dataTransfer: transfer, bubbles: true, cancelable: true })); }",
        [name, media_type, base64.b64encode(data).decode()])


def fetch(server, url, key=None):
    return request(server, "GET", url[len(server.base_url):] if url.startswith("http") else url, key=key)


def agent_messages(server, session, count):
    found = []
    wait_until(lambda: found.extend(inbox_for(server, session)) or len(found) >= count, timeout=15, message=f"{count} messages in the inbox")
    return found


def test_paste_and_drop_reach_the_agent_and_the_agents_image_reply_is_previewed(files_server, site, context):
    server = files_server
    page = widget_page(context, site, server, "/shop")
    button = page.locator("[data-module=attachments].sanctum-module-action")
    assert button.get_attribute("aria-label") == "Attach a file"
    page.locator("#sanctum-chat-input").focus()
    page.keyboard.press("Tab")
    assert button.evaluate("(b) => b.getRootNode().activeElement === b"), "Tab from the composer reaches the attach button"

    screenshot_png = real_png(320, 200)
    paste(page, "image.png", "image/png", screenshot_png)
    drop(page, "invoice.pdf", "application/pdf", PDF)
    wait_until(lambda: bubbles(page, "user") == ["image.png", "invoice.pdf"], message="both files sent as messages")
    wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0, message="the outbox is empty")
    image = page.locator(".sanctum-message.user .sanctum-attachment-image img")
    image.wait_for(state="visible")
    wait_until(lambda: image.evaluate("(i) => i.complete && i.naturalWidth") == 320, message="the pasted screenshot's preview loaded")
    assert image.get_attribute("loading") == "lazy" and image.get_attribute("alt") == "image.png"
    card = page.locator(".sanctum-message.user .sanctum-attachment-card")
    wait_until(lambda: card.get_attribute("href"), message="the PDF card's signed link")
    assert card.text_content().startswith("PDFinvoice.pdf")
    assert card.evaluate("(c) => { c.focus(); return c.getRootNode().activeElement === c; }"), "the file card is focusable"

    session = session_id(page)
    messages = agent_messages(server, session, 2)
    files = [m["metadata"]["attachments"]["files"][0] for m in messages]
    assert [(f["name"], f["type"]) for f in files] == [("image.png", "image/png"), ("invoice.pdf", "application/pdf")]
    assert "[Attachment: invoice.pdf (application/pdf" in messages[1]["message"]
    for file, original in zip(files, [screenshot_png, PDF]):
        status, _, body = fetch(server, file["url"], key=server.api_key)
        assert (status, body) == (200, original), file["name"]
    signed = card.get_attribute("href")
    status, headers, body = fetch(server, signed)
    assert (status, body) == (200, PDF), "the widget's signed link works without a key"
    assert headers["Content-Disposition"].startswith("attachment")

    photo = real_png(400, 300, rgb=(30, 120, 200))
    agent_upload = uploaded(server, photo, "diagram.png", "image/png", session=session, key=server.api_key)
    reply = {"session_id": session, "response": "Here is the diagram",
             "metadata": {"attachments": {"ids": [agent_upload["attachment"]["id"]]}}}
    status, _, answer = request(server, "POST", "/api/v1/?action=outbox", json.dumps(reply).encode(),
                                {"Content-Type": "application/json"}, server.api_key)
    assert status == 200, answer
    wait_until(lambda: "Here is the diagram" in bubbles(page, "bot"), timeout=15, message="the agent's reply")
    reply_image = page.locator(".sanctum-message.bot .sanctum-attachment-image img")
    reply_image.wait_for(state="visible")
    wait_until(lambda: reply_image.evaluate("(i) => i.complete && i.naturalWidth") == 400, message="the agent's image loaded")
    assert reply_image.evaluate("(i) => i.getBoundingClientRect().width") <= 220, "previews are scaled down"
    messages_list = page.locator("#sanctum-chat-messages")
    wait_until(lambda: messages_list.evaluate("(l) => l.scrollHeight - l.scrollTop - l.clientHeight < 2"), message="the transcript follows the previews")
    screenshot(page, "attachments-desktop")

    advance_clock(server, 2 * 3600)
    status, _, body = fetch(server, signed)
    assert (status, json.loads(body)["error_code"]) == (403, "attachment.link_expired")
    assert page.evaluate("window.__violations") == [] and page.js_errors == []


def test_a_renamed_exe_is_refused_with_the_error_in_the_visitors_language(files_server, site, context):
    page = widget_page(context, site, files_server, "/shop-de", language="de")
    assert page.locator("[data-module=attachments].sanctum-module-action").get_attribute("aria-label") == "Datei anhängen"
    drop(page, "setup.png", "image/png", EXE)
    error = page.locator(".sanctum-attachment-error")
    error.wait_for(state="visible")
    assert error.get_attribute("role") == "alert"
    assert error.text_content().startswith("„setup.png“ ist nicht die Art Datei, die ihr Name angibt")
    assert bubbles(page, "user") == []
    screenshot(page, "attachments-refused-de")
    assert inbox_for(files_server, session_id(page)) == []


def test_a_photo_from_the_attach_button_arrives_without_its_gps_exif_on_a_phone(files_server, site, browser):
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = widget_page(phone, site, files_server, "/shop-phone")
        with page.expect_file_chooser() as chooser:
            page.locator("[data-module=attachments].sanctum-module-action").click()
        chooser.value.set_files(files=[{"name": "holiday.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}])
        wait_until(lambda: bubbles(page, "user") == ["holiday.jpg"], message="the photo sent")
        [message] = agent_messages(files_server, session_id(page), 1)
        [file] = message["metadata"]["attachments"]["files"]
        status, _, body = fetch(files_server, file["url"], key=files_server.api_key)
        assert status == 200 and body.startswith(b"\xff\xd8") and SECRET not in body, "EXIF/GPS and the comment are gone"
        assert (file["width"], file["height"]) == (640, 480)
        page.locator(".sanctum-message.user .sanctum-attachment-image img").wait_for(state="attached")
        screenshot(page, "attachments-phone")
    finally:
        phone.close()


def test_cancel_during_the_upload_leaves_no_message(files_server, site, context):
    page = widget_page(context, site, files_server, "/shop-cancel")
    held = []
    page.route("**/plugins/attachments/upload**", lambda route: held.append(route))  # never answered: the upload hangs
    drop(page, "big.pdf", "application/pdf", PDF * 50)
    progress = page.locator(".sanctum-attachment-upload")
    progress.wait_for(state="visible")
    assert progress.locator("progress").get_attribute("aria-label") == "Uploading big.pdf…"
    cancel = progress.get_by_role("button", name="Cancel the upload of big.pdf")
    screenshot(page, "attachments-uploading")
    cancel.click()
    progress.wait_for(state="detached")
    assert page.locator(".sanctum-attachment-note").text_content() == "Upload of big.pdf cancelled"
    page.wait_for_timeout(500)
    assert bubbles(page, "user") == [] and page.evaluate("SanctumChat.getState().pendingCount") == 0
    assert inbox_for(files_server, session_id(page)) == []


def test_the_free_tiers_limits_apply_to_the_default_site(files_server):
    # A 2 KB PDF: over default_limits' 100 bytes and not among its types, within tiers.free's.
    accepted = uploaded(files_server, PDF, "small.pdf", "application/pdf", session="session_e2e_tiers")
    assert accepted["attachment"]["size"] == len(PDF) > 100
    query = urllib.parse.urlencode({"session_id": "session_e2e_tiers", "name": "notes.txt", "widget_key": files_server.widget_key})
    status, _, body = request(files_server, "POST", "/plugins/attachments/upload?" + query, b"plain text", {"Content-Type": "text/plain"})
    assert (status, json.loads(body)["error_code"]) == (415, "attachment.type_not_allowed"), "tiers.free does not allow text/plain"


def test_the_console_shows_a_visitors_files_and_sends_one_with_a_reply(files_server, browser, tmp_path):
    from test_console import open_console, sign_in
    server = files_server
    session = "session_e2e_console_files"
    photo = uploaded(server, real_png(300, 150), "broken.png", "image/png", session=session)
    manual = uploaded(server, PDF, "order.pdf", "application/pdf", session=session)
    message = {"session_id": session, "message": "broken.png", "widget_key": server.widget_key,
               "metadata": {"attachments": {"ids": [photo["attachment"]["id"], manual["attachment"]["id"]]}}}
    status, _, answer = request(server, "POST", "/api/v1/?action=messages", json.dumps(message).encode(), {"Content-Type": "application/json"})
    assert status == 200, answer
    console = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = open_console(console, server)
        sign_in(page, server.api_key, "Agent")
        page.locator(f'#conversationList .conv-btn[data-sid="{session}"]').click()
        preview = page.locator(".msg.visitor .file-preview img")
        preview.wait_for(state="visible")
        wait_until(lambda: preview.evaluate("(i) => i.complete && i.naturalWidth") == 300, message="the visitor's image in the console")
        card = page.locator(".msg.visitor .file-card")
        wait_until(lambda: card.get_attribute("href"), message="the card's link")
        status, _, body = fetch(server, card.get_attribute("href"))
        assert (status, body) == (200, PDF)

        attachment = tmp_path / "label.png"
        attachment.write_bytes(real_png(120, 80, rgb=(20, 160, 90)))
        page.locator("#replyFile").set_input_files(str(attachment))
        assert page.locator("#replyFileName").text_content() == "Attached: label.png"
        page.locator("#replyInput").fill("Here is your return label")
        page.locator("#sendButton").click()
        sent = page.locator(".msg.agent .file-preview img")
        sent.wait_for(state="visible")
        wait_until(lambda: sent.evaluate("(i) => i.complete && i.naturalWidth") == 120, message="the sent image in the console")
        status, _, body = request(server, "GET", f"/api/v1/?action=responses&session_id={session}&widget_key={server.widget_key}")
        [reply] = json.loads(body)["data"]["responses"]
        assert reply["response"] == "Here is your return label"
        assert [f["name"] for f in reply["metadata"]["attachments"]["files"]] == ["label.png"]
        screenshot(page, "attachments-console")
        # The console's own probe of /admin/api/config answers 401 to an agent key (logged by Chromium).
        assert [e for e in page.js_errors if "401 (Unauthorized)" not in e] == []
    finally:
        console.close()
