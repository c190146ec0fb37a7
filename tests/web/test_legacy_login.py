"""The 历史账号 method of the login page (login table of domain.md, L2, L4, L5, L6, S1): the
same throttle, captcha and generic message as a password login; refusals said only after the
legacy password matched; a linked account signs in its user; an unlinked one is not signed in
but sent to its prefilled supplementation."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from idp.domain.legacy import link as legacy_link
from idp.domain.legacy import login as legacy
from idp.domain.models import LegacyAccount
from idp.extensions import db
from idp.services import services
from legacykit import make_legacy_account
from supplementkit import EMAIL, ID_NUMBER, MOBILE, legacy_login, natural_legacy
from support import PASSWORD, PHONE, Browser, decode_jwt, make_user, query
from wordkit import said

ANSWER = "2468"
GENERIC = "账号或密码错误"
CAPTCHA_AFTER, MAX_FAILURES = 2, 4
BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def settings_overrides():
    return {
        "captcha": {"deterministic": True, "deterministic_answer": ANSWER},
        "login": {
            "captcha_after_failures": CAPTCHA_AFTER,
            "max_failures": MAX_FAILURES,
            "lock_seconds": 120,
        },
    }


def signed_in(http) -> bool:
    return http.get("/account").status_code == 200


def test_l2_account_after_cutoff_is_refused_at_login(app, client):
    natural_legacy(registered_at=dt.datetime(2025, 8, 1, tzinfo=BEIJING))
    html = legacy_login(client).get_data(as_text=True)
    assert said(legacy.L2_MESSAGE) in html and not signed_in(client)
    wrong = legacy_login(client, password="Wrong-pass-1", captcha=ANSWER).get_data(as_text=True)
    assert GENERIC in wrong and said(legacy.L2_MESSAGE) not in wrong  # said only after the password


def test_l2_account_just_before_cutoff_is_accepted(app, client):
    natural_legacy(registered_at=dt.datetime(2025, 7, 31, 23, 59, tzinfo=BEIJING))
    assert legacy_login(client).location.startswith("/supplement/")


def test_l4_non_designated_account_is_refused_at_login(app, client):
    natural_legacy(account="L0001", designated=False)
    natural_legacy(account="L0002", designated=True)
    html = legacy_login(client, "L0001").get_data(as_text=True)
    assert said(legacy.L4_MESSAGE) in html and not signed_in(client)
    assert legacy_login(client, "L0002").location.startswith("/supplement/")


def test_l5_wrong_legacy_password_is_generic_and_throttled(app, client):
    natural_legacy()
    unknown = legacy_login(client, "NOBODY").get_data(as_text=True)
    assert GENERIC in unknown
    wrong = legacy_login(client, password="Wrong-pass-1").get_data(as_text=True)
    assert GENERIC in wrong
    # after CAPTCHA_AFTER failures of this browser the captcha is asked for
    page = client.get("/login", query_string={"method": "legacy"}).get_data(as_text=True)
    assert 'name="captcha"' in page
    no_captcha = legacy_login(client).get_data(as_text=True)
    assert "验证码错误" in no_captcha
    for _ in range(MAX_FAILURES - 1):
        assert GENERIC in legacy_login(client, password="Wrong-pass-1", captcha=ANSWER).get_data(
            as_text=True
        )
    # the account is locked now: the right password gets the same generic message
    locked = legacy_login(client, captcha=ANSWER).get_data(as_text=True)
    assert GENERIC in locked and not signed_in(client)
    # a new browser is locked out of this legacy account too (the key is the account)
    other = app.test_client()
    assert GENERIC in legacy_login(other).get_data(as_text=True)
    account = db.session.scalar(db.select(LegacyAccount))
    assert account.user_id is None


def test_l1_first_legacy_login_rehashes_the_legacy_password(app, client):
    natural_legacy()
    assert legacy_login(client).status_code == 302
    account = db.session.scalar(db.select(LegacyAccount))
    db.session.refresh(account)
    assert account.password_hash.startswith("$argon2id$")


def _sub_via(browser: Browser, rp, **login) -> dict:
    start = browser.authorize(rp)
    login_url = start.location
    response = (
        legacy_login(browser.http, url=login_url, **login)
        if login
        else browser.login(start, PHONE, PASSWORD)
    )
    if "/consent" in (response.location or ""):
        response = browser.consent(response)
    callback = query(response.location)
    tokens = browser.exchange(rp, callback["code"]).get_json()
    return decode_jwt(tokens["id_token"])


def test_l6_linked_legacy_login_is_the_same_user(app, rp):
    user = make_user(id_type="resident_id", id_number=ID_NUMBER)
    account = natural_legacy()
    legacy_link.link(user, account)
    db.session.commit()
    by_password = _sub_via(Browser(app), rp)
    by_legacy = _sub_via(Browser(app), rp, account="l0001")  # the id as typed, any case
    assert by_legacy["sub"] == by_password["sub"] == user.sub
    assert by_legacy["amr"] == ["pwd"]


def test_l6_linked_legacy_login_in_the_personal_center(app, client):
    user = make_user()
    legacy_link.link(user, natural_legacy())
    db.session.commit()
    response = legacy_login(client)
    assert response.status_code == 302 and response.location.endswith("/account")
    assert signed_in(client)


def test_l6_deactivated_user_cannot_sign_in_with_the_legacy_account(app, client):
    user = make_user()
    legacy_link.link(user, natural_legacy())
    user.status = "deactivated"
    db.session.commit()
    assert GENERIC in legacy_login(client).get_data(as_text=True)
    assert not signed_in(client)


def test_s1_unlinked_legacy_login_leads_to_prefilled_supplementation(app, client):
    natural_legacy()
    response = legacy_login(client)
    assert response.status_code == 302 and re.fullmatch(r"/supplement/[\w-]+", response.location)
    assert services().settings.session.cookie_name not in response.headers.get("Set-Cookie", "")
    html = client.get(response.location).get_data(as_text=True)
    assert "完善信息" in html and "历史账号登录" in html and "✓" in html
    for value in ("李四", ID_NUMBER, MOBILE, EMAIL, "L0001"):
        assert value in html
    assert not signed_in(client)  # no SSO session before supplementation (S1, S8)


def test_legacy_login_of_an_organisation_entry_needs_the_captcha(app, client):
    make_legacy_account(
        account="ORG1", kind="legal", name="某某公司", id_type=None, uscc="91350100M000100Y43"
    )
    missing = legacy_login(client, "91350100M000100Y43", entry="legal")
    assert "验证码错误" in missing.get_data(as_text=True)
    response = legacy_login(client, "91350100M000100Y43", entry="legal", captcha=ANSWER)
    assert response.status_code == 302 and response.location.startswith("/supplement/")
    assert "完善法人信息" in client.get(response.location).get_data(as_text=True)  # S4 (S1)
