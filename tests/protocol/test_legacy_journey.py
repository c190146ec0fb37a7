"""A subsystem's sign-in through a legacy account (S1, S8, L6; OIDC Core §3.1.2.6 for
``prompt=none``): legacy login → supplementation → consent → code → token → userinfo, and no
code, session or silent sign-in while the supplementation is pending (architecture.md, step 5).
"""

from __future__ import annotations

from sqlalchemy import select

from idp.domain.models import LegacyAccount, User
from idp.extensions import db
from supplementkit import (
    MOBILE,
    completion,
    legacy_login,
    natural_legacy,
    submit,
    through_done_page,
)
from support import decode_jwt, query


def start(browser, rp):
    """Authorize, then log in with the legacy account: the supplementation step's redirect."""
    natural_legacy()
    login = browser.authorize(rp, scope="openid profile phone", nonce="n-legacy")
    assert "/login" in login.location
    return legacy_login(browser.http, url=login.location)


def test_s8_completion_resumes_the_authorization_request(app, browser, rp):
    step = start(browser, rp)
    assert step.status_code == 302 and step.location.endswith("/supplement")
    page_url = browser.follow(step).location
    assert page_url.startswith("/supplement/")
    consent = through_done_page(browser.http, submit(browser.http, page_url, completion()))
    assert consent.status_code == 302 and consent.location.endswith("/consent")
    callback = browser.consent(consent)
    assert callback.location.startswith(rp.redirect_uri)
    tokens = browser.exchange(rp, query(callback.location)["code"]).get_json()
    claims = decode_jwt(tokens["id_token"])
    user = db.session.scalar(select(User))
    assert claims["sub"] == user.sub and claims["nonce"] == "n-legacy"
    assert claims["amr"] == ["pwd"]
    assert db.session.scalar(select(LegacyAccount)).user_id == user.id
    info = browser.http.get(
        "/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}
    )
    assert info.status_code == 200 and info.get_json()["phone_number"] == "+86" + MOBILE
    assert info.get_json()["sub"] == user.sub


def test_s1_no_code_while_supplementation_is_pending(app, browser, rp):
    step = start(browser, rp)
    iid = step.location.split("/")[-2]
    for url in (f"/interaction/{iid}", f"/interaction/{iid}/consent"):
        response = browser.http.get(url)
        assert response.status_code == 302 and response.location.endswith(
            f"/interaction/{iid}/supplement"
        ), url
    assert browser.http.get("/account").status_code == 302  # no SSO session


def test_s1_prompt_none_with_legacy_pending_is_interaction_required(app, browser, rp):
    start(browser, rp)
    response = browser.authorize(rp, prompt="none")
    assert response.location.startswith(rp.redirect_uri)
    assert query(response.location)["error"] == "interaction_required"


def test_s8_double_submit_in_a_sign_in_issues_one_account(app, browser, rp):
    step = start(browser, rp)
    page_url = browser.follow(step).location
    first = submit(browser.http, page_url, completion())
    again = browser.http.get(page_url)  # back to the page after completing: just continues
    assert first.location == again.location == "/supplement/done"
    assert through_done_page(browser.http, again).location.endswith("/consent")
    assert len(db.session.scalars(select(User)).all()) == 1


def test_s1_a_completed_password_login_supersedes_a_pending_supplementation(app, browser, rp, user):
    start(browser, rp)
    login = browser.http.get("/login")
    browser.submit(login, identifier=user.phone, password="Correct-horse-9")
    callback = query(browser.authorize(rp, prompt="none").location)
    assert callback.get("error") == "consent_required"  # signed in; only consent is missing
