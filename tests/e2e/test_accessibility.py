"""Accessibility of the citizen pages in a real browser (issue 13; docs/accounts.md,
"Accessibility"): Chromium through Playwright against the IdP served on a real port.

Every page a citizen meets on the way in — login (each entry, and after a failed login),
registration (each type), supplementation (natural person, legal person, agency), consent, the
personal center, the legacy password reset — passes axe-core's WCAG 2.2 A/AA rules and its best
practices (``browserkit.CITIZEN_OPTIONS``; the admin login, which has its own pages, the WCAG 2.1
ones) with no violation at all, let alone a serious or critical one, at a desktop width, at
360 px, and at 360 px with the larger text (大字版) on; at 360 px, and at 320 px with the text
at 200 %, nothing scrolls sideways (WCAG 1.4.10). axe-core is the script bundled by
``axe-playwright-python``: nothing is fetched at test time.

Then what forms.js adds, each checked with the page itself (a marker set in the page survives,
so it did not reload): "换一张" swaps the captcha image and keeps what was typed; the audio
challenge is answered in the same field; "获取验证码" sends without losing the typed password
and counts down; the address selects fill as one chooses; Enter in a field submits the main
action, never a send-code button; the error summary takes the focus; 大字版 is remembered.
And without script the pages still work (Enter, the address button, sending a code).
"""

from __future__ import annotations

import re

import pytest
from browserkit import AXE_OPTIONS, CITIZEN_OPTIONS, DESKTOP, NARROW, assert_accessible, open_page
from test_browser_legacy import (
    AGENCY_ACCOUNT,
    AGENCY_NAME,
    LEGACY_LABELS,
    LEGACY_PASSWORD,
    NATURAL,
    import_legacy,
)

import orgkit
from adminkit import make_admin
from idp.domain.organisations import registration as organisations
from idp.extensions import db
from idp.services import services
from legacykit import LEGACY_PASSWORD as KIT_PASSWORD
from legacykit import make_legacy_account
from support import PASSWORD, make_user

ANSWER = "2468"  # the deterministic captcha of the tests (never in production)
PHONE_320 = {"width": 320, "height": 740}
LEGAL_USCC = orgkit.uscc(41)


@pytest.fixture
def settings_overrides(idp_url):
    return {
        "issuer": idp_url,
        "captcha": {"deterministic": True, "deterministic_answer": ANSWER},
    }


@pytest.fixture
def idp(app, idp_slot, idp_url):
    idp_slot.app = app
    return idp_url


@pytest.fixture
def page():
    with open_page() as tab:
        yield tab


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def larger_text(page, on: bool) -> None:
    """The header's 大字版 toggle, as a person presses it (forms.js switches in place)."""
    toggle = page.get_by_role("button", name="大字版")
    if (toggle.get_attribute("aria-pressed") == "true") != on:
        toggle.click()
        page.wait_for_selector(
            "html.large-text" if on else "html:not(.large-text)", state="attached"
        )


def accessible_everywhere(page, where: str, toggle: bool = True) -> None:
    """axe at a desktop width, at 360 px, and at 360 px with the larger text (``toggle``: a
    citizen page, with the 大字版 button, held to WCAG 2.2 AA and axe's best practices too); no
    sideways scrolling at 360 px nor at 320 px with the text at 200 %."""
    rules = CITIZEN_OPTIONS if toggle else AXE_OPTIONS
    assert_accessible(page, where, rules)
    page.set_viewport_size(NARROW)
    assert no_sideways_scroll(page), f"{where}: scrolls sideways at 360 px"
    assert_accessible(page, f"{where} at 360 px", rules)
    if toggle:
        larger_text(page, True)
        assert no_sideways_scroll(page), f"{where}: scrolls sideways at 360 px, larger text"
        assert_accessible(page, f"{where} at 360 px, larger text", rules)
        larger_text(page, False)
    page.set_viewport_size(PHONE_320)
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    assert no_sideways_scroll(page), f"{where}: scrolls sideways at 320 px, text at 200 %"
    page.evaluate("document.documentElement.style.fontSize = ''")
    page.set_viewport_size(DESKTOP)


def mark(page) -> None:
    page.evaluate("window.notReloaded = true")


def not_reloaded(page) -> bool:
    return page.evaluate("window.notReloaded === true")


def summary_has_focus(page) -> bool:
    page.locator(".error-summary:focus").wait_for()  # forms.js runs once the page is parsed
    return page.evaluate("document.activeElement.classList.contains('error-summary')")


# --- axe on every page ---------------------------------------------------------------------------


def test_g_login_entries_are_accessible_before_and_after_a_failed_login(page, idp):
    for entry in ("personal", "legal", "agency"):
        page.goto(f"{idp}/login?entry={entry}")
        accessible_everywhere(page, f"login, {entry}")
    page.goto(f"{idp}/login?entry=legal&method=legacy")
    accessible_everywhere(page, "login, legal, legacy")

    # a failed login: the summary at the top of the form, focused, the page still accessible
    page.goto(f"{idp}/login?entry=legal")
    page.fill("#identifier", LEGAL_USCC)
    page.fill("#password", "Wrong-pass-2026")
    page.fill("#captcha", ANSWER)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_role("heading", name="请更正以下问题").wait_for()
    assert summary_has_focus(page)
    accessible_everywhere(page, "login, legal, failed")


def test_p1_registration_pages_are_accessible(page, idp):
    page.goto(f"{idp}/register")
    accessible_everywhere(page, "registration, choose")
    page.goto(f"{idp}/register/person")
    accessible_everywhere(page, "registration, natural person")
    page.get_by_role("button", name="提交注册").click()  # every field wrong: the summary
    page.get_by_role("heading", name="请更正以下问题").wait_for()
    assert summary_has_focus(page)
    accessible_everywhere(page, "registration, natural person, errors")
    for kind in ("legal", "foreign"):
        page.goto(f"{idp}/register/org/{kind}")
        accessible_everywhere(page, f"registration, {kind}")
    page.goto(f"{idp}/register/org/agency/notice")
    accessible_everywhere(page, "registration, agency notice")
    page.get_by_role("button", name="我已知悉，开始完善").click()
    page.wait_for_url("**/register/org/agency")
    accessible_everywhere(page, "registration, agency")


def legacy_sign_in(page, idp: str, entry: str, identifier: str, password: str) -> None:
    """The personal center's own login, the entry's 历史账号 method, into supplementation."""
    query = {"自然人": "", "法人": "entry=legal&", "代理机构": "entry=agency&"}[entry]
    page.goto(f"{idp}/login?{query}method=legacy")
    page.get_by_label(LEGACY_LABELS[entry], exact=True).fill(identifier)
    page.get_by_label("历史账号密码").fill(password)
    if entry != "自然人":
        page.fill("#captcha", ANSWER)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(re.compile(re.escape(idp) + r"/supplement/[^/?]+$"))


def test_s2_s4_s6_supplementation_pages_are_accessible(page, idp, app, tmp_path):
    import_legacy(app, tmp_path, NATURAL)
    legacy_sign_in(page, idp, "自然人", NATURAL["legacy_id"], LEGACY_PASSWORD)
    accessible_everywhere(page, "supplementation, natural person")
    page.get_by_role("button", name="放弃补录，使用其他账号登录").click()

    make_legacy_account(
        "tm_legal41", kind="legal", name="示例科技有限公司", id_type=None, uscc=LEGAL_USCC
    )
    legacy_sign_in(page, idp, "法人", LEGAL_USCC, KIT_PASSWORD)
    accessible_everywhere(page, "supplementation, legal person")
    page.get_by_role("button", name="放弃补录，使用其他账号登录").click()

    filed = orgkit.uscc(42)
    orgkit.file_agency(filed, AGENCY_NAME)
    make_legacy_account(
        AGENCY_ACCOUNT, kind="agency", name=AGENCY_NAME, id_type=None, uscc=filed, filed_uscc=filed
    )
    legacy_sign_in(page, idp, "代理机构", filed, KIT_PASSWORD)
    accessible_everywhere(page, "supplementation, agency notice")
    page.get_by_role("button", name="我已知悉，开始完善").click()
    page.get_by_role("button", name="代理机构信息验证").wait_for()
    accessible_everywhere(page, "supplementation, agency")


def test_r1_consent_and_personal_center_are_accessible(page, app, sample, idp_url):
    make_user(name="张三")
    page.goto(sample[0] + "/")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(idp_url) + r"/interaction/[^/]+/login"))
    page.fill("#identifier", "13800138000")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url("**/consent")
    accessible_everywhere(page, "consent")
    page.goto(idp_url + "/account")
    accessible_everywhere(page, "personal center")
    page.goto(idp_url + "/account/security")
    accessible_everywhere(page, "account security")


def test_l8_legacy_password_reset_and_admin_login_are_accessible(page, idp):
    page.goto(f"{idp}/login/forgot/legacy")
    accessible_everywhere(page, "legacy password reset")
    make_admin("ops.a11y")
    page.goto(f"{idp}/admin/login")
    accessible_everywhere(page, "admin login", toggle=False)  # the admin area has no 大字版


# --- what forms.js adds ---------------------------------------------------------------------------


def register_legal_person() -> None:
    organisations.register_legal_person(**orgkit.legal_kwargs(LEGAL_USCC))
    db.session.commit()


def test_g_captcha_new_image_and_audio_keep_what_was_typed(page, idp):
    """ "换一张" swaps the image in place; the audio challenge plays here and is answered in
    the same field: the organisation signs in with it."""
    register_legal_person()
    page.goto(f"{idp}/login?entry=legal")
    mark(page)
    page.fill("#identifier", LEGAL_USCC)
    page.fill("#password", PASSWORD)
    before = page.get_attribute("[data-captcha-image]", "src")
    page.get_by_role("link", name="换一张").click()
    page.locator(f'[data-captcha-image]:not([src="{before}"])').wait_for()
    assert page.get_by_text("已换一张验证码图片").count() == 1  # said in the live region
    assert page.input_value("#identifier") == LEGAL_USCC
    assert page.input_value("#password") == PASSWORD
    assert not_reloaded(page) and page.evaluate("document.activeElement.id") == "captcha"

    page.get_by_role("link", name="收听语音验证码").click()
    player = page.locator("audio[data-captcha-player]")
    player.wait_for()
    src = player.get_attribute("src")
    assert re.fullmatch(r"/captcha/[\w-]+\.wav", src)
    assert page.locator("[data-captcha-image]").is_hidden() and not_reloaded(page)
    sound = page.request.get(idp + src)  # the page's own cookies: this browser's challenge
    assert sound.status == 200 and sound.headers["content-type"] == "audio/wav"
    assert sound.body()[:4] == b"RIFF"
    assert page.input_value("#password") == PASSWORD
    page.fill("#captcha", ANSWER)  # what the audio says (the tests' fixed answer)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(idp + "/account")


def test_s7_send_code_with_script_keeps_the_password_and_counts_down(page, idp):
    page.goto(f"{idp}/register/person")
    mark(page)
    page.fill("#password", "Lantern-river-42")
    page.fill("#email", "chen.jing@example.com")
    page.get_by_role("button", name="获取邮件验证码").click()
    page.get_by_role("status").filter(has_text="邮件验证码已发送").wait_for()
    assert not_reloaded(page) and page.input_value("#password") == "Lantern-river-42"
    assert page.evaluate("document.activeElement.id") == "email_code"
    assert len(services().mail.outbox.latest()) == 1
    button = page.locator("[data-send-field=email]")
    assert button.get_attribute("aria-disabled") == "true"
    assert re.search(r"\d+ 秒后可重新发送", button.inner_text())
    button.click(force=True)  # while it counts down (aria-disabled), nothing is sent
    assert len(services().mail.outbox.latest()) == 1

    page.fill("#phone", "1380013")  # a refusal is said in the live region, next to the button
    page.get_by_role("button", name="获取短信验证码").click()
    refused = page.locator("[data-send-field=phone] + [data-send-status]")
    refused.filter(has_text="手机号").wait_for()
    assert services().sms.outbox.latest() == [] and not_reloaded(page)


def test_s2_address_selects_fill_as_one_chooses(page, idp):
    page.goto(f"{idp}/register/person")
    assert page.get_by_role("button", name="更新地址选项").count() == 0  # not needed now
    page.select_option("#province", "110000")
    page.locator('#city option[value="110100"]').wait_for(state="attached")
    page.select_option("#city", "110100")
    page.locator('#county option[value="110108"]').wait_for(state="attached")
    page.select_option("#county", "110108")
    page.select_option("#province", "440000")  # another province: the city and county reset
    page.locator('#city option[value="441900"]').wait_for(state="attached")
    assert page.input_value("#county") == "" and page.input_value("#city") == ""
    page.select_option("#city", "441900")  # 东莞市 has no county level
    page.locator("#county option", has_text="该市不设区县").wait_for(state="attached")


def test_s2_enter_submits_the_registration_and_sends_no_code(page, idp):
    page.goto(f"{idp}/register/person")
    page.fill("#email", "chen.jing@example.com")
    page.press("#email", "Enter")
    page.get_by_role("heading", name="请更正以下问题").wait_for()
    assert page.url == f"{idp}/register/person"  # the form's own action, not a send-code one
    assert summary_has_focus(page)
    summary = page.locator(".error-summary")
    assert summary.get_by_role("link").count() >= 3  # the other fields, each a link
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"
    assert services().mail.outbox.latest() == [] and services().sms.outbox.latest() == []


def test_larger_text_is_remembered(page, idp):
    page.goto(f"{idp}/login")
    mark(page)
    page.fill("#identifier", "13800138000")
    larger_text(page, True)
    assert not_reloaded(page) and page.input_value("#identifier") == "13800138000"
    page.goto(f"{idp}/register")
    assert page.locator("html.large-text").count() == 1
    assert page.get_by_role("button", name="大字版").get_attribute("aria-pressed") == "true"
    larger_text(page, False)
    page.reload()
    assert page.locator("html.large-text").count() == 0


def test_s2_without_script_the_pages_work_as_before(idp):
    """No script: Enter still submits the main action (HTML's default button), the address
    is refreshed by its button, a code is sent by posting the form."""
    with open_page(javascript=False) as page:
        page.goto(f"{idp}/register/person")
        page.fill("#email", "chen.jing@example.com")
        page.press("#email", "Enter")
        page.get_by_role("heading", name="请更正以下问题").wait_for()
        assert services().mail.outbox.latest() == []
        page.select_option("#province", "110000")
        page.get_by_role("button", name="更新地址选项").click()
        page.select_option("#city", "110100")
        assert page.input_value("#email") == "chen.jing@example.com"
        page.get_by_role("button", name="获取邮件验证码").click()
        page.get_by_text("邮件验证码已发送").wait_for()
        assert len(services().mail.outbox.latest()) == 1
        assert page.input_value("#city") == "110100"
