"""The I18n plugin's interface languages in Chromium (docs/plugins/i18n.md): a visitor whose browser
prefers Arabic gets an Arabic, right-to-left widget (the core's texts, the bubble's plural unread
count, LinkGuard's plural hint, Attachments' button), with one language file downloaded; Japanese renders (CJK fonts);
the page's `language` option wins over the browser, a language the site does not offer falls
back to the site's default; a site without the plugins downloads neither the module runtime nor
any module or language file. Screenshots go to test-artifacts/ (desktop and phone)."""
from types import SimpleNamespace

import pytest

from conftest import start_server
from widget_helpers import (ARTIFACTS, browser, site, open_page, send, STRICT_CSP, agent_reply, loader_tag, page_html,
                            session_id, wait_until)

SHOP_KEY = "pk_i18n_shop"
SHOP_AGENT_KEY = "ak_i18n_shop_0123456789abcdef"


@pytest.fixture(scope="module")
def i18n_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("i18n")
    config = folder / "i18n.yaml"
    config.write_text(
        "tiers:\n"
        "  premium: { plugins: [i18n, notifications, link-guard, attachments] }\n"
        "plugins:\n"
        "  i18n: { default_language: de, languages: [ar, de, en, fr, ja, zh] }\n"
        f"  attachments: {{ directory: {folder / 'files'} }}\n"
        "sites:\n"
        f"  - {{ id: shop, tier: premium, widget_key: {SHOP_KEY} }}\n")
    server = start_server(database=str(folder / "db.sqlite"), config=str(config),
                          extra_env={"SANCTUM_SITE_SHOP_AGENT_KEY": SHOP_AGENT_KEY})
    server.shop_agent = SimpleNamespace(base_url=server.base_url, api_key=SHOP_AGENT_KEY)
    yield server
    server.stop()


def page_url(site, server, path, key, **data):
    csp = STRICT_CSP.format(origin=server.base_url, ws_origin=server.base_url.replace("http", "ws"))
    return site.add(path, page_html(loader_tag(server, api_key=key, **data), head='<link rel="icon" href="data:,">'),
                    headers={"Content-Security-Policy": csp})


def new_context(browser, locale, phone=False):
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
    context = browser.new_context(viewport=size, is_mobile=phone, has_touch=phone, locale=locale)
    context.requested = []
    context.on("request", lambda request: context.requested.append(request.url))
    return context


def open_chat(context, url):
    page = open_page(context, url)
    # Polled with `evaluate`: under the strict CSP, `wait_for_function` cannot poll a string predicate.
    wait_until(lambda: page.evaluate("() => !!SanctumChat.__moduleState && SanctumChat.__moduleState().loaded.includes('i18n')"),
               message="the i18n module")
    page.locator("#sanctum-chat-bubble").click()
    page.locator("#sanctum-chat-window").wait_for(state="visible")
    return page


def shown(page):
    """The host's dir and lang, the title, greeting, placeholder and the send button's label."""
    return page.evaluate("""() => {
      const host = document.querySelector('sanctum-chat'), root = host.shadowRoot;
      return { dir: host.getAttribute('dir'), lang: host.getAttribute('lang'),
        title: root.getElementById('sanctum-chat-title').textContent,
        greeting: root.querySelector('.sanctum-message.bot .sanctum-message-text').textContent,
        placeholder: root.getElementById('sanctum-chat-input').placeholder,
        send: root.getElementById('sanctum-chat-send').getAttribute('aria-label') };
    }""")


def screenshot(page, name):
    """Saves test-artifacts/<name>.png once the widget's animations are over (polled with
    `evaluate`: the page's strict CSP forbids the string predicates of `wait_for_function`)."""
    wait_until(lambda: page.evaluate("() => document.querySelector('sanctum-chat').shadowRoot.getAnimations().length === 0"),
               message="animations over")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def language_files(context):
    return [u.split("?")[0].rsplit("/", 1)[1] for u in context.requested if "/widget/plugins/" in u and "/strings-" in u]


def test_a_browser_preferring_arabic_gets_an_arabic_right_to_left_widget(i18n_server, site, browser):
    context = new_context(browser, "ar")
    try:
        page = open_chat(context, page_url(site, i18n_server, "/ar", SHOP_KEY))
        assert shown(page) == {"dir": "rtl", "lang": "ar", "title": "تحدّث معنا", "greeting": "مرحبًا! كيف يمكنني مساعدتك اليوم؟",
                               "placeholder": "اكتب رسالتك…", "send": "إرسال الرسالة"}
        assert language_files(context) == ["strings-ar.json"], "one language file, the visitor's"
        attach = page.locator(".sanctum-module-action[data-module=attachments]")
        assert attach.get_attribute("aria-label") == "إرفاق ملف", "Attachments' button in Arabic"
        # Mirrored: the close button sits at the window's left edge, the visitor's messages on the left.
        header = page.evaluate("""() => { const root = document.querySelector('sanctum-chat').shadowRoot;
          const box = (id) => root.getElementById(id).getBoundingClientRect();
          return { close: box('sanctum-chat-close').left, window: box('sanctum-chat-window').left,
                   windowRight: box('sanctum-chat-window').right }; }""")
        assert header["close"] - header["window"] < (header["windowRight"] - header["window"]) / 2
        # LinkGuard's hint in Arabic, in the plural form for its limit (2: the dual).
        page.locator("#sanctum-chat-input").fill("انظر https://a.example https://b.example https://c.example")
        hint = page.locator(".sanctum-module-hint")
        wait_until(lambda: hint.text_content() == "يمكن أن تحتوي الرسالة على رابطين كحد أقصى.", message="the Arabic hint")
        page.locator("#sanctum-chat-input").fill("")
        send(page, "مرحبا، لدي سؤال عن طلبي")
        wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0 and session_id(page), message="message sent")
        agent_reply(i18n_server.shop_agent, session_id(page), "أهلًا! بكل سرور، ما رقم الطلب؟")
        page.locator(".sanctum-message.bot").nth(1).wait_for()
        time = page.locator(".sanctum-message.user .sanctum-message-time").first.text_content()
        assert any("\u0600" <= c <= "\u06ff" for c in time), f"the time formatted for Arabic (Intl, ص/م): {time}"
        avatars = page.locator(".sanctum-message-avatar").all_text_contents()
        assert avatars[:2] == ["د", "أ"], f"the avatars' initials in Arabic: {avatars}"
        screenshot(page, "i18n-arabic-rtl")
        page.locator("#sanctum-chat-close").click()
        agent_reply(i18n_server.shop_agent, session_id(page), "هل ما زلت هنا؟")
        bubble = page.locator("#sanctum-chat-bubble")
        wait_until(lambda: bubble.get_attribute("aria-label") == "فتح المحادثة (رسالة واحدة غير مقروءة)", message="the plural unread label")
        agent_reply(i18n_server.shop_agent, session_id(page), "سأنتظر ردك.")
        wait_until(lambda: bubble.get_attribute("aria-label") == "فتح المحادثة (رسالتان غير مقروءتين)", message="the dual unread label")
        assert page.js_errors == []
    finally:
        context.close()


def test_arabic_on_a_phone(i18n_server, site, browser):
    context = new_context(browser, "ar-EG", phone=True)
    try:
        page = open_chat(context, page_url(site, i18n_server, "/ar-phone", SHOP_KEY))
        assert shown(page)["dir"] == "rtl" and shown(page)["lang"] == "ar"
        send(page, "هل يمكنني تغيير عنوان التوصيل؟")
        wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0, message="message sent")
        screenshot(page, "i18n-arabic-rtl-phone")
        assert language_files(context) == ["strings-ar.json"]
    finally:
        context.close()


def test_japanese_renders_with_cjk_fonts(i18n_server, site, browser):
    context = new_context(browser, "ja-JP")
    try:
        page = open_chat(context, page_url(site, i18n_server, "/ja", SHOP_KEY))
        assert shown(page) == {"dir": None, "lang": "ja", "title": "チャットでお問い合わせ", "greeting": "こんにちは！本日はどのようなご用件でしょうか？",
                               "placeholder": "メッセージを入力…", "send": "メッセージを送信"}
        send(page, "注文の配送状況を知りたいです")
        wait_until(lambda: page.evaluate("SanctumChat.getState().pendingCount") == 0 and session_id(page), message="message sent")
        agent_reply(i18n_server.shop_agent, session_id(page), "かしこまりました。注文番号を教えてください。")
        page.locator(".sanctum-message.bot").nth(1).wait_for()
        screenshot(page, "i18n-japanese")
        assert language_files(context) == ["strings-ja.json"]
    finally:
        context.close()


def test_the_pages_language_wins_and_an_unoffered_language_falls_back_to_the_default(i18n_server, site, browser):
    context = new_context(browser, "ar")
    try:  # the page says French: the browser's Arabic does not count
        page = open_chat(context, page_url(site, i18n_server, "/fr", SHOP_KEY, language="fr"))
        assert shown(page)["title"] == "Discutez avec nous" and shown(page)["dir"] is None
        assert language_files(context) == ["strings-fr.json"]
    finally:
        context.close()
    context = new_context(browser, "fi-FI")
    try:  # Finnish is not offered: the site's default, German
        page = open_chat(context, page_url(site, i18n_server, "/fi", SHOP_KEY))
        assert shown(page)["lang"] == "de" and shown(page)["title"] == "Chatten Sie mit uns"
        assert language_files(context) == ["strings-de.json"], "not LinkGuard's or Attachments' own de.json too"
        assert page.locator(".sanctum-module-action[data-module=attachments]").get_attribute("aria-label") == "Datei anhängen"
    finally:
        context.close()
    context = new_context(browser, "pt-BR")
    try:  # the page's own title stays; the rest follows the site's default
        page = open_chat(context, page_url(site, i18n_server, "/own-title", SHOP_KEY, title="Shop help"))
        assert shown(page)["title"] == "Shop help" and shown(page)["send"] == "Nachricht senden"
    finally:
        context.close()


def test_a_site_without_the_plugins_downloads_no_module_and_no_language_file(i18n_server, site, browser):
    context = new_context(browser, "ar")
    try:
        page = open_page(context, page_url(site, i18n_server, "/plain", i18n_server.widget_key))
        page.locator("#sanctum-chat-bubble").click()
        page.locator("#sanctum-chat-window").wait_for(state="visible")
        page.wait_for_timeout(800)
        assert any("/widget/modules" in u for u in context.requested), "the module list was asked for"
        assert not [u for u in context.requested if "modules.js" in u or "/widget/plugins/" in u or ".json" in u], context.requested
        assert shown(page)["title"] == "Chat with us"
    finally:
        context.close()
