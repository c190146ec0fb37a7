"""Legacy accounts (历史账号) in a real browser: Playwright drives Debian's Chromium against the
IdP and the sample subsystem 商标网上申请, both served on real ports (fixtures of conftest.py and
test_browser.py).

The legacy account is imported the way production gets it: ``idp legacy import FILE`` on a CSV
export with the legacy system's MD5 hash (L1), against the served IdP's database. The sample asks
for the ``trademark`` scope (the claim ``legacy_account``, L6/L7) and shows the linked account.
Only auto-waiting, no timing assertions. Each test is self-contained.
"""
from __future__ import annotations

import csv
import hashlib
import re

from test_browser import latest_code, page  # noqa: F401  (page is a fixture)

LEGACY_PASSWORD = "Legacy-pass-2026"
NEW_PASSWORD = "Lantern-river-43"
NATURAL = dict(legacy_id="tm_liuyi", type="natural", name="刘一", id_type="resident_id",
               id_number="110108198805120033", mobile="13800138030",
               email="liuyi@example.com", street="北京市海淀区知春路 1 号", postal_code="100083",
               registered_at="2019-03-01 10:00:00")
PHONE = {"width": 375, "height": 740}


def import_legacy(app, tmp_path, row: dict) -> None:
    """L1: one exported account through the import CLI; the MD5 hash as the legacy system kept
    it."""
    row = {**row, "password_hash": hashlib.md5(LEGACY_PASSWORD.encode()).hexdigest()}
    export = tmp_path / "legacy.csv"
    with export.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    result = app.test_cli_runner().invoke(args=["legacy", "import", str(export)])
    assert result.exit_code == 0, result.output
    assert "新增 1" in result.output


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def choose_address(page) -> None:
    """One level at a time, as without JavaScript: choose, then "更新地址选项"."""
    page.select_option("#province", "110000")
    page.get_by_role("button", name="更新地址选项").click()
    page.select_option("#city", "110100")
    page.get_by_role("button", name="更新地址选项").click()
    page.select_option("#county", "110108")


def test_s2_natural_legacy_journey_in_a_browser(page, sample, idp_url, app,  # noqa: F811
                                                tmp_path):
    import_legacy(app, tmp_path, NATURAL)
    page.goto(sample[0] + "/")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(idp_url) + r"/interaction/[^/]+/login"))
    page.get_by_role("link", name="自然人", exact=True).click()
    page.get_by_role("link", name="历史账号", exact=True).click()
    page.wait_for_url("**method=legacy**")
    page.get_by_label("历史账号", exact=True).fill(NATURAL["legacy_id"])
    page.get_by_label("历史账号密码").fill(LEGACY_PASSWORD)
    page.locator("form button.primary").click()

    # S1: the supplementation page, prefilled, with its progress indicator
    page.wait_for_url(re.compile(re.escape(idp_url) + r"/supplement/[^/?]+$"))
    progress = page.get_by_role("list", name="信息补录进度")
    assert "历史账号登录" in progress.inner_text()
    assert progress.locator('[aria-current="step"]').inner_text() == "完善信息"
    assert NATURAL["legacy_id"] in page.inner_text("main")
    assert page.input_value("#name") == NATURAL["name"]
    assert page.input_value("#id_number") == NATURAL["id_number"]
    assert page.input_value("#id_type") == "resident_id"
    assert page.input_value("#phone") == NATURAL["mobile"]
    assert page.input_value("#email") == NATURAL["email"]
    assert page.input_value("#street") == NATURAL["street"]
    assert page.input_value("#postal_code") == NATURAL["postal_code"]
    page.set_viewport_size(PHONE)  # a phone: the form fits, no sideways scrolling
    assert no_horizontal_scroll(page)
    page.set_viewport_size({"width": 900, "height": 1000})

    # S2: the rest, as a person would fill it
    page.fill("#valid_from", "2020-01-01")
    page.fill("#valid_to", "2040-01-01")
    choose_address(page)
    page.get_by_role("button", name="获取邮件验证码").click()
    page.get_by_text("邮件验证码已发送").wait_for()
    page.fill("#email_code", latest_code("mail"))
    page.get_by_role("button", name="获取短信验证码").click()
    page.get_by_text("短信验证码已发送").wait_for()
    page.fill("#sms_code", latest_code("sms"))
    page.fill("#password", NEW_PASSWORD)
    page.fill("#password_confirm", NEW_PASSWORD)
    page.check("#agreed")
    assert page.input_value("#name") == NATURAL["name"]  # nothing lost on the way
    page.get_by_role("button", name="提交并完成").click()

    # S8: the parked sign-in goes on: consent, then back to the sample, the link in the claims
    page.wait_for_url("**/consent")
    page.get_by_role("button", name="同意并继续").click()
    page.wait_for_url(sample[0] + "/")
    assert page.get_by_role("heading", name=f"欢迎，{NATURAL['name']}").is_visible()
    assert NATURAL["legacy_id"] in page.inner_text("#legacy-account")
    assert "+86" + NATURAL["mobile"] in page.inner_text("#userinfo-claims")


# --- S6: a legacy agency (helper O) ----------------------------------------------------------

AGENCY_ACCOUNT, AGENCY_NAME = "tm_agency01", "示例商标代理有限公司"
AGENCY_PASSWORD = "Harbour-lights-44"
HANDLER = dict(name="孙八", id_number="110105198001010059", phone="13700137088",
               password="Ferry-bridge-45")
CAPTCHA_ANSWER = "2468"


def test_s6_agency_legacy_journey_in_a_browser(page, sample, idp_url,  # noqa: F811
                                               app):
    """S6 from the sample: 代理机构 → 历史账号 (the filed USCC, not the legacy profile's) →
    notice → agency form (codes from the outbox) → 经办人未注册 with a filed practitioner (Y2)
    → consent → back on the sample signed in as the agency, ``legacy_account`` shown (L6)."""
    import orgkit
    from legacykit import LEGACY_PASSWORD, make_legacy_account

    from idp.services import services
    filed, profile = orgkit.uscc(21), orgkit.uscc(22)
    orgkit.file_agency(filed, AGENCY_NAME)
    orgkit.file_practitioner(HANDLER["id_number"], filed)
    make_legacy_account(AGENCY_ACCOUNT, kind="agency", name=AGENCY_NAME, id_type=None,
                        uscc=profile, filed_uscc=filed, mobile="13900139066",
                        email="agency@example.com")
    # the captcha's answer made deterministic for this test only (tests' setting, not prod)
    services().extras["captcha"].fixed_answer = CAPTCHA_ANSWER

    page.goto(sample[0] + "/")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(idp_url) + r"/interaction/[^/]+/login"))
    page.get_by_role("link", name="代理机构", exact=True).click()
    page.get_by_role("link", name="历史账号", exact=True).click()
    page.wait_for_url("**method=legacy**")
    page.get_by_label("在商标局备案的统一社会信用代码").fill(filed)
    page.get_by_label("历史账号密码").fill(LEGACY_PASSWORD)
    page.fill("#captcha", CAPTCHA_ANSWER)
    page.locator("form button.primary").click()

    # S6: the notice first, then the agency form prefilled with the filed USCC
    page.wait_for_url(re.compile(re.escape(idp_url) + r"/supplement/[^/?]+$"))
    assert page.get_by_role("heading", name="用户信息完善提示").is_visible()
    page.get_by_role("button", name="我已知悉，开始完善").click()
    page.get_by_role("button", name="代理机构信息验证").wait_for()
    progress = page.get_by_role("list", name="信息补录进度")
    assert progress.locator('[aria-current="step"]').inner_text() == "机构信息"
    assert page.input_value("#uscc") == filed and page.input_value("#name") == AGENCY_NAME
    page.select_option("#category", "enterprise")
    page.select_option("#rep_id_type", "resident_id")
    page.fill("#rep_name", "王五")
    page.fill("#rep_nationality", "中国")
    page.fill("#rep_id_number", orgkit.resident_id(500))
    page.fill("#rep_valid_from", "2020-01-01")
    page.fill("#rep_valid_to", "2035-01-01")
    page.get_by_role("button", name="获取短信验证码").click()
    page.get_by_text("短信验证码已发送").wait_for()
    page.fill("#sms_code", latest_code("sms"))
    page.get_by_role("button", name="获取邮件验证码").click()
    page.get_by_text("邮件验证码已发送").wait_for()
    page.fill("#email_code", latest_code("mail"))
    page.fill("#password", AGENCY_PASSWORD)
    page.fill("#password_confirm", AGENCY_PASSWORD)
    page.check("#agreed")
    page.get_by_role("button", name="代理机构信息验证").click()

    # P3/Y2: 经办人未注册 — a filed practitioner registered and bound here
    page.wait_for_url("**/register/org/handler")
    page.get_by_role("link", name="经办人未注册").click()
    page.wait_for_url("**mode=new")
    page.select_option("#id_type", "resident_id")
    page.fill("#name", HANDLER["name"])
    page.fill("#id_number", HANDLER["id_number"])
    page.fill("#phone", HANDLER["phone"])
    page.get_by_role("button", name="获取短信验证码").click()
    page.get_by_text("短信验证码已发送").wait_for()
    page.fill("#sms_code", latest_code("sms"))
    page.fill("#password", HANDLER["password"])
    page.fill("#password_confirm", HANDLER["password"])
    page.get_by_role("button", name="注册并绑定经办人").click()

    # S8: the parked sign-in goes on as the agency: consent, then back to the sample
    page.wait_for_url("**/consent")
    page.get_by_role("button", name="同意并继续").click()
    page.wait_for_url(sample[0] + "/")
    assert page.get_by_role("heading", name=f"欢迎，{AGENCY_NAME}").is_visible()
    assert AGENCY_ACCOUNT in page.inner_text("#legacy-account")
