"""The web chat widget in Chromium at phone width (390 px).

Fast tests run against ``fake_webchat_server.py`` (real channel and widget,
scripted answers). The ``e2e`` test runs the real stack with the trained
model. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

BOT = ".tn-bubble-bot"
USER = ".tn-bubble-user"


def open_chat(page, base):
    page.goto(base + "/webchat/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    return log


def send_text(page, text):
    box = page.get_by_label("メッセージ")
    box.fill(text)
    box.press("Enter")


def test_fake_flow_buttons_cards_crisis(phone_page, fake_server, screenshots):
    page = phone_page
    log = open_chat(page, fake_server)
    expect(log.locator(BOT).first).to_contain_text("つながりナビ")
    # Privacy notice and the always-visible 24-hour footer.
    expect(page.get_by_text("匿名で使えます。名前は不要です。緊急時は110（警察）・119（救急）へ。")).to_be_visible()
    footer = page.locator(".tn-footer")
    expect(footer.get_by_role("link", name="110（警察）")).to_have_attribute("href", "tel:110")
    expect(footer.get_by_role("link", name="119（救急）")).to_have_attribute("href", "tel:119")
    expect(footer.get_by_role("link", name=re.compile("東京いのちの電話 03-3264-4343"))).to_have_attribute(
        "href", "tel:0332644343"
    )
    page.screenshot(path=str(screenshots / "fake-01-greeting.png"))

    # Button → payload sent, title shown as the user's bubble.
    page.get_by_role("button", name="話を聞いてほしい・相談したい").click()
    expect(log.locator(USER).last).to_contain_text("話を聞いてほしい・相談したい")
    page.get_by_role("button", name="電話").click()
    page.get_by_role("button", name="いつでも").click()
    cards = page.locator(".tn-card")
    expect(cards).to_have_count(3)
    expect(cards.first).to_contain_text("東京いのちの電話")
    expect(cards.first).to_contain_text("時間: 24時間")
    expect(cards.first).to_contain_text("いま受付中です")
    expect(cards.first).to_contain_text("情報の確認: 2026年11月")
    expect(cards.first.get_by_role("link", name=re.compile("電話: 03-3264-4343"))).to_have_attribute(
        "href", "tel:0332644343"
    )
    expect(cards.nth(2).get_by_role("link", name=re.compile("サイトを見る"))).to_have_attribute("target", "_blank")
    # Earlier choices cannot be clicked twice.
    expect(page.get_by_role("button", name="話を聞いてほしい・相談したい")).to_be_disabled()
    cards.first.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "fake-02-cards.png"))

    send_text(page, "もう死にたい")
    expect(log.locator(BOT).filter(has_text="24時間")).to_be_visible()
    expect(page.locator(".tn-crisis").get_by_role("link", name=re.compile("119"))).to_have_attribute("href", "tel:119")
    page.screenshot(path=str(screenshots / "fake-03-crisis.png"))


def test_text_is_never_parsed_as_html(phone_page, fake_server):
    page = phone_page
    log = open_chat(page, fake_server)
    expect(log.locator(BOT).first).to_be_visible()
    send_text(page, '<img src=x onerror="window.pwned=1"><b>太字</b>')
    expect(log.locator(BOT).last).to_contain_text('受け取りました：<img src=x onerror="window.pwned=1"><b>太字</b>')
    assert page.evaluate("() => window.pwned === undefined")
    assert log.locator("img, b").count() == 0


def test_session_and_transcript_survive_reload(phone_page, fake_server):
    page = phone_page
    open_chat(page, fake_server)
    expect(page.locator(BOT).first).to_be_visible()
    session = page.evaluate("() => sessionStorage.getItem('tsunagari-navi.session')")
    assert re.fullmatch(r"[0-9a-f]{32}", session)
    send_text(page, "覚えていますか")
    expect(page.locator(BOT).last).to_contain_text("覚えていますか")
    page.reload()
    expect(page.locator(USER).last).to_contain_text("覚えていますか")
    assert page.evaluate("() => sessionStorage.getItem('tsunagari-navi.session')") == session
    # No second greeting after a reload.
    expect(page.locator(BOT).filter(has_text="こんにちは")).to_have_count(1)


def test_keyboard_only_use(phone_page, fake_server):
    page = phone_page
    open_chat(page, fake_server)
    expect(page.get_by_role("button", name="仕事・キャリア")).to_be_visible()
    # Tab reaches the choice buttons, and Enter picks one.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate(
            "() => { const a = document.querySelector('[data-tsunagari-navi]').shadowRoot.activeElement; return a && a.textContent === '仕事・キャリア'; }"
        ):
            break
    else:
        pytest.fail("the choice button is not reachable with Tab")
    page.keyboard.press("Enter")
    expect(page.locator(USER).last).to_contain_text("仕事・キャリア")
    # Tab reaches the message box; Enter sends.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate(
            "() => document.querySelector('[data-tsunagari-navi]').shadowRoot.activeElement?.id === 'tn-input'"
        ):
            break
    else:
        pytest.fail("the message box is not reachable with Tab")
    page.keyboard.type("キーボードだけ")
    page.keyboard.press("Enter")
    expect(page.locator(USER).last).to_contain_text("キーボードだけ")
    # Shift+Enter adds a line instead of sending.
    page.keyboard.type("一行目")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("二行目")
    assert page.get_by_label("メッセージ").input_value() == "一行目\n二行目"


def test_embedded_launcher_from_another_origin(phone_page, fake_server, screenshots):
    page = phone_page
    host_origin = fake_server.replace("127.0.0.1", "localhost")
    page.goto(f"{host_origin}/embed-test/?server={fake_server}")
    launcher = page.get_by_role("button", name="つながりナビのチャットを開く")
    expect(launcher).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    page.screenshot(path=str(screenshots / "fake-04-embed-closed.png"))
    launcher.click()
    dialog = page.get_by_role("dialog", name="つながりナビ")
    expect(dialog).to_be_visible()
    expect(dialog.locator(BOT).first).to_contain_text("つながりナビ")
    page.screenshot(path=str(screenshots / "fake-05-embed-open.png"))
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_focused()


@pytest.mark.e2e
def test_real_stack_referral_and_crisis(phone_page, screenshots):
    import rasa_stack

    try:
        stack = rasa_stack.shared_stack()
    except FileNotFoundError as exc:  # `make test-e2e` trains first: a missing model is a failure
        pytest.fail(str(exc))
    page = phone_page
    log = open_chat(page, stack.base_url)
    expect(log.locator(BOT).first).to_contain_text("つながりナビ", timeout=60000)
    menu = page.get_by_role("button", name="話を聞いてほしい・相談したい")
    expect(menu).to_be_visible(timeout=60000)
    page.screenshot(path=str(screenshots / "e2e-01-greeting.png"))

    send_text(page, "最近ずっとひとりでさみしいです")
    expect(log.locator(USER).last).to_contain_text("さみしい")
    expect(log.locator(BOT).nth(3)).to_be_visible(timeout=60000)

    # Start the referral with a button, then answer the form with buttons.
    page.get_by_role("button", name="話を聞いてほしい・相談したい").last.click()
    expect(log.locator(USER).last).to_contain_text("話を聞いてほしい・相談したい")
    phone = page.get_by_role("button", name=re.compile("電話")).last
    expect(phone).to_be_enabled(timeout=60000)
    phone.click()
    anytime = page.get_by_role("button", name="こだわらない").last
    expect(anytime).to_be_enabled(timeout=60000)
    anytime.click()
    cards = page.locator(".tn-card")
    expect(cards.first).to_be_visible(timeout=60000)
    expect(cards.first.locator(".tn-card-name")).not_to_be_empty()
    cards.first.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "e2e-02-cards.png"))

    send_text(page, "本当に死にたいと思っています")
    expect(log.locator(BOT).filter(has_text="24時間").last).to_be_visible(timeout=60000)
    expect(page.locator(".tn-crisis").last.get_by_role("link", name=re.compile("東京いのちの電話"))).to_have_attribute(
        "href", "tel:0332644343"
    )
    page.screenshot(path=str(screenshots / "e2e-03-crisis.png"))
