"""Legacy accounts (历史账号) in a real browser: Playwright drives Debian's Chromium against the
IdP and the sample subsystem 商标网上申请, both served on real ports (fixtures of conftest.py and
test_browser.py).

The legacy account is imported the way production gets it: ``idp legacy import FILE`` on a CSV
export with the legacy system's MD5 hash (L1), against the served IdP's database (the S6 test
writes its row with tests/legacykit.py instead). The sample asks for the
``trademark`` scope (the claim ``legacy_account``, L6/L7) and shows the linked account. The steps
the journeys share are the small functions below. Only auto-waiting, no timing assertions. Each
test is self-contained.
"""

from __future__ import annotations

import csv
import hashlib
import re

from screens import snap
from sqlalchemy import select
from test_browser import latest_code, page  # noqa: F401  (page is a fixture)

import orgkit
from idp.domain.models import Organisation
from idp.domain.models.user import PENDING_REVIEW
from idp.extensions import db
from idp.services import services
from legacykit import LEGACY_PASSWORD as KIT_PASSWORD
from legacykit import make_legacy_account

LEGACY_PASSWORD = "Legacy-pass-2026"
NEW_PASSWORD = "Lantern-river-43"
NATURAL = dict(
    legacy_id="tm_liuyi",
    type="natural",
    name="刘一",
    id_type="resident_id",
    id_number="110108198805120033",
    mobile="13800138030",
    email="liuyi@example.com",
    street="北京市海淀区知春路 1 号",
    postal_code="100083",
    registered_at="2019-03-01 10:00:00",
)
PHONE = {"width": 375, "height": 740}
CAPTCHA_ANSWER = "2468"
LEGACY_LABELS = {
    "自然人": "历史账号",  # the identifier per entry (login table, docs/legacy.md)
    "法人": "历史账号中登记的统一社会信用代码（无统一社会信用代码的填写历史账号）",
    "代理机构": "在商标局备案的统一社会信用代码",
}
SAMPLE_SIGNED_OUT = "您拒绝了授权或取消了登录，未登录本系统。"  # the sample's access_denied text


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


def fixed_captcha() -> None:
    """The captcha's answer made deterministic for this test only (tests' setting, not prod);
    the 法人 and 代理机构 entries always ask for it (login table)."""
    services().captcha.fixed_answer = CAPTCHA_ANSWER


def legacy_login(
    page,
    sample_url: str,
    idp_url: str,
    entry: str,
    identifier: str,
    password: str = LEGACY_PASSWORD,
) -> None:
    """From the sample's 登录 to the IdP's login page, the entry's 历史账号 method, submitted
    (with the captcha at the organisation entries)."""
    page.goto(sample_url + "/")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(idp_url) + r"/interaction/[^/]+/login"))
    page.get_by_role("link", name=entry, exact=True).click()
    page.get_by_role("link", name="历史账号", exact=True).click()
    page.wait_for_url("**method=legacy**")
    page.get_by_label(LEGACY_LABELS[entry], exact=True).fill(identifier)
    page.get_by_label("历史账号密码").fill(password)
    if entry != "自然人":
        page.fill("#captcha", CAPTCHA_ANSWER)
    page.locator("form button.primary").click()
    page.wait_for_url(re.compile(re.escape(idp_url) + r"/supplement/[^/?]+$"))
    snap(page, "10-supplement-" + {"自然人": "personal", "法人": "legal"}.get(entry, "agency"))


def current_step(page) -> str:
    progress = page.get_by_role("list", name="信息补录进度")
    return progress.locator('[aria-current="step"]').inner_text()


def verify(page, *channels: str) -> None:
    """Each code sent from the form's own button and read from the outbox adapter."""
    for channel in channels:
        label = "短信" if channel == "sms" else "邮件"
        page.get_by_role("button", name=f"获取{label}验证码").click()
        page.get_by_text(f"{label}验证码已发送").wait_for()
        page.fill("#sms_code" if channel == "sms" else "#email_code", latest_code(channel))


def set_password(page, password: str) -> None:
    page.fill("#password", password)
    page.fill("#password_confirm", password)


def fill_representative(page, id_type: str, id_number: str) -> None:
    page.select_option("#rep_id_type", id_type)
    page.fill("#rep_name", "王五")
    page.fill("#rep_nationality", "中国")
    page.fill("#rep_id_number", id_number)
    page.fill("#rep_valid_from", "2020-01-01")
    page.fill("#rep_valid_to", "2035-01-01")


def bind_registered_handler(page, handler) -> None:
    """P3 经办人已注册: the handler's mobile and document, the code sent to it (outbox),
    确认绑定."""
    typed = orgkit.handler_fields(handler)
    page.wait_for_url("**/supplement/*/handler")
    page.get_by_role("link", name="经办人已注册").click()
    page.get_by_label("经办人手机号码", exact=True).fill(typed["phone"])
    page.get_by_label("经办人证件类型", exact=True).select_option(typed["id_type"])
    page.get_by_label("经办人证件号码", exact=True).fill(typed["id_number"])
    page.get_by_role("button", name="发送验证码到经办人手机").click()
    page.get_by_text("经办人将收到短信验证码", exact=False).first.wait_for()
    page.get_by_label("经办人收到的短信验证码").fill(latest_code("sms"))
    page.get_by_role("button", name="确认绑定").click()


def consent_and_back(page, sample_url: str, name: str) -> None:
    """S8: the done page says how to sign in from now on; its link takes the parked sign-in
    on: consent, then back on the sample, signed in."""
    page.wait_for_url("**/supplement/done")
    assert page.get_by_role("heading", name="信息补录已完成").is_visible()
    snap(page, "11-supplement-done")
    assert page.get_by_text("今后可在", exact=False).first.is_visible()
    page.get_by_role("link", name="继续登录，返回应用").click()
    page.wait_for_url("**/consent")
    page.get_by_role("button", name="同意并继续").click()
    page.wait_for_url(sample_url + "/")
    assert page.get_by_role("heading", name=f"欢迎，{name}").is_visible()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def choose_address(page) -> None:
    """One level at a time: choose, and forms.js fills the next select."""
    page.select_option("#province", "110000")
    page.locator('#city option[value="110100"]').wait_for(state="attached")
    page.select_option("#city", "110100")
    page.locator('#county option[value="110108"]').wait_for(state="attached")
    page.select_option("#county", "110108")


def test_s2_natural_legacy_journey_in_a_browser(
    page,
    sample,
    idp_url,
    app,  # noqa: F811
    tmp_path,
):
    import_legacy(app, tmp_path, NATURAL)
    legacy_login(page, sample[0], idp_url, "自然人", NATURAL["legacy_id"])

    # S1: the supplementation page, prefilled, with its progress indicator
    progress = page.get_by_role("list", name="信息补录进度")
    assert "历史账号登录" in progress.inner_text()
    assert current_step(page) == "完善信息"
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
    verify(page, "mail", "sms")
    set_password(page, NEW_PASSWORD)
    page.check("#agreed")
    assert page.input_value("#name") == NATURAL["name"]  # nothing lost on the way
    page.get_by_role("button", name="提交并完成").click()

    # S8: the parked sign-in goes on: consent, then back to the sample, the link in the claims
    consent_and_back(page, sample[0], NATURAL["name"])
    assert NATURAL["legacy_id"] in page.inner_text("#legacy-account")
    assert "+86" + NATURAL["mobile"] in page.inner_text("#userinfo-claims")


# --- S4 / S5: legacy legal persons, with and without a USCC -----------------------------------

LEGAL = dict(
    legacy_id="tm_legal01",
    type="legal",
    name="示例科技有限公司",
    uscc="",
    mobile="13800138040",
    email="office@example.cn",
    registered_at="2018-06-01 09:00:00",
)
LEGAL_PASSWORD = "Copper-kettle-46"


def test_s4_legal_person_legacy_journey_in_a_browser(
    page,
    sample,
    idp_url,
    app,  # noqa: F811
    tmp_path,
):
    """S4 from the sample: 法人 → 历史账号 (the legacy USCC) → the legal-person form prefilled
    with name and USCC (codes from the outbox) → 经办人已注册, a real-name person confirmed by
    the code sent to their mobile (P3) → consent → back on the sample, ``legacy_account`` (L6)."""
    code = orgkit.uscc(31)
    import_legacy(app, tmp_path, {**LEGAL, "uscc": code})
    handler = orgkit.make_handler(31)
    fixed_captcha()
    legacy_login(page, sample[0], idp_url, "法人", code)

    # S4: 法人信息验证, prefilled from the legacy account
    page.get_by_role("button", name="法人信息验证").wait_for()
    assert current_step(page) == "机构信息"
    assert LEGAL["legacy_id"] in page.inner_text("main")
    assert page.input_value("#name") == LEGAL["name"] and page.input_value("#uscc") == code
    assert page.input_value("#phone") == LEGAL["mobile"]
    assert page.input_value("#email") == LEGAL["email"]
    page.select_option("#category", "enterprise")
    fill_representative(page, "resident_id", orgkit.resident_id(531))
    verify(page, "sms", "mail")
    set_password(page, LEGAL_PASSWORD)
    page.check("#agreed")
    page.get_by_role("button", name="法人信息验证").click()

    bind_registered_handler(page, handler)
    consent_and_back(page, sample[0], LEGAL["name"])
    assert LEGAL["legacy_id"] in page.inner_text("#legacy-account")


def test_s5_foreign_legacy_journey_in_a_browser(
    page,
    sample,
    idp_url,
    app,  # noqa: F811
    tmp_path,
):
    """S5 from the sample: 法人 → 历史账号 (no USCC: the legacy account id) → straight to the
    review path's form (no USCC of its own, so none may be typed) with its two PDFs →
    经办人已注册 → 已提交审核 with the account number (P7: pending) → 返回应用 gives the sample ``access_denied``: not signed in."""
    import_legacy(app, tmp_path, {k: v for k, v in LEGAL.items() if k != "uscc"})
    handler = orgkit.make_handler(32)
    fixed_captcha()
    legacy_login(page, sample[0], idp_url, "法人", LEGAL["legacy_id"])

    page.get_by_label("主体资格证明（PDF）").wait_for()
    assert page.input_value("#name") == LEGAL["name"]
    page.fill("#country", "新加坡")
    page.select_option("#category", "enterprise")
    page.fill("#name_en", "Example Pte Ltd")
    page.fill("#registration_number", "201912345K")
    fill_representative(page, "foreign_document", "K1234567")
    verify(page, "sms")
    set_password(page, LEGAL_PASSWORD)
    for field, pages in (("identity_proof", 1), ("qualification", 2)):  # small valid PDFs
        page.set_input_files(
            f"#{field}",
            files=[
                dict(
                    name=f"{field}.pdf", mimeType="application/pdf", buffer=orgkit.pdf_bytes(pages)
                )
            ],
        )
    page.check("#agreed")
    page.get_by_role("button", name="法人信息验证").click()

    bind_registered_handler(page, handler)
    page.get_by_role("heading", name="已提交审核").wait_for()
    org = db.session.scalar(select(Organisation))
    assert org.foreign and org.user.status == PENDING_REVIEW
    assert page.inner_text(".account-no") == org.account_no
    assert LEGAL["legacy_id"] in page.inner_text("main")
    page.get_by_role("button", name="返回应用").click()
    page.wait_for_url(re.compile(re.escape(sample[0]) + r"/callback"))
    assert SAMPLE_SIGNED_OUT in page.get_by_role("alert").inner_text()
    assert page.get_by_role("heading", name="操作未完成").is_visible()
    assert not page.get_by_role("heading", name=re.compile("欢迎")).count()


# --- S6: a legacy agency (helper O) ----------------------------------------------------------

AGENCY_ACCOUNT, AGENCY_NAME = "tm_agency01", "示例商标代理有限公司"
AGENCY_PASSWORD = "Harbour-lights-44"
HANDLER = dict(
    name="孙八", id_number="110105198001010059", phone="13700137088", password="Ferry-bridge-45"
)


def test_s6_agency_legacy_journey_in_a_browser(
    page,
    sample,
    idp_url,  # noqa: F811
    app,
):
    """S6 from the sample: 代理机构 → 历史账号 (the filed USCC, also the legacy profile's) →
    notice → agency form (codes from the outbox) → 经办人未注册 with a filed practitioner (Y2)
    → consent → back on the sample signed in as the agency, ``legacy_account`` shown (L6)."""
    filed = orgkit.uscc(21)
    orgkit.file_agency(filed, AGENCY_NAME)
    orgkit.file_practitioner(HANDLER["id_number"], filed)
    make_legacy_account(
        AGENCY_ACCOUNT,
        kind="agency",
        name=AGENCY_NAME,
        id_type=None,
        uscc=filed,
        filed_uscc=filed,
        mobile="13900139066",
        email="agency@example.com",
    )
    fixed_captcha()
    legacy_login(page, sample[0], idp_url, "代理机构", filed, KIT_PASSWORD)

    # S6: the notice first, then the agency form prefilled with the filed USCC
    assert page.get_by_role("heading", name="用户信息完善提示").is_visible()
    page.get_by_role("button", name="我已知悉，开始完善").click()
    page.get_by_role("button", name="代理机构信息验证").wait_for()
    assert current_step(page) == "机构信息"
    assert page.input_value("#uscc") == filed and page.input_value("#name") == AGENCY_NAME
    page.select_option("#category", "enterprise")
    fill_representative(page, "resident_id", orgkit.resident_id(500))
    verify(page, "sms", "mail")
    set_password(page, AGENCY_PASSWORD)
    page.check("#agreed")
    page.get_by_role("button", name="代理机构信息验证").click()

    # P3/Y2: 经办人未注册 — a filed practitioner registered and bound here
    page.wait_for_url("**/supplement/*/handler")
    page.get_by_role("link", name="经办人未注册").click()
    page.wait_for_url("**mode=new")
    page.select_option("#id_type", "resident_id")
    page.fill("#name", HANDLER["name"])
    page.fill("#id_number", HANDLER["id_number"])
    page.fill("#phone", HANDLER["phone"])
    verify(page, "sms")
    set_password(page, HANDLER["password"])
    page.get_by_role("button", name="注册并绑定经办人").click()

    consent_and_back(page, sample[0], AGENCY_NAME)
    assert AGENCY_ACCOUNT in page.inner_text("#legacy-account")
