"""A linked legacy account's own password retires when its user sets a password here (L6, L8;
docs/legacy.md, "Passwords of linked legacy accounts"): after a password change in the personal
center or a forgotten-legacy-password reset of the linked account, the legacy identifier signs
in with the user's new password, the old legacy password opens nothing, the link stays, and the
user's other sessions end. Real database, store and outboxes; no mocks."""

from __future__ import annotations

import pytest

from idp.domain.accounts import passwords
from idp.domain.legacy import link as legacy_link
from idp.domain.legacy import retire as legacy_retire
from idp.domain.models import LegacyAccount, User
from idp.extensions import db
from idp.services import services
from legacykit import LEGACY_PASSWORD, make_legacy_account
from orgkit import resident_id
from support import PASSWORD, Browser, form_fields, html_of, make_user

ANSWER = "2468"
NEW = "Quiet-meadow-73"
GENERIC = "账号或密码错误"


@pytest.fixture
def settings_overrides():
    return {"captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


@pytest.fixture
def linked(app):
    user = make_user(id_type="resident_id", id_number=resident_id(1))
    legacy_link.link(user, make_legacy_account(mobile="13700137000", id_number=resident_id(1)))
    db.session.commit()
    return user


def post(browser, path, query=None, **data):
    page = browser.http.get(path, query_string=query or {})
    action, hidden = form_fields(html_of(page))
    return browser.http.post(action, data={**hidden, **data})


def legacy_sign_in(app, password):
    browser = Browser(app)
    response = post(browser, "/login", {"method": "legacy"}, identifier="L0001", password=password)
    return browser, response


def signed_in_as(browser, user) -> bool:
    page = browser.http.get("/account")
    return page.status_code == 200 and user.name in html_of(page)


def legacy_row() -> LegacyAccount:
    db.session.expire_all()
    return db.session.query(LegacyAccount).filter_by(account="L0001").one()


def assert_legacy_password_retired(app, user):
    assert legacy_row().password_hash == legacy_retire.RETIRED
    assert legacy_row().user_id == user.id  # the link stays (L3, L6)
    browser, response = legacy_sign_in(app, LEGACY_PASSWORD)
    assert GENERIC in html_of(response) and not signed_in_as(browser, user)
    browser, response = legacy_sign_in(app, NEW)
    assert response.status_code == 302 and signed_in_as(browser, user)


def signed_in_browser(app, user) -> Browser:
    browser = Browser(app)
    assert post(browser, "/login", identifier=user.phone, password=PASSWORD).status_code == 302
    return browser


def test_l6_password_change_retires_the_linked_legacy_password(app, linked):
    before, response = legacy_sign_in(app, LEGACY_PASSWORD)  # L6: the legacy password works
    assert signed_in_as(before, linked)
    center = signed_in_browser(app, linked)
    post(center, "/account/reauth", {"next": "/account/password"}, password=PASSWORD)
    response = post(
        center, "/account/password", current_password=PASSWORD, password=NEW, password_confirm=NEW
    )
    assert "密码已修改" in html_of(response)
    assert not signed_in_as(before, linked)  # the session opened by the legacy password ended
    assert_legacy_password_retired(app, linked)


def test_l8_reset_of_a_linked_account_sets_the_users_password_and_ends_sessions(app, linked):
    other = signed_in_browser(app, linked)
    browser = Browser(app)
    post(browser, "/login/forgot/legacy", identifier="L0001", contact=linked.phone, captcha=ANSWER)
    code = services().sms.outbox.latest()[0]["params"]["code"]
    done = post(
        browser, "/login/forgot/legacy/reset", code=code, password=NEW, password_confirm=NEW
    )
    assert "已重置" in html_of(done) and "实名账号" in html_of(done)
    assert not signed_in_as(other, linked)
    assert passwords.verify(NEW, db.session.get(User, linked.id).password_hash)
    assert_legacy_password_retired(app, linked)
    mobile = Browser(app)  # the user's own identifiers take the new password too
    assert post(mobile, "/login", identifier=linked.phone, password=NEW).status_code == 302


def test_l8_reset_of_an_unlinked_account_keeps_a_legacy_password(app):
    make_legacy_account(mobile="13700137000", id_number=resident_id(1))
    browser = Browser(app)
    post(browser, "/login/forgot/legacy", identifier="L0001", contact="13700137000", captcha=ANSWER)
    code = services().sms.outbox.latest()[0]["params"]["code"]
    post(browser, "/login/forgot/legacy/reset", code=code, password=NEW, password_confirm=NEW)
    stored = legacy_row().password_hash
    assert stored != legacy_retire.RETIRED and passwords.verify(NEW, stored)
