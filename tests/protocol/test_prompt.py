"""``prompt``, ``max_age``, ``id_token_hint``, ``login_hint`` and ``ui_locales``
(OIDC Core §3.1.2.1, §3.1.2.3, §3.1.2.6; OIDF oidcc-prompt-*, oidcc-max-age-*,
oidcc-id-token-hint, oidcc-login-hint, oidcc-ui-locales).
"""

from __future__ import annotations

import base64
import json

import pytest
from joserfc import jwk, jwt

from idp.domain.clients import consents
from support import (
    PASSWORD,
    PHONE,
    REDIRECT,
    TEST_SETTINGS,
    Browser,
    decode_jwt,
    make_relying_party,
    make_user,
    query,
)

ISSUER = TEST_SETTINGS["issuer"]
OTHER_PHONE = "13900139000"


def assert_redirect_error(response, error, state):
    assert response.status_code == 302
    assert response.location.startswith(REDIRECT + "?")
    got = query(response.location)
    assert got["error"] == error, got
    assert got["state"] == state and got["iss"] == ISSUER
    assert "code" not in got


def assert_code(response, state=None):
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.startswith(REDIRECT + "?"), response.location
    got = query(response.location)
    assert "error" not in got, got
    assert got["code"] and got["iss"] == ISSUER
    if state is not None:
        assert got["state"] == state
    return got


def step_of(response) -> str:
    assert response.status_code == 302, response.status_code
    return response.location.rsplit("/", 1)[-1]


def sign_in_and_exchange(browser, rp, **params) -> dict:
    """Authorize → login/consent as needed → token; return the ID token claims."""
    return decode_jwt(browser.tokens_for(rp, **params)["id_token"])


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# --- prompt=none -----------------------------------------------------------------------------


def test_oidcc_prompt_none_not_logged_in(browser, rp, user):
    response = browser.authorize(rp, prompt="none", state="s-none")
    assert_redirect_error(response, "login_required", "s-none")


def test_oidcc_prompt_none_logged_in(browser, rp, user):
    first = sign_in_and_exchange(browser, rp)
    response = browser.authorize(rp, prompt="none", state="s-again")
    callback = assert_code(response, "s-again")
    claims = decode_jwt(browser.exchange(rp, callback["code"]).get_json()["id_token"])
    assert claims["sub"] == first["sub"]
    assert claims["sid"] == first["sid"] and claims["auth_time"] == first["auth_time"]


def test_oidcc_prompt_none_consent_required(browser, rp, user):
    """Signed in at the personal center, never consented to this client."""
    page = browser.http.get("/login")
    assert browser.submit(page, identifier=PHONE, password=PASSWORD).status_code == 302
    response = browser.authorize(rp, prompt="none", state="s-consent")
    assert_redirect_error(response, "consent_required", "s-consent")


def test_oidcc_prompt_none_consent_required_for_new_scope(browser, rp, user):
    browser.sign_in(rp, scope="openid profile")
    response = browser.authorize(rp, prompt="none", scope="openid profile phone", state="s-new")
    assert_redirect_error(response, "consent_required", "s-new")


def test_oidcc_prompt_none_first_party_needs_no_consent(browser, user):
    first_party = make_relying_party(name="商标网上申请", first_party=True)
    page = browser.http.get("/login")
    browser.submit(page, identifier=PHONE, password=PASSWORD)
    assert_code(browser.authorize(first_party, prompt="none"))


# --- prompt=login / prompt=consent -------------------------------------------------------------


def test_oidcc_prompt_login(browser, rp, user, clock):
    first = sign_in_and_exchange(browser, rp)
    clock.advance(5)
    response = browser.authorize(rp, prompt="login", state="s-login")
    assert step_of(response) == "login"
    response = browser.login(response)
    callback = assert_code(response, "s-login")
    second = decode_jwt(browser.exchange(rp, callback["code"]).get_json()["id_token"])
    assert second["sub"] == first["sub"]
    assert second["auth_time"] >= first["auth_time"] + 5
    assert second["sid"] != first["sid"]


def test_oidcc_prompt_consent_shows_consent_again(browser, rp, user):
    browser.sign_in(rp)
    response = browser.authorize(rp, prompt="consent", state="s-c")
    assert step_of(response) == "consent"
    assert_code(browser.consent(response), "s-c")


def test_oidcc_prompt_consent_denied_again(browser, rp, user):
    browser.sign_in(rp)
    response = browser.authorize(rp, prompt="consent", state="s-c")
    assert_redirect_error(browser.consent(response, approve=False), "access_denied", "s-c")


def test_oidcc_prompt_login_and_consent_together(browser, rp, user):
    browser.sign_in(rp)
    response = browser.authorize(rp, prompt="login consent", state="s-lc")
    assert step_of(response) == "login"
    response = browser.login(response)
    assert step_of(response) == "consent"
    assert_code(browser.consent(response), "s-lc")


# --- max_age -------------------------------------------------------------------------------


def test_oidcc_max_age_1(browser, rp, user, clock):
    first = sign_in_and_exchange(browser, rp)
    clock.advance(2)
    response = browser.authorize(rp, max_age="1", state="s-age")
    assert step_of(response) == "login"
    callback = assert_code(browser.login(response), "s-age")
    second = decode_jwt(browser.exchange(rp, callback["code"]).get_json()["id_token"])
    assert second["auth_time"] > first["auth_time"]
    assert second["auth_time"] >= first["auth_time"] + 2


def test_oidcc_max_age_1_with_prompt_none_is_login_required(browser, rp, user, clock):
    browser.sign_in(rp)
    clock.advance(2)
    response = browser.authorize(rp, max_age="1", prompt="none", state="s-age")
    assert_redirect_error(response, "login_required", "s-age")


def test_oidcc_max_age_10000(browser, rp, user, clock):
    first = sign_in_and_exchange(browser, rp)
    clock.advance(60)
    callback = assert_code(browser.authorize(rp, max_age="10000"))
    second = decode_jwt(browser.exchange(rp, callback["code"]).get_json()["id_token"])
    assert second["auth_time"] == first["auth_time"]


def test_oidcc_max_age_0_always_forces_login(browser, rp, user, clock):
    browser.sign_in(rp)
    clock.advance(1)
    assert step_of(browser.authorize(rp, max_age="0")) == "login"


# --- id_token_hint -----------------------------------------------------------------------------


def test_oidcc_id_token_hint(browser, rp, user):
    id_token = browser.tokens_for(rp)["id_token"]
    response = browser.authorize(rp, prompt="none", id_token_hint=id_token, state="s-hint")
    callback = assert_code(response, "s-hint")
    claims = decode_jwt(browser.exchange(rp, callback["code"]).get_json()["id_token"])
    assert claims["sub"] == user.sub


def test_oidcc_id_token_hint_expired_still_accepted(browser, rp, user, clock):
    """An expired ID token is still a good hint (OIDC Core §3.1.2.1)."""
    id_token = browser.tokens_for(rp)["id_token"]
    clock.advance(3600 + 120)
    assert decode_jwt(id_token)["exp"] < clock.now()
    # the SSO session ended (idle timeout), so the answer is login_required, not invalid_request
    response = browser.authorize(rp, prompt="none", id_token_hint=id_token, state="s")
    assert_redirect_error(response, "login_required", "s")


def test_oidcc_id_token_hint_for_another_user_login_required(app, browser, rp, user):
    other = make_user(phone=OTHER_PHONE, name="李四")
    other_browser = Browser(app)
    other_token = other_browser.tokens_for(rp, identifier=OTHER_PHONE)["id_token"]
    assert decode_jwt(other_token)["sub"] == other.sub
    browser.sign_in(rp)
    response = browser.authorize(rp, prompt="none", id_token_hint=other_token, state="s-other")
    assert_redirect_error(response, "login_required", "s-other")
    # without prompt=none the user is asked to sign in (as the hinted user)
    assert step_of(browser.authorize(rp, id_token_hint=other_token)) == "login"


def test_oidcc_id_token_hint_modified_is_invalid_request(browser, rp, user):
    id_token = browser.tokens_for(rp)["id_token"]
    head, _, sig = id_token.split(".")
    claims = decode_jwt(id_token)
    claims["sub"] = "someone-else"
    forged = ".".join([head, _b64(claims), sig])
    response = browser.authorize(rp, prompt="none", id_token_hint=forged, state="s-forged")
    assert_redirect_error(response, "invalid_request", "s-forged")


@pytest.mark.parametrize("kind", ["foreign-key", "alg-none", "garbage", "other-issuer"])
def test_oidcc_id_token_hint_forged_is_invalid_request(browser, rp, user, kind):
    now = 1_800_000_000
    claims = {"iss": ISSUER, "sub": user.sub, "aud": rp.client_id, "iat": now, "exp": now + 600}
    if kind == "foreign-key":
        key = jwk.RSAKey.generate_key(2048, parameters={"kid": "attacker"})
        hint = jwt.encode({"alg": "RS256", "kid": "attacker"}, claims, key)
    elif kind == "alg-none":
        hint = _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(claims) + "."
    elif kind == "garbage":
        hint = "not-a-jwt"
    else:
        key = jwk.ECKey.generate_key("P-256", parameters={"kid": "attacker"})
        hint = jwt.encode({"alg": "ES256"}, {**claims, "iss": "https://evil.example.test"}, key)
    browser.sign_in(rp)
    response = browser.authorize(rp, prompt="none", id_token_hint=hint, state="s-f")
    assert_redirect_error(response, "invalid_request", "s-f")


# --- login_hint, ui_locales ------------------------------------------------------------------


def test_oidcc_login_hint(browser, rp, user):
    response = browser.authorize(rp, login_hint=PHONE)
    page = browser.follow(response)
    html = page.get_data(as_text=True)
    assert f'value="{PHONE}"' in html
    # and the pre-filled form signs in
    response = browser.submit(page, identifier=PHONE, password=PASSWORD)
    assert step_of(response) == "consent"


def test_oidcc_login_hint_is_escaped(browser, rp):
    page = browser.follow(browser.authorize(rp, login_hint='"><script>alert(1)</script>'))
    html = page.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html


@pytest.mark.parametrize("locales", ["en", "zh-CN", "fr-CA fr en", "zh-Hans-CN en"])
def test_oidcc_ui_locales(browser, rp, user, locales):
    response = browser.authorize(rp, ui_locales=locales)
    page = browser.follow(response)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    callback = browser.sign_in(rp, ui_locales=locales, state="s-ui")
    assert callback["code"] and callback["state"] == "s-ui"


def test_oidcc_consent_remembered_then_prompt_none_after_withdrawal(browser, rp, user):
    browser.sign_in(rp)
    consents.withdraw(user.id, rp.client_id)
    response = browser.authorize(rp, prompt="none", state="s-w")
    assert_redirect_error(response, "consent_required", "s-w")
