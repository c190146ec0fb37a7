"""Supplementation pages of legacy legal persons and agencies (S4, S5, S6, S3, S7, Y1, Y2, L3)
reached from the personal center's login page (no pending sign-in): the 法人 / 代理机构 entries'
历史账号 login, the prefilled organisation form, the organisation and its link in one commit,
then the handler on the registration's handler pages, and back to the supplementation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import orgkit
from idp.domain.legacy import identity as legacy_identity
from idp.domain.legacy import link as legacy_link
from idp.domain.legacy import supplement_org
from idp.domain.models import AgencyFiling, HandlerBinding, LegacyAccount, Organisation
from idp.domain.models.user import PENDING_REVIEW
from idp.domain.organisations import registration as organisations
from idp.domain.registers import lookup as registers
from idp.extensions import db
from idp.services import services
from orgkit import steps
from orgsupplementkit import (
    AGENCY_NAME,
    CAPTCHA,
    FILED_USCC,
    LEGAL_NAME,
    PROFILE_USCC,
    USCC,
    accept_notice,
    agency_data,
    agency_legacy,
    bind_registered,
    foreign_data,
    legal_legacy,
    org_data,
    org_login,
    pdfs,
    send,
    submit,
)
from supplementkit import csrf
from support import PASSWORD
from wordkit import said


@pytest.fixture
def settings_overrides():
    return CAPTCHA


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def the_account() -> LegacyAccount:
    db.session.expire_all()
    return db.session.scalar(select(LegacyAccount))


def started(http, identifier: str, entry: str) -> str:
    response = org_login(http, identifier, entry)
    assert response.status_code == 302 and response.location.startswith("/supplement/")
    return response.location


def test_s4_legal_person_supplementation_links_and_binds_a_handler(app, browser):
    legal_legacy()
    handler = orgkit.make_handler(1)
    page_url = started(browser.http, USCC, "legal")
    html = browser.http.get(page_url).get_data(as_text=True)
    assert "法人信息验证" in html and LEGAL_NAME in html and USCC in html  # prefilled (S1)
    assert "机构信息" in html and "绑定经办人" in html  # the progress indicator
    first = submit(browser.http, page_url, org_data())
    assert first.status_code == 302 and first.location == f"{page_url}/handler"
    org = organisations.find_by_uscc(USCC)
    assert org.kind == "legal" and org.user.active and the_account().user_id == org.user_id
    # refresh / back: the form only leads on to the handler, nothing is created twice
    assert browser.http.get(page_url).location == f"{page_url}/handler"
    token = csrf(browser.http, f"{page_url}/handler")
    again = browser.http.post(page_url, data={**org_data(), "csrf_token": token, "submit": "1"})
    assert again.location == f"{page_url}/handler"
    assert count(Organisation) == 1
    handler_page = browser.http.get(f"{page_url}/handler").get_data(as_text=True)
    assert steps(handler_page) == (  # the same steps as registration's, after the legacy login
        "信息补录进度",
        ["历史账号登录 ✓", "机构信息 ✓", "绑定经办人", "完成"],
        "绑定经办人",
    )
    back = bind_registered(browser.http, handler, page_url)
    assert back.status_code == 302 and back.location == page_url  # resume the supplementation
    done = browser.http.get(page_url)
    assert done.location.endswith("/supplement/done")
    html = browser.http.get(done.location).get_data(as_text=True)
    assert "信息补录已完成" in html and org.uscc_masked in html and "F0001" in html
    assert count(HandlerBinding) == 1
    assert browser.http.get(page_url).location.endswith("/supplement/done")  # nothing twice
    # L6: the legacy account now signs in the organisation
    assert org_login(browser.http, USCC, "legal").location.endswith("/account")


def test_s4_other_uscc_is_refused(app, client):
    legal_legacy()
    page_url = started(client, USCC, "legal")
    other = orgkit.uscc(11)
    page = submit(client, page_url, org_data(uscc=other, rep_name="钱七"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and said(supplement_org.LEGAL_USCC_MISMATCH) in html
    assert count(Organisation) == 0 and the_account().user_id is None
    again = client.get(page_url).get_data(as_text=True)  # typed data parked, not the password
    assert "钱七" in again and other in again and PASSWORD not in again


def test_s5_foreign_form_links_a_pending_legal_person(app, client):
    legal_legacy(uscc=None)
    handler = orgkit.make_handler(1)
    page_url = started(client, "F0001", "legal")
    assert "主体资格证明" in client.get(page_url).get_data(as_text=True)
    first = submit(client, page_url, foreign_data(), files=pdfs())
    assert first.location == f"{page_url}/handler", first.get_data(as_text=True)
    org = db.session.scalar(select(Organisation))
    assert org.foreign and org.user.status == PENDING_REVIEW
    assert the_account().user_id == org.user_id
    done = client.get(bind_registered(client, handler, page_url).location)
    html = client.get(done.location).get_data(as_text=True)
    assert "已提交审核" in html and org.account_no in html and "去登录" in html
    refused = org_login(client, "F0001", "legal")  # not before approval (P7)
    assert refused.status_code == 200 and "审核" in refused.get_data(as_text=True)


def test_s6_agency_notice_comes_first(app, client):
    agency_legacy()
    page_url = started(client, FILED_USCC, "agency")
    html = client.get(page_url).get_data(as_text=True)
    assert "我已知悉，开始完善" in html and "代理机构信息验证" not in html
    sneaked = submit(client, page_url, agency_data(), codes=False)  # the form before the notice
    assert "我已知悉，开始完善" in sneaked.get_data(as_text=True) and count(Organisation) == 0
    assert accept_notice(client, page_url).location == page_url
    html = client.get(page_url).get_data(as_text=True)
    assert "代理机构信息验证" in html and AGENCY_NAME in html
    assert FILED_USCC in html and PROFILE_USCC not in html  # prefilled with the filed USCC


def test_s6_uscc_must_be_the_filed_one(app, client):
    """Y1: not the USCC of the legacy profile; and the filing must still be on the register."""
    agency_legacy()
    page_url = started(client, FILED_USCC, "agency")
    accept_notice(client, page_url)
    codes = {
        "sms_code": send(client, page_url, "sms", agency_data()),
        "email_code": send(client, page_url, "mail", agency_data()),
    }
    html = submit(client, page_url, agency_data(uscc=PROFILE_USCC), codes=False, **codes).get_data(
        as_text=True
    )
    assert said(supplement_org.AGENCY_USCC_MISMATCH) in html and count(Organisation) == 0
    db.session.execute(AgencyFiling.__table__.delete())  # the filing withdrawn meanwhile
    db.session.commit()
    html = submit(client, page_url, agency_data(), codes=False, **codes).get_data(as_text=True)
    assert said(legacy_identity.Y1_NOT_FILED) in html and count(Organisation) == 0
    assert the_account().user_id is None


def test_y1_agency_whose_filed_uscc_differs_is_not_linked_by_supplementation(app, client):
    """Y1, the login's rule decided again at completion: the legacy row re-imported meanwhile
    with another USCC than the filed one needs a filing change first — nothing is written."""
    agency_legacy()
    page_url = started(client, FILED_USCC, "agency")
    accept_notice(client, page_url)
    codes = {
        "sms_code": send(client, page_url, "sms", agency_data()),
        "email_code": send(client, page_url, "mail", agency_data()),
    }
    account = the_account()
    account.uscc_enc = services().cipher.encrypt(PROFILE_USCC, registers.USCC_INDEX)
    account.uscc_bidx = registers.uscc_index(PROFILE_USCC)
    db.session.commit()
    for typed in (FILED_USCC, PROFILE_USCC):
        html = submit(client, page_url, agency_data(uscc=typed), codes=False, **codes).get_data(
            as_text=True
        )
        assert said(legacy_identity.Y1_FILING_CHANGE) in html and count(Organisation) == 0
    assert the_account().user_id is None


def test_s6_handler_must_be_a_filed_practitioner(app, client, clock):
    """Y2 on the handler step: a real-name person not on the practitioner register is refused."""
    agency_legacy()
    handler = orgkit.make_handler(1)
    page_url = started(client, FILED_USCC, "agency")
    accept_notice(client, page_url)
    assert submit(client, page_url, agency_data()).location == f"{page_url}/handler"
    refused = bind_registered(client, handler, page_url)  # Y2 is told only after the handler's code
    assert "从业人员" in refused.get_data(as_text=True) and count(HandlerBinding) == 0
    assert client.get(page_url).location == f"{page_url}/handler"  # still pending
    orgkit.file_practitioner(orgkit.resident_id(1), FILED_USCC)
    clock.advance(61)  # codes.resend_interval for the same mobile
    back = bind_registered(client, handler, page_url)
    assert back.location == page_url
    assert client.get(page_url).location.endswith("/supplement/done")
    org = db.session.scalar(select(Organisation))
    assert org.kind == "agency" and the_account().user_id == org.user_id


def test_s3_registered_uscc_creates_nothing(app, client):
    existing = organisations.register_legal_person(**orgkit.legal_kwargs(USCC))
    legal_legacy()
    page_url = started(client, USCC, "legal")
    html = submit(client, page_url, org_data()).get_data(as_text=True)
    assert "用户已经存在" in html and "旧账号管理" in html
    assert "手机号已验证" in html  # proven codes stay proven
    assert count(Organisation) == 1 and the_account().user_id is None
    assert db.session.scalar(select(Organisation)).id == existing.id


def test_l3_account_linked_meanwhile_creates_nothing(app, client):
    legal_legacy()
    page_url = started(client, USCC, "legal")
    other = organisations.register_legal_person(**orgkit.legal_kwargs(orgkit.uscc(13)))
    legacy_link.link(other.user, the_account())
    db.session.commit()
    html = submit(client, page_url, org_data()).get_data(as_text=True)
    assert said(legacy_link.L3_TAKEN) in html and count(Organisation) == 1


def test_s4_codes_are_bound_to_the_supplementation(app, client):
    legal_legacy()
    page_url = started(client, USCC, "legal")
    html = submit(client, page_url, org_data(), codes=False).get_data(as_text=True)
    assert "请填写短信验证码" in html and "请填写邮件验证码" in html
    html = submit(client, page_url, org_data(), sms_code="000000").get_data(as_text=True)
    assert count(Organisation) == 0 and "验证码" in html


def test_s4_double_submit_landing_before_the_marker_goes_on_to_the_handler(
    app, client, monkeypatch
):
    """The first submit committed the organisation and the link but had not yet recorded it in
    the flow when the second arrived (codes proven in an earlier attempt): the second goes on to
    the handler step of that organisation instead of refusing with L3."""
    from idp.web.supplement import org_form as supplement_org_form

    legal_legacy()
    page_url = started(client, USCC, "legal")
    submit(client, page_url, org_data(password_confirm="Other-pass-42"))  # codes stay proven
    data = org_data()
    with monkeypatch.context() as slow:
        slow.setattr(supplement_org_form.RecordState, "save", lambda state, **changes: None)
        first = submit(client, page_url, data, codes=False)
        assert first.location == f"{page_url}/handler"
    second = submit(client, page_url, data, codes=False)
    assert second.status_code == 302 and second.location == f"{page_url}/handler"
    assert count(Organisation) == 1 and the_account().user_id is not None
