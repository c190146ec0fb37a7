"""The personal center: its own login, masked personal data, remembered consents and their
withdrawal (which revokes the client's tokens, RFC 7009 §2.1 spirit), and the sign-out page.
"""

from __future__ import annotations

import re

from idp.domain.clients import consents
from support import (
    PASSWORD,
    PHONE,
    Browser,
    form_fields,
    make_relying_party,
    make_user,
    page_error,
    query,
)

ID_NUMBER = "11010519491231002X"
ID_MASKED = "1101**********002X"


def center_login(browser, identifier=PHONE, password=PASSWORD):
    page = browser.http.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    return browser.submit(page, identifier=identifier, password=password)


def withdraw_form(html: str, client_id: str) -> tuple[str, dict]:
    for form in re.findall(r"<form.*?</form>", html, flags=re.S):
        if f'value="{client_id}"' in form:
            return form_fields(form)
    raise AssertionError(f"no withdraw form for {client_id}")


def bearer(token):
    return {"Authorization": "Bearer " + token}


def test_account_redirects_to_login_when_signed_out(browser):
    response = browser.http.get("/account")
    assert response.status_code == 302 and response.location.endswith("/login")
    root = browser.http.get("/")
    assert root.status_code == 302 and root.location.endswith("/account")


def test_account_login_shows_masked_data_only(browser):
    make_user(id_type="resident_id", id_number=ID_NUMBER)
    response = center_login(browser)
    assert response.status_code == 302 and response.location.endswith("/account")
    page = browser.http.get("/account")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "张三" in html
    assert "138****8000" in html and PHONE not in html
    assert ID_MASKED in html
    assert ID_NUMBER not in html and ID_NUMBER.lower() not in html
    assert "no-store" in page.headers["Cache-Control"]


def test_account_login_wrong_password_generic_message(browser, user):
    response = center_login(browser, password="Wrong-password-1")
    assert response.status_code == 200
    unknown = center_login(browser, identifier="13700137000")
    assert unknown.status_code == 200
    message = page_error(response)
    assert message in unknown.get_data(as_text=True)
    assert browser.http.get("/account").status_code == 302


def test_account_login_without_csrf_refused(browser, user):
    response = browser.http.post("/login", data={"identifier": PHONE, "password": PASSWORD})
    assert response.status_code == 400
    assert browser.http.get("/account").status_code == 302


def test_account_session_serves_authorization_requests(browser, rp, user):
    """Signing in at the personal center is single sign-on for relying parties."""
    center_login(browser)
    response = browser.authorize(rp)
    assert response.location.endswith("/consent")


def test_account_lists_remembered_consents(browser, rp, user):
    other = make_relying_party(name="商标查询", redirect_uri="https://query.example.test/cb")
    browser.sign_in(rp, scope="openid profile phone")
    html = browser.http.get("/account").get_data(as_text=True)
    assert "测试应用" in html and "商标查询" not in html
    assert "openid" in html and "phone" in html
    withdraw_form(html, rp.client_id)
    assert other.client_id not in html


def test_account_withdraw_consent_revokes_tokens(browser, rp, user):
    other = make_relying_party(name="商标查询", redirect_uri="https://query.example.test/cb")
    tokens = browser.tokens_for(rp)
    other_tokens = browser.tokens_for(other)
    assert browser.http.get("/userinfo", headers=bearer(tokens["access_token"])).status_code == 200
    action, fields = withdraw_form(
        browser.http.get("/account").get_data(as_text=True), rp.client_id
    )
    assert fields.get("csrf_token") and fields["target"] == rp.client_id
    response = browser.http.post(action, data=fields)
    assert response.status_code == 302 and response.location.endswith("/account")
    assert consents.granted(user.id, rp.client_id) == set()
    info = browser.http.get("/userinfo", headers=bearer(tokens["access_token"]))
    assert info.status_code == 401
    # the other client's consent and tokens are untouched
    assert consents.granted(user.id, other.client_id)
    assert (
        browser.http.get("/userinfo", headers=bearer(other_tokens["access_token"])).status_code
        == 200
    )
    html = browser.http.get("/account").get_data(as_text=True)
    assert "测试应用" not in html and "商标查询" in html
    # the next sign-in asks for consent again
    assert browser.authorize(rp).location.endswith("/consent")


def test_account_withdraw_consent_revokes_refresh_token(browser, user):
    rp = make_relying_party(name="离线应用")
    tokens = browser.tokens_for(rp, scope="openid profile offline_access")
    assert tokens.get("refresh_token")
    action, fields = withdraw_form(
        browser.http.get("/account").get_data(as_text=True), rp.client_id
    )
    browser.http.post(action, data=fields)
    response = browser.token(rp, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"


def test_account_withdraw_consent_without_csrf_changes_nothing(browser, rp, user):
    tokens = browser.tokens_for(rp)
    response = browser.http.post("/account/consents/withdraw", data={"target": rp.client_id})
    assert response.status_code in (302, 400)
    assert consents.granted(user.id, rp.client_id)
    assert browser.http.get("/userinfo", headers=bearer(tokens["access_token"])).status_code == 200


def test_account_withdraw_requires_sign_in(app, browser, rp, user):
    browser.sign_in(rp)
    stranger = Browser(app)
    page = stranger.http.get("/login")
    _, hidden = form_fields(page.get_data(as_text=True))
    response = stranger.http.post(
        "/account/consents/withdraw",
        data={"csrf_token": hidden["csrf_token"], "target": rp.client_id},
    )
    assert response.status_code == 302
    assert consents.granted(user.id, rp.client_id)


def test_account_withdraw_only_own_consent(app, browser, rp, user):
    other_user = make_user(phone="13900139000", name="李四")
    browser.sign_in(rp)
    other = Browser(app)
    other.sign_in(rp, identifier="13900139000")
    action, fields = withdraw_form(other.http.get("/account").get_data(as_text=True), rp.client_id)
    other.http.post(action, data=fields)
    assert consents.granted(other_user.id, rp.client_id) == set()
    assert consents.granted(user.id, rp.client_id)


def test_logout_start_shows_confirmation_form(browser, user):
    center_login(browser)
    page = browser.http.get("/logout/start")
    assert page.status_code == 200
    action, hidden = form_fields(page.get_data(as_text=True))
    assert action.endswith("/logout/confirm") and hidden.get("csrf_token")
    # showing the page signs nobody out
    assert browser.http.get("/account").status_code == 200
    done = browser.submit(page)
    assert done.status_code == 200
    assert browser.http.get("/account").status_code == 302


def test_account_links_to_logout_start(browser, user):
    center_login(browser)
    assert 'href="/logout/start"' in browser.http.get("/account").get_data(as_text=True)


def test_account_login_page_then_authorize_with_prompt_none(browser, rp, user):
    """A consent remembered earlier plus a center login: prompt=none returns a code."""
    browser.sign_in(rp)
    fresh = Browser(browser.app)
    center_login(fresh)
    assert query(fresh.authorize(rp, prompt="none").location)["code"]
