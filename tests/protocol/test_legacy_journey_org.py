"""A subsystem's sign-in through a legacy legal-person or agency account (S4, S5, S6, S8, L6, L7):
legacy login at the 法人 / 代理机构 entry → supplementation → handler (P3, Y2) → consent → code →
token → userinfo with ``legacy_account`` (scope ``trademark``); a foreign entity without a USCC
(S5) is submitted for review and the subsystem gets ``access_denied`` (RFC 6749 §4.1.2.1)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import orgkit
from idp.domain.models import HandlerBinding, LegacyAccount, Organisation
from idp.domain.models.review import APPROVED
from idp.domain.models.user import ACTIVE, PENDING_REVIEW
from idp.domain.organisations import reviews
from idp.extensions import db
from orgsupplementkit import (
    CAPTCHA,
    FILED_USCC,
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
    submit,
)
from supplementkit import through_done_page
from support import decode_jwt, make_relying_party, query

SCOPE = "openid profile trademark"


@pytest.fixture
def settings_overrides():
    return CAPTCHA


@pytest.fixture
def rp(app):
    return make_relying_party(scope=SCOPE)


def start(browser, rp, identifier: str, entry: str) -> str:
    """Authorize, log in with the legacy account: the supplementation page's URL."""
    login = browser.authorize(rp, scope=SCOPE, nonce="n-org")
    step = org_login(browser.http, identifier, entry, url=login.location)
    assert step.status_code == 302 and step.location.endswith("/supplement"), step.location
    page_url = browser.follow(step).location
    assert page_url.startswith("/supplement/")
    return page_url


@pytest.mark.parametrize("kind", ["legal", "agency"])
def test_s8_org_journey_resumes_the_authorization_request(app, browser, rp, kind):
    handler = orgkit.make_handler(1)
    if kind == "legal":
        legal_legacy()
        page_url, data = start(browser, rp, USCC, "legal"), org_data()
    else:
        agency_legacy()
        orgkit.file_practitioner(orgkit.resident_id(1), FILED_USCC)
        page_url, data = start(browser, rp, FILED_USCC, "agency"), agency_data()
        accept_notice(browser.http, page_url)
    assert submit(browser.http, page_url, data).location == f"{page_url}/handler"
    back = bind_registered(browser.http, handler, page_url)
    assert back.location == page_url
    consent = through_done_page(browser.http, browser.http.get(page_url))
    assert consent.status_code == 302 and consent.location.endswith("/consent")
    callback = browser.consent(consent)
    assert callback.location.startswith(rp.redirect_uri)
    tokens = browser.exchange(rp, query(callback.location)["code"]).get_json()
    org = db.session.scalar(select(Organisation))
    claims = decode_jwt(tokens["id_token"])
    assert claims["sub"] == org.user.sub and claims["nonce"] == "n-org"
    assert org.kind == kind and db.session.scalar(select(HandlerBinding)).handler_id == handler.id
    info = browser.http.get(
        "/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}
    )
    assert info.status_code == 200 and info.get_json()["sub"] == org.user.sub
    assert info.get_json()["legacy_account"] == ("F0001" if kind == "legal" else "A0001")
    assert browser.http.get(page_url).location.endswith("/account")  # done: nothing more


def test_s5_foreign_legal_person_is_submitted_for_review(app, browser, rp):
    legal_legacy(uscc=None)
    handler = orgkit.make_handler(1)
    page_url = start(browser, rp, "F0001", "legal")
    first = submit(browser.http, page_url, foreign_data(), files=pdfs())
    assert first.location == f"{page_url}/handler"
    submitted = browser.http.get(bind_registered(browser.http, handler, page_url).location)
    page = browser.http.get(submitted.location)
    html = page.get_data(as_text=True)
    org = db.session.scalar(select(Organisation))
    assert "已提交审核" in html and "1–2 个工作日" in html and org.account_no in html
    assert "返回应用" in html
    assert org.user.status == PENDING_REVIEW and org.foreign
    assert db.session.scalar(select(LegacyAccount)).user_id == org.user_id  # linked (L3)
    callback = browser.submit(page)  # 返回应用
    assert callback.location.startswith(rp.redirect_uri)
    assert query(callback.location)["error"] == "access_denied"
    assert browser.http.get("/account").status_code == 302  # not signed in
    # the organisation cannot log in yet, neither by account number nor by its legacy account
    again = browser.authorize(rp, scope=SCOPE)
    refused = org_login(browser.http, "F0001", "legal", url=again.location)
    assert refused.status_code == 200 and "审核" in refused.get_data(as_text=True)


def test_s5_once_approved_the_legacy_login_reaches_the_subsystem(app, browser, rp):
    """The fourth path to the end: after the office approves the foreign entity (the admin
    area's decision, done here on the rows as it will do), its legacy login is linked (L6) and
    goes consent → code → token → userinfo with ``legacy_account`` (L7)."""
    legal_legacy(uscc=None)
    page_url = start(browser, rp, "F0001", "legal")
    submit(browser.http, page_url, foreign_data(), files=pdfs())
    bound = bind_registered(browser.http, orgkit.make_handler(1), page_url)
    submitted = browser.http.get(bound.location)
    assert submitted.location.endswith("/supplement/done")
    org = db.session.scalar(select(Organisation))
    org.user.status = ACTIVE
    reviews.case_for(org).status = APPROVED
    db.session.commit()
    login = browser.authorize(rp, scope=SCOPE)
    consent = org_login(browser.http, "F0001", "legal", url=login.location)
    assert consent.status_code == 302 and consent.location.endswith("/consent")
    callback = browser.consent(consent)
    tokens = browser.exchange(rp, query(callback.location)["code"]).get_json()
    assert decode_jwt(tokens["id_token"])["sub"] == org.user.sub
    info = browser.http.get(
        "/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}
    )
    assert info.get_json()["legacy_account"] == "F0001"
    assert info.get_json()["organisation"]["name"] == org.name
