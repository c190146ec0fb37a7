"""The agreement step of a sign-in (S7, "协议变更时 ... 您再次登录时需阅读并同意新版本"): asked
only when the user accepted an older version than ``agreement.current_version()``; accepting
records the version and time, declining ends the request with ``access_denied`` (RFC 6749
§4.1.2.1), ``prompt=none`` gets ``interaction_required`` (OIDC Core §3.1.2.6)."""

from __future__ import annotations

import re

from idp.domain.models import User
from idp.domain.models._types import from_timestamp
from idp.extensions import db
from support import REDIRECT, form_fields, make_user, query

CURRENT = "2025-08-01"  # agreement.version of the test settings (default.toml)


def _user(version: str | None) -> User:
    user = make_user()
    user.agreement_version = version
    user.agreement_accepted_at = from_timestamp(1_700_000_000) if version else None
    db.session.commit()
    return user


def _to_agreement(browser, rp, **params):
    response = browser.login(browser.authorize(rp, state="s-a", **params))
    assert response.status_code == 302 and response.location.endswith("/agreement")
    return response


def _reload(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def test_agreement_needed_only_when_the_accepted_version_changed(app, browser, rp):
    user = _user("2024-01-01")
    page = browser.follow(_to_agreement(browser, rp))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "国家知识产权局统一身份认证系统用户服务协议" in html
    assert CURRENT in html and "我已阅读并同意" in html and "返回注册" not in html
    assert _reload(user.id).agreement_version == "2024-01-01"


def test_agreement_not_asked_when_the_current_version_was_accepted(app, browser, rp):
    _user(CURRENT)
    response = browser.login(browser.authorize(rp))
    assert response.location.endswith("/consent")


def test_agreement_not_asked_of_a_user_without_a_recorded_version(app, browser, rp):
    """Accounts made by the office's tools (import, demo) recorded no version: not asked."""
    _user(None)
    response = browser.login(browser.authorize(rp))
    assert response.location.endswith("/consent")


def test_agreement_accept_records_version_and_time(app, browser, rp, clock):
    user = _user("2024-01-01")
    page = browser.follow(_to_agreement(browser, rp))
    response = browser.submit(page, agreed="y", accept="1")
    assert response.status_code == 302 and response.location.endswith("/consent")
    again = _reload(user.id)
    assert again.agreement_version == CURRENT
    assert again.agreement_accepted_at == from_timestamp(clock.now())
    assert "code" in query(browser.consent(response).location)


def test_agreement_accept_without_the_checkbox_is_refused(app, browser, rp):
    user = _user("2024-01-01")
    page = browser.follow(_to_agreement(browser, rp))
    response = browser.submit(page, accept="1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'aria-describedby="agreed-error"', html)
    assert re.search(r'<p class="error" id="agreed-error">[^<]+</p>', html)
    assert _reload(user.id).agreement_version == "2024-01-01"


def test_agreement_decline_is_access_denied(app, browser, rp):
    user = _user("2024-01-01")
    page = browser.follow(_to_agreement(browser, rp))
    response = browser.submit(page, decline="1")
    assert response.status_code == 302 and response.location.startswith(REDIRECT + "?")
    got = query(response.location)
    assert got["error"] == "access_denied" and got["state"] == "s-a" and "code" not in got
    assert _reload(user.id).agreement_version == "2024-01-01"


def test_agreement_prompt_none_is_interaction_required(app, browser, rp):
    _user("2024-01-01")
    browser.login(browser.authorize(rp))  # signed in; the agreement still waits
    response = browser.authorize(rp, prompt="none", state="s-none")
    assert response.status_code == 302 and response.location.startswith(REDIRECT + "?")
    got = query(response.location)
    assert got["error"] == "interaction_required" and got["state"] == "s-none"


def test_agreement_page_in_english(app, browser, rp):
    _user("2024-01-01")
    response = _to_agreement(browser, rp, ui_locales="en")
    html = browser.follow(response).get_data(as_text=True)
    assert "I have read and agree" in html
    action, hidden = form_fields(html)
    assert action.endswith("/agreement") and hidden.get("csrf_token")
