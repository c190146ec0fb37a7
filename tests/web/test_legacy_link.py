"""旧账号管理 in the personal center (L2–L5, P2): link one legacy account, never undone.

Re-authentication first (the link is irreversible). Real database, store and throttle; legacy
rows made like the import's (tests/legacykit.py); the settable clock; no mocks.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from idp.domain.errors import Conflict
from idp.domain.legacy import identity as legacy_identity
from idp.domain.legacy import link as legacy_link
from idp.domain.legacy.hashes import is_legacy
from idp.domain.legacy.identity import IdentityMismatch
from idp.domain.models import LegacyAccount
from idp.domain.organisations import registration as organisations
from idp.extensions import db
from idp.services import services
from idp.web.account.legacy import throttle_key
from legacykit import BEIJING, LEGACY_PASSWORD, make_legacy_account
from orgkit import file_agency, legal_kwargs, resident_id, uscc
from support import PASSWORD, PHONE, form_fields, make_user
from wordkit import raises_saying, said


def person(n: int = 1, phone: str = PHONE):
    return make_user(phone=phone, id_type="resident_id", id_number=resident_id(n))


def open_page(browser, phone: str = PHONE):
    """Sign in to the personal center, re-authenticate, and open 旧账号管理."""
    page = browser.http.get("/login")
    assert browser.submit(page, identifier=phone, password=PASSWORD).status_code == 302
    page = browser.http.get("/account/reauth", query_string={"next": "/account/legacy"})
    response = browser.submit(page, password=PASSWORD)
    assert response.location.endswith("/account/legacy")
    page = browser.http.get("/account/legacy")
    assert page.status_code == 200
    return page


def link(browser, account: str = "L0001", password: str = LEGACY_PASSWORD) -> str:
    action, hidden = form_fields(browser.http.get("/account/legacy").get_data(as_text=True))
    response = browser.http.post(action, data={**hidden, "account": account, "password": password})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def linked_row(account: str = "L0001") -> LegacyAccount:
    db.session.expire_all()
    return db.session.query(LegacyAccount).filter_by(account=account).one()


def test_legacy_page_requires_reauthentication(browser):
    person()
    page = browser.http.get("/login")
    browser.submit(page, identifier=PHONE, password=PASSWORD)
    response = browser.http.get("/account/legacy")
    assert response.status_code == 302 and "/account/reauth" in response.location


def test_link_shows_the_account_masked_and_the_rule(browser):
    user = person()
    make_legacy_account(id_number=resident_id(1))
    html = open_page(browser).get_data(as_text=True)
    assert "关联后不能解除" in html and 'name="account"' in html
    assert "/login/forgot/legacy" in html and "/help/login#legacy-lookup" in html  # L8, L9
    html = link(browser)
    assert "关联成功" in html and "L0001" in html and "自然人" in html
    assert resident_id(1) not in html and resident_id(1)[:4] + "*" in html
    assert 'name="account"' not in html  # linked: no form any more
    row = linked_row()
    assert row.user_id == user.id and row.linked_at is not None
    assert not is_legacy(row.password_hash)  # L1: rehashed on the successful check


def test_l3_second_legacy_link_is_refused(app, browser):
    user = person()
    make_legacy_account("L0001", id_number=resident_id(1))
    make_legacy_account("L0002", id_number=resident_id(1))
    open_page(browser)
    link(browser, "L0001")
    html = browser.http.get("/account/legacy").get_data(as_text=True)
    assert 'name="account"' not in html  # no second form
    # a forged POST links nothing either
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"',
        browser.http.get("/account/reauth").get_data(as_text=True),
    ).group(1)
    forged = browser.http.post(
        "/account/legacy",
        data={"csrf_token": token, "account": "L0002", "password": LEGACY_PASSWORD},
    )
    assert "关联成功" not in forged.get_data(as_text=True)
    assert linked_row("L0002").user_id is None
    with raises_saying(Conflict, "只能关联一个"):
        legacy_link.link_existing(user, "L0002", LEGACY_PASSWORD)


def test_l3_legacy_account_of_another_user_is_refused(app, browser):
    first = person(1, phone="13900139001")
    person(2)
    row = make_legacy_account("S0001", kind="simple", id_number=None)  # proven by password
    legacy_link.link(first, row)
    db.session.commit()
    open_page(browser)
    html = link(browser, "S0001")
    assert said(legacy_link.L3_TAKEN) in html
    assert linked_row("S0001").user_id == first.id


def test_l3_there_is_no_unlink(app, browser):
    person()
    make_legacy_account(id_number=resident_id(1))
    open_page(browser)
    html = link(browser)
    assert "解除关联" not in html and "unlink" not in html.lower()
    rules = [r for r in app.url_map.iter_rules() if "legacy" in r.rule and "account" in r.rule]
    assert [r.rule for r in rules] == ["/account/legacy"]
    assert not [r for r in app.url_map.iter_rules() if "unlink" in (r.rule + r.endpoint)]
    assert browser.http.delete("/account/legacy").status_code == 405
    assert linked_row().user_id is not None


def test_l4_non_designated_account_is_refused_with_explanation(browser):
    person()
    make_legacy_account("L0001", id_number=resident_id(1), designated=None)
    make_legacy_account("L0002", id_number=resident_id(1), designated=True)
    open_page(browser)
    html = link(browser, "L0001")
    assert "010-63218500" in html and "可绑定历史账号" in html
    assert linked_row("L0001").user_id is None
    assert "关联成功" in link(browser, "L0002")


def test_l2_account_after_cutoff_cannot_be_linked(browser):
    person()
    make_legacy_account(
        id_number=resident_id(1), registered_at=dt.datetime(2025, 8, 1, tzinfo=BEIJING)
    )
    open_page(browser)
    html = link(browser)
    assert "2025 年 8 月 1 日之后" in html and "新的商标网上申请系统上线后" in html
    assert linked_row().user_id is None


def test_l5_wrong_password_links_nothing_and_counts_as_failure(app, browser, clock):
    person()
    make_legacy_account(id_number=resident_id(1))
    open_page(browser)
    html = link(browser, password="Wrong-pass-1")
    assert "账号或密码错误" in html and linked_row().user_id is None
    unknown = link(browser, account="NOPE-1", password="Wrong-pass-1")
    assert "账号或密码错误" in unknown  # the same words for an unknown account
    from idp.web.login import passwords as auth

    with app.test_request_context():
        assert auth.throttle().failures(throttle_key("L0001")) == 1
        assert throttle_key("ｌ0001 ") == auth.legacy_key("personal", "L0001")  # one lock
    for _ in range(int(services().settings.login.max_failures) - 1):
        link(browser, password="Wrong-pass-1")
        clock.advance(1)
    locked = link(browser)  # the right password, but the key is locked
    assert "账号或密码错误" in locked and linked_row().user_id is None


@pytest.mark.parametrize(
    "legacy",
    [
        dict(id_number=resident_id(2)),  # another person's number
        dict(id_number=resident_id(1), name="王五"),  # another name
        dict(id_number=None, kind="simple", name="王五"),
    ],
)
def test_l3_personal_center_mismatch_refused(browser, legacy):
    """S2/L3/L5: the password alone never links another person's legacy account; the page
    points to the manual appeal (L10) and nothing is written."""
    person(1)
    make_legacy_account(**legacy)
    open_page(browser)
    html = link(browser)
    assert said(legacy_identity.PERSON_MISMATCH) in html and 'href="/appeal"' in html
    assert linked_row().user_id is None


def test_l3_personal_center_compares_names_after_normalisation(browser):
    """Another name is refused; the same name with an ideographic space is the same name."""
    user = person(1)
    make_legacy_account("L0001", id_number=resident_id(1), name="张四", designated=True)
    make_legacy_account("L0002", id_number=resident_id(1), name="张　三", designated=True)
    open_page(browser)
    assert said(legacy_identity.PERSON_MISMATCH) in link(browser, "L0001")
    assert "关联成功" in link(browser, "L0002")
    assert linked_row("L0001").user_id is None and linked_row("L0002").user_id == user.id


def test_l3_personal_center_agency_keeps_the_filed_uscc(app, browser):
    """An agency registered here with another USCC is not that legacy agency: the legacy
    agency's USCC is its filed one (login table)."""
    other, filed = uscc(21), uscc(22)
    file_agency(other, name="丙商标代理有限公司")
    file_agency(filed, name="丁商标代理有限公司")
    agency = organisations.register_agency(**legal_kwargs(other, name="丙商标代理有限公司"))
    make_legacy_account(
        "AG-OLD",
        kind="agency",
        name="丁商标代理有限公司",
        id_type=None,
        uscc=filed,
        filed_uscc=filed,
    )
    with pytest.raises(IdentityMismatch) as refused:
        legacy_link.link_existing(agency.user, "AG-OLD", LEGACY_PASSWORD)
    assert refused.value.code == legacy_identity.AGENCY_USCC_MISMATCH
    assert linked_row("AG-OLD").user_id is None
