"""The interaction pages: login and consent under ``/interaction/<id>`` (OIDC Core §3.1.2.3-4,
RFC 6749 §4.1.2.1 ``access_denied``, RFC 9207; OWASP ASVS V2.2 throttling, V3 CSRF).

A parked request belongs to the browser that started it and expires after
``protocol.interaction_ttl``; login failures never reveal whether the account exists.
"""

from __future__ import annotations

import re

import pytest

from idp.flows import policy
from support import (
    PASSWORD,
    PHONE,
    REDIRECT,
    TEST_SETTINGS,
    Browser,
    decode_jwt,
    form_fields,
    make_relying_party,
    make_user,
    page_error,
    query,
)

ISSUER = TEST_SETTINGS["issuer"]
OTHER_PHONE = "13900139000"
MAX_FAILURES = 3
LOCK_SECONDS = 120


@pytest.fixture
def settings_overrides():
    # the captcha the account's failures would ask for is tested with the login page
    return {
        "login": {
            "max_failures": MAX_FAILURES,
            "lock_seconds": LOCK_SECONDS,
            "captcha_after_failures": 100,
        }
    }


def login_page(browser, rp, **params):
    response = browser.authorize(rp, **params)
    assert response.status_code == 302 and response.location.endswith("/login")
    page = browser.follow(response)
    assert page.status_code == 200
    return response.location, page


def error_message(response) -> str | None:
    return page_error(response)


def sso_cookie(browser):
    return browser.http.get_cookie("idp_sso")


def assert_callback_error(response, error, state):
    assert response.status_code == 302
    assert response.location.startswith(REDIRECT + "?")
    got = query(response.location)
    assert got["error"] == error and got["state"] == state and got["iss"] == ISSUER
    assert "code" not in got


def assert_not_found_page(response):
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "登录请求已过期或无效" in response.get_data(as_text=True)


# --- the login form ----------------------------------------------------------------------------


def test_login_form_has_autocomplete_and_csrf(browser, rp):
    _, page = login_page(browser, rp)
    html = page.get_data(as_text=True)
    assert re.search(
        r'<input[^>]*autocomplete="username"[^>]*name="identifier"', html
    ) or re.search(r'<input[^>]*name="identifier"[^>]*autocomplete="username"', html)
    assert re.search(
        r'<input[^>]*autocomplete="current-password"[^>]*name="password"', html
    ) or re.search(r'<input[^>]*name="password"[^>]*autocomplete="current-password"', html)
    action, hidden = form_fields(html)
    assert action.endswith("/login") and "/interaction/" in action
    assert hidden.get("csrf_token")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "no-store" in page.headers["Cache-Control"]


def test_login_without_csrf_token_refused(browser, rp, user):
    location, page = login_page(browser, rp)
    action, _ = form_fields(page.get_data(as_text=True))
    response = browser.http.post(action, data={"identifier": PHONE, "password": PASSWORD})
    assert response.status_code == 400
    assert sso_cookie(browser) is None
    # the request is still waiting for a login
    resumed = browser.http.get(location.rsplit("/", 1)[0])
    assert resumed.status_code == 302 and resumed.location.endswith("/login")


def test_login_with_wrong_csrf_token_refused(browser, rp, user):
    _, page = login_page(browser, rp)
    action, _ = form_fields(page.get_data(as_text=True))
    response = browser.http.post(
        action, data={"identifier": PHONE, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert sso_cookie(browser) is None


def test_login_success_sets_session_cookie_httponly(browser, rp, user):
    _, page = login_page(browser, rp)
    response = browser.submit(page, identifier=PHONE, password=PASSWORD)
    assert response.status_code == 302 and response.location.endswith("/consent")
    cookie = sso_cookie(browser)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_login_by_resident_id_number(browser, rp):
    make_user(id_type="resident_id", id_number="11010519491231002X")
    _, page = login_page(browser, rp)
    response = browser.submit(page, identifier="11010519491231002x", password=PASSWORD)
    assert response.status_code == 302 and response.location.endswith("/consent")


# --- no account enumeration, throttling -------------------------------------------------------


def test_wrong_password_and_unknown_user_same_message(browser, rp, user):
    _, page = login_page(browser, rp)
    wrong = browser.submit(page, identifier=PHONE, password="Wrong-password-1")
    unknown = browser.submit(page, identifier="13700137000", password=PASSWORD)
    unknown_id = browser.submit(page, identifier="11010519491231002X", password=PASSWORD)
    assert wrong.status_code == unknown.status_code == unknown_id.status_code == 200
    message = error_message(wrong)
    assert message and message == error_message(unknown) == error_message(unknown_id)
    assert sso_cookie(browser) is None


def test_login_locked_after_max_failures_even_with_right_password(browser, rp, user, clock):
    _, page = login_page(browser, rp)
    failed = [
        browser.submit(page, identifier=PHONE, password=f"Wrong-password-{i}")
        for i in range(MAX_FAILURES)
    ]
    generic = error_message(failed[0])
    assert all(error_message(r) == generic for r in failed)
    locked = browser.submit(page, identifier=PHONE, password=PASSWORD)
    assert locked.status_code == 200
    assert error_message(locked) == generic
    assert sso_cookie(browser) is None
    # still locked just before the lock ends
    clock.advance(LOCK_SECONDS - 1)
    assert error_message(browser.submit(page, identifier=PHONE, password=PASSWORD)) == generic
    clock.advance(2)
    _, fresh = login_page(browser, rp)  # the first interaction may still be used, but be explicit
    response = browser.submit(fresh, identifier=PHONE, password=PASSWORD)
    assert response.status_code == 302 and response.location.endswith("/consent")


def test_lock_is_per_account(browser, rp, user):
    make_user(phone=OTHER_PHONE, name="李四")
    _, page = login_page(browser, rp)
    for i in range(MAX_FAILURES):
        browser.submit(page, identifier=PHONE, password=f"Wrong-password-{i}")
    response = browser.submit(page, identifier=OTHER_PHONE, password=PASSWORD)
    assert response.status_code == 302 and response.location.endswith("/consent")


def test_lock_applies_to_the_personal_center_login_too(browser, rp, user):
    _, page = login_page(browser, rp)
    failed = [
        browser.submit(page, identifier=PHONE, password=f"Wrong-password-{i}")
        for i in range(MAX_FAILURES)
    ]
    center = browser.http.get("/login")
    response = browser.submit(center, identifier=PHONE, password=PASSWORD)
    assert response.status_code == 200
    assert error_message(response) == error_message(failed[-1])
    assert sso_cookie(browser) is None


# --- the interaction belongs to one browser and expires ----------------------------------------


def test_interaction_from_another_browser_not_found(app, browser, rp, user):
    location, _ = login_page(browser, rp)
    stranger = Browser(app)
    assert_not_found_page(stranger.http.get(location))
    assert_not_found_page(stranger.http.get(location.rsplit("/", 1)[0]))
    assert_not_found_page(stranger.http.get(location.rsplit("/", 1)[0] + "/consent"))
    # the owner can still finish it
    callback = query(browser.consent(browser.login(browser.http.get(location))).location)
    assert callback["code"]


def test_interaction_from_another_signed_in_browser_yields_no_code(app, browser, rp, user):
    """Even a signed-in stranger cannot resume someone else's parked request."""
    location, _ = login_page(browser, rp, state="victim")
    attacker = Browser(app)
    attacker.sign_in(rp)
    response = attacker.http.get(location.rsplit("/", 1)[0])
    assert_not_found_page(response)


def test_interaction_expired_not_found(browser, rp, user, clock, app):
    location, page = login_page(browser, rp)
    clock.advance(int(app.extensions["idp"].settings.protocol.interaction_ttl) + 1)
    assert_not_found_page(browser.http.get(location))
    response = browser.submit(page, identifier=PHONE, password=PASSWORD)
    assert_not_found_page(response)
    assert sso_cookie(browser) is None


def test_interaction_unknown_id_not_found(browser):
    assert_not_found_page(browser.http.get("/interaction/no-such-interaction/login"))
    assert_not_found_page(browser.http.get("/interaction/" + "x" * 200))


def test_finished_interaction_cannot_be_replayed(browser, rp, user):
    location, _ = login_page(browser, rp)
    callback = query(browser.consent(browser.login(browser.http.get(location))).location)
    assert callback["code"]
    assert_not_found_page(browser.http.get(location.rsplit("/", 1)[0]))


# --- abort, consent ---------------------------------------------------------------------------


def test_abort_returns_access_denied(browser, rp, user):
    _, page = login_page(browser, rp, state="s-abort")
    html = page.get_data(as_text=True)
    abort_action = re.search(r'<form[^>]*action="([^"]*/abort)"', html).group(1)
    _, hidden = form_fields(html)
    response = browser.http.post(abort_action, data={"csrf_token": hidden["csrf_token"]})
    assert_callback_error(response, "access_denied", "s-abort")
    assert_not_found_page(browser.http.get(abort_action.rsplit("/", 1)[0]))


def test_abort_without_csrf_refused(browser, rp, user):
    location, _ = login_page(browser, rp, state="s-abort")
    response = browser.http.post(location.rsplit("/", 1)[0] + "/abort")
    assert response.status_code == 400 and "Location" not in response.headers


def test_consent_page_lists_requested_scopes(browser, rp, user):
    response = browser.login(browser.authorize(rp, scope="openid profile phone"))
    page = browser.follow(response)
    html = page.get_data(as_text=True)
    assert "测试应用" in html
    for scope in ("openid", "profile", "phone"):
        assert f"<code>{scope}</code>" in html
    for scope in ("email", "address", "offline_access"):
        assert f"<code>{scope}</code>" not in html
    assert "手机号码" in html  # the label of the phone scope
    assert form_fields(html)[1].get("csrf_token")


def test_consent_deny_returns_access_denied(browser, rp, user):
    response = browser.login(browser.authorize(rp, state="s-deny"))
    assert_callback_error(browser.consent(response, approve=False), "access_denied", "s-deny")
    # nothing was remembered: the next request asks again
    again = browser.authorize(rp)
    assert again.location.endswith("/consent")


def test_consent_without_csrf_refused(browser, rp, user):
    response = browser.login(browser.authorize(rp))
    response = browser.http.post(response.location, data={"approve": "1"})
    assert response.status_code == 400 and "Location" not in response.headers


def test_consent_approve_is_remembered(app, browser, rp, user):
    browser.sign_in(rp)
    other_browser = Browser(app)
    response = other_browser.login(other_browser.authorize(rp, state="s-2"))
    assert response.location.startswith(REDIRECT + "?")
    callback = query(response.location)
    assert callback["code"] and callback["state"] == "s-2"


def test_consent_for_more_scopes_asks_again(browser, rp, user):
    browser.sign_in(rp, scope="openid profile")
    response = browser.authorize(rp, scope="openid profile email")
    assert response.location.endswith("/consent")
    assert query(browser.consent(response).location)["code"]
    assert query(browser.authorize(rp, scope="openid email").location)["code"]


def test_first_party_client_skips_consent(browser, user):
    first_party = make_relying_party(name="商标网上申请", first_party=True)
    response = browser.login(browser.authorize(first_party, state="s-fp"))
    assert response.location.startswith(REDIRECT + "?")
    assert query(response.location)["code"]


def test_login_as_different_user_ends_old_sso_session(app, browser, rp, user):
    other = make_user(phone=OTHER_PHONE, name="李四")
    first = decode_jwt(browser.tokens_for(rp)["id_token"])
    old_cookie = sso_cookie(browser).value
    sessions = policy.sessions()
    assert sessions.get(old_cookie) is not None
    response = browser.authorize(rp, prompt="login")
    response = browser.login(response, identifier=OTHER_PHONE)
    callback = query(browser.consent(response).location)
    second = decode_jwt(browser.exchange(rp, callback["code"]).get_json()["id_token"])
    assert second["sub"] == other.sub and second["sid"] != first["sid"]
    assert sso_cookie(browser).value != old_cookie
    assert sessions.get(old_cookie) is None
    # the old cookie, replayed in another browser, no longer signs anybody in
    replay = Browser(app)
    replay.http.set_cookie("idp_sso", old_cookie)
    none = replay.authorize(rp, prompt="none", state="s-old")
    assert_callback_error(none, "login_required", "s-old")


def test_new_login_rotates_session_cookie(browser, rp, user):
    """Session fixation: a login always issues a fresh SSO cookie, even for the same user."""
    browser.sign_in(rp)
    before = sso_cookie(browser).value
    browser.sign_in(rp, prompt="login")
    assert sso_cookie(browser).value != before
