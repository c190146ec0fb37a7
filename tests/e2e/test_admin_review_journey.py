"""The reviewer's journey in a real browser (issue 12, "Reviews and appeals"; S5, P7, D2): a
foreign organisation registered beforehand waits in the review queue; a reviewer signs in with
password and TOTP, opens the queue and the case, approves it; the decision SMS in the outbox
carries the organisation's login account number (D2), and with that number the organisation
then signs in to the sample subsystem 商标网上申请 (the code flow through the IdP's 法人 entry).

The admin login, queue and case pages pass axe-core's WCAG 2.1 A/AA rules (the script bundled
by ``axe-playwright-python``, evaluated in the page), at a desktop width and at 360 px. TOTP
codes come from the real clock here (the sample checks token times against it): the test
computes them as the reviewer's authenticator would. Skipped like the other browser tests where
Chromium is absent and CI is not set."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from browserkit import accessible_at_both_widths, assert_accessible, open_page
from screens import snap

import trailkit
from adminkit import ADMIN_PASSWORD, make_admin
from idp.domain import trail
from idp.domain.admins import totp
from idp.domain.models import Organisation
from idp.domain.models.user import ACTIVE
from idp.domain.organisations import registration as organisations
from idp.domain.organisations import reviews
from idp.domain.organisations.registration import Representative, Upload
from idp.domain.trail import events as trail_events
from idp.extensions import db
from idp.services import services
from orgkit import contact, pdf_bytes
from support import PASSWORD

CONTACT = "13900139077"
ORG_NAME = "示例（英国）有限公司"
CAPTCHA_ANSWER = "1357"


@pytest.fixture
def settings_overrides(idp_url, tmp_path):
    return {
        "issuer": idp_url,
        "files": {"upload_dir": str(tmp_path / "uploads"), "max_size": 64 * 1024},
    }


@pytest.fixture
def page():
    with open_page() as tab:
        yield tab


def register_foreign() -> Organisation:
    """S5: a foreign organisation without USCC, registered with its two PDFs: pending review."""
    org = organisations.register_foreign_legal_person(
        category="enterprise",
        country="英国",
        name=ORG_NAME,
        name_en="Example UK Ltd",
        registration_number="UK-0012345",
        representative=Representative(
            name="John Smith",
            id_type="foreign_document",
            id_number="X7654321",
            valid_from=dt.date(2020, 1, 1),
            valid_to=dt.date(2035, 1, 1),
            nationality="英国",
        ),
        contact=contact(CONTACT),
        identity_proof=Upload("护照.pdf", pdf_bytes()),
        qualification=Upload("certificate.pdf", pdf_bytes(2)),
    )
    db.session.commit()
    return org


def decision_sms() -> dict:
    sent = [m for m in services().sms.outbox.latest() if m["to"] == CONTACT]
    assert len(sent) == 1, sent
    return sent[0]


def test_p7_reviewer_approves_foreign_organisation_which_then_signs_in_to_sample(
    page, app, sample, idp_url
):
    sample_url, _client_id = sample
    org = register_foreign()
    case = reviews.case_for(org)
    account_no = org.account_no
    assert re.fullmatch(r"W\d{9}", account_no)
    admin_id, secret = make_admin("rev.zhou", "reviewer")

    # the reviewer signs in: password, then the authenticator's code
    page.goto(idp_url + "/admin/reviews")
    page.wait_for_url("**/admin/login**")
    accessible_at_both_widths(page, "admin login")
    page.get_by_label("用户名").fill("rev.zhou")
    page.get_by_label("密码").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url("**/admin/login/code**")
    assert_accessible(page, "admin code")
    page.get_by_label("动态验证码（6 位数字）").fill(totp.code_at(secret, time.time()))
    page.get_by_role("button", name="登录").click()

    # the queue (where the login was asked to go back to), then the case
    page.wait_for_url(idp_url + "/admin/reviews")
    assert page.get_by_role("heading", name="机构注册审核").is_visible()
    row = page.get_by_role("row").filter(has_text=ORG_NAME)
    assert account_no in row.inner_text()
    accessible_at_both_widths(page, "review queue")
    row.get_by_role("link", name=str(case.id)).click()
    page.wait_for_url(f"{idp_url}/admin/reviews/{case.id}")
    snap(page, "31-admin-review-case")
    assert page.get_by_role("heading", name=f"审核案件 {case.id}").is_visible()
    assert "X7654321" not in page.content() and "139****9077" in page.content()  # masked (D5)
    accessible_at_both_widths(page, "review case")
    page.get_by_role("button", name="审核通过").click()
    page.wait_for_url(f"{idp_url}/admin/reviews/{case.id}?decided=approve")
    snap(page, "32-admin-review-approved")
    accessible_at_both_widths(page, "review case decided")

    db.session.expire_all()
    org = db.session.get(Organisation, org.id)
    assert org.verified_by == "review" and org.user.status == ACTIVE
    entry = trailkit.only(trail_events.ADMIN_REVIEW_DECIDED)
    assert entry.actor == f"admin:{admin_id}" and entry.subject_id == org.user_id
    assert entry.result == trail.OK

    # P7/D2: the decision SMS carries the login account number
    sms = decision_sms()
    assert sms["params"]["account_no"] == account_no and account_no in sms["text"]

    # the organisation signs in to the sample with that number, at the IdP's 法人 entry
    services().captcha.fixed_answer = CAPTCHA_ANSWER
    page.goto(sample_url + "/")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(idp_url) + r"/interaction/[^/]+/login"))
    page.get_by_role("link", name="法人", exact=True).click()
    page.fill("#identifier", sms["params"]["account_no"])
    page.fill("#password", PASSWORD)
    page.fill("#captcha", CAPTCHA_ANSWER)
    page.locator("form button.primary").click()
    page.wait_for_url("**/consent")
    page.get_by_role("button", name="同意并继续").click()
    page.wait_for_url(sample_url + "/")
    assert page.get_by_role("heading", name=f"欢迎，{ORG_NAME}").is_visible()
    assert org.user.sub in page.inner_text("main")
