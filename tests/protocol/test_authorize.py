"""The authorization endpoint (RFC 6749 §3.1, §4.1.1-2; OIDC Core §3.1.2.1-6; RFC 7636;
RFC 9207; RFC 9700 §2.1.1, §4.1).

While the client or its exact redirect URI is not established, the user sees an error page and
nothing is redirected (RFC 6749 §4.1.2.1). Afterwards every error goes back to the client with
``error``, ``state`` and ``iss``.
"""

from __future__ import annotations

import pytest

from idp.domain.clients import registry as clients
from support import REDIRECT, TEST_SETTINGS, decode_jwt, make_relying_party, pkce_pair, query

ISSUER = TEST_SETTINGS["issuer"]


def assert_error_page(response):
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Location" not in response.headers
    assert "?code=" not in response.get_data(as_text=True)


def assert_redirect_error(response, error, state):
    assert response.status_code == 302
    assert response.location.startswith(REDIRECT + "?")
    got = query(response.location)
    assert got["error"] == error, got
    assert got["state"] == state
    assert got["iss"] == ISSUER
    assert "code" not in got
    return got


def assert_goes_to_login(response):
    assert response.status_code == 302
    assert "/interaction/" in response.location and response.location.endswith("/login")


# --- the client and its redirect URI are not established: error page, no redirect ----------


def test_oidcc_unknown_client_id_shows_error_page(browser, rp):
    assert_error_page(browser.authorize(rp, client_id="no-such-client"))


def test_oidcc_missing_client_id_shows_error_page(browser, rp):
    assert_error_page(browser.authorize(rp, client_id=None))


def test_oidcc_ensure_redirect_uri_in_authorization_request(browser, rp):
    assert_error_page(browser.authorize(rp, redirect_uri=None))


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://attacker.example.test/callback",
        REDIRECT + "/",
        REDIRECT + "?extra=1",  # oidcc-redirect-uri-query-added
        "https://RP.example.test/callback",
        "https://rp.example.test/Callback",
        REDIRECT + "#fragment",
        "http://rp.example.test/callback",
        "https://rp.example.test:8443/callback",
        "https://rp.example.test/callback/../callback",
        "https://rp.example.test.attacker.test/callback",
    ],
    ids=[
        "other-host",
        "trailing-slash",
        "extra-query",
        "host-case",
        "path-case",
        "fragment",
        "http-scheme",
        "other-port",
        "dot-segments",
        "suffix-host",
    ],
)
def test_oidcc_ensure_registered_redirect_uri(browser, rp, redirect_uri):
    response = browser.authorize(rp, redirect_uri=redirect_uri)
    assert_error_page(response)
    assert "redirect_uri" in response.get_data(as_text=True)


def test_oidcc_redirect_uri_error_page_even_with_other_errors(browser, rp):
    """A bad redirect URI wins over every other error: nothing may go to an unverified URI."""
    response = browser.authorize(
        rp, redirect_uri="https://attacker.example.test/cb", response_type="token", prompt="none"
    )
    assert_error_page(response)


def test_oidcc_redirect_uri_of_another_client_is_refused(browser, rp):
    other = make_relying_party(name="另一个应用", redirect_uri="https://other.example.test/cb")
    assert_error_page(browser.authorize(rp, redirect_uri=other.redirect_uri))


def test_oidcc_duplicated_client_id_or_redirect_uri_shows_error_page(browser, rp):
    dup_client = browser.http.get(
        "/authorize",
        query_string=[
            ("response_type", "code"),
            ("client_id", rp.client_id),
            ("client_id", rp.client_id),
            ("redirect_uri", rp.redirect_uri),
            ("scope", "openid"),
        ],
    )
    assert_error_page(dup_client)
    dup_redirect = browser.http.get(
        "/authorize",
        query_string=[
            ("response_type", "code"),
            ("client_id", rp.client_id),
            ("redirect_uri", rp.redirect_uri),
            ("redirect_uri", "https://attacker.example.test/cb"),
            ("scope", "openid"),
        ],
    )
    assert_error_page(dup_redirect)


def test_disabled_client_shows_error_page(browser, rp, user):
    clients.disable(rp.client_id)
    response = browser.authorize(rp)
    assert_error_page(response)


# --- errors after the client is established go back with error, state and iss ---------------


@pytest.mark.parametrize(
    "response_type,error",
    [
        ("token", "unsupported_response_type"),
        ("id_token", "unsupported_response_type"),
        ("code id_token", "unsupported_response_type"),
        ("code token", "unsupported_response_type"),
        (None, "invalid_request"),
        ("", "invalid_request"),
    ],
)
def test_oidcc_response_type_missing_or_unsupported(browser, rp, response_type, error):
    if response_type is None:  # Browser.authorize would default it to "code"
        response = browser.http.get(
            "/authorize",
            query_string={
                "client_id": rp.client_id,
                "redirect_uri": rp.redirect_uri,
                "scope": "openid",
                "state": "s-1",
            },
        )
    else:
        response = browser.authorize(rp, state="s-1", response_type=response_type)
    assert_redirect_error(response, error, "s-1")


def test_oidcc_duplicated_parameters_refused(browser, rp):
    _, challenge = pkce_pair()
    response = browser.http.get(
        "/authorize",
        query_string=[
            ("response_type", "code"),
            ("client_id", rp.client_id),
            ("redirect_uri", rp.redirect_uri),
            ("scope", "openid"),
            ("scope", "openid profile"),
            ("state", "s-dup"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    assert_redirect_error(response, "invalid_request", "s-dup")


@pytest.mark.parametrize(
    "name,error",
    [
        ("request", "request_not_supported"),
        ("request_uri", "request_uri_not_supported"),
    ],
)
def test_oidcc_unsigned_request_object_rejected_as_unsupported(browser, rp, name, error):
    value = "eyJhbGciOiJub25lIn0.e30." if name == "request" else "https://rp.example.test/req.jwt"
    response = browser.authorize(rp, state="s-req", **{name: value})
    assert_redirect_error(response, error, "s-req")


@pytest.mark.parametrize("mode", ["fragment", "form_post", "query.jwt", "web_message"])
def test_oidcc_response_mode_other_than_query_refused(browser, rp, mode):
    response = browser.authorize(rp, state="s-mode", response_mode=mode)
    assert_redirect_error(response, "invalid_request", "s-mode")


def test_oidcc_response_mode_query_accepted(browser, rp, user):
    callback = browser.sign_in(rp, response_mode="query", state="s-q")
    assert callback["code"] and callback["state"] == "s-q"


@pytest.mark.parametrize("prompt", ["none login", "login none", "none consent"])
def test_oidcc_prompt_none_combined_with_other_values_refused(browser, rp, prompt):
    response = browser.authorize(rp, state="s-p", prompt=prompt)
    assert_redirect_error(response, "invalid_request", "s-p")


@pytest.mark.parametrize("max_age", ["-1", "abc", "1.5", "", "99999999999"])
def test_oidcc_bad_max_age_refused(browser, rp, max_age):
    response = browser.authorize(rp, state="s-age", max_age=max_age)
    assert_redirect_error(response, "invalid_request", "s-age")


def test_oidcc_client_not_allowed_the_code_grant_gets_unauthorized_client(browser, user):
    rp = make_relying_party(name="机器应用", grant_types=["client_credentials"])
    response = browser.authorize(rp, state="s-cc")
    assert_redirect_error(response, "unauthorized_client", "s-cc")


def test_oidcc_error_without_state_has_no_state(browser, rp):
    response = browser.authorize(rp, state=None, response_type="token")
    assert response.status_code == 302
    got = query(response.location)
    assert got["error"] == "unsupported_response_type" and got["iss"] == ISSUER
    assert "state" not in got


# --- PKCE (RFC 7636, RFC 9700 §2.1.1) -------------------------------------------------------


def test_rfc9700_pkce_required_for_confidential_client(browser, rp):
    response = browser.authorize(rp, pkce=False, state="s-pkce")
    got = assert_redirect_error(response, "invalid_request", "s-pkce")
    assert "PKCE" in got.get("error_description", "")


def test_rfc9700_pkce_required_for_public_client(browser, user):
    public = make_relying_party(name="单页应用", public=True)
    response = browser.authorize(public, pkce=False, state="s-pub")
    assert_redirect_error(response, "invalid_request", "s-pub")


def test_rfc9700_pkce_public_client_cannot_opt_out(browser, user):
    public = make_relying_party(name="单页应用", public=True, require_pkce=False)
    response = browser.authorize(public, pkce=False, state="s-pub")
    assert_redirect_error(response, "invalid_request", "s-pub")


def test_rfc9700_pkce_downgrade_refused_plain(browser, rp):
    verifier, _ = pkce_pair()
    response = browser.authorize(
        rp, state="s-plain", code_challenge=verifier, code_challenge_method="plain"
    )
    assert_redirect_error(response, "invalid_request", "s-plain")


def test_rfc9700_pkce_downgrade_refused_absent_method(browser, rp):
    """An absent method means ``plain`` (RFC 7636 §4.3), which is not supported."""
    _, challenge = pkce_pair()
    response = browser.authorize(rp, state="s-nomethod", code_challenge=challenge)
    assert_redirect_error(response, "invalid_request", "s-nomethod")


def test_rfc7636_method_without_challenge_refused(browser, rp):
    response = browser.authorize(rp, pkce=False, state="s-m", code_challenge_method="S256")
    assert_redirect_error(response, "invalid_request", "s-m")


@pytest.mark.parametrize("challenge", ["short", "x" * 129, "a" * 42 + "!"])
def test_rfc7636_malformed_code_challenge_refused(browser, rp, challenge):
    response = browser.authorize(
        rp, state="s-bad", code_challenge=challenge, code_challenge_method="S256"
    )
    assert_redirect_error(response, "invalid_request", "s-bad")


def test_rfc9700_pkce_optional_when_client_registered_without_it(browser, user):
    legacy = make_relying_party(name="旧系统", require_pkce=False)
    callback = browser.sign_in(legacy, pkce=False, state="s-legacy")
    assert callback["state"] == "s-legacy" and callback["code"]
    assert browser.verifier is None
    response = browser.exchange(legacy, callback["code"])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["id_token"]


# --- successful requests ---------------------------------------------------------------------


def test_oidcc_state_echoed_unchanged_and_iss_present(browser, rp, user):
    state = "a b/c?d=e&f+g%25h=中文~"
    callback = browser.sign_in(rp, state=state)
    assert callback["state"] == state
    assert callback["iss"] == ISSUER
    assert callback["code"]


def test_oidcc_success_redirect_is_not_cached(browser, rp, user):
    response = browser.authorize(rp)
    response = browser.login(response)
    response = browser.consent(response)
    assert response.location.startswith(REDIRECT + "?")
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_oidcc_unknown_params_ignored(browser, rp, user):
    tokens = browser.tokens_for(rp, extra_param="foobar", another="1", claims_locales="en")
    assert decode_jwt(tokens["id_token"])["sub"] == user.sub


def test_oidcc_ensure_post_request_succeeds(browser, rp, user):
    response = browser.authorize(rp, method="POST", state="s-post")
    assert_goes_to_login(response)
    callback = browser.sign_in(rp, method="POST", state="s-post")
    assert callback["state"] == "s-post" and callback["iss"] == ISSUER
    assert browser.exchange(rp, callback["code"]).status_code == 200


def test_oidcc_post_request_errors_redirect_too(browser, rp):
    response = browser.authorize(rp, method="POST", state="s-post", response_type="token")
    assert_redirect_error(response, "unsupported_response_type", "s-post")


def test_oidcc_scope_unknown_values_ignored(browser, rp, user):
    tokens = browser.tokens_for(rp, scope="openid profile tm:admin unknown_scope")
    granted = tokens["scope"].split()
    assert "openid" in granted and "profile" in granted
    assert "tm:admin" not in granted and "unknown_scope" not in granted
    assert tokens["id_token"]


def test_oidcc_scope_beyond_client_registration_ignored(browser, user):
    narrow = make_relying_party(name="窄范围应用", scope="openid profile")
    tokens = browser.tokens_for(narrow, scope="openid profile phone")
    assert set(tokens["scope"].split()) == {"openid", "profile"}
    assert "phone_number" not in decode_jwt(tokens["id_token"])


def test_rfc6749_scope_without_openid_yields_code_but_no_id_token(browser, rp, user):
    callback = browser.sign_in(rp, scope="profile")
    assert callback["code"]
    response = browser.exchange(rp, callback["code"])
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["access_token"] and "id_token" not in body


def test_oidcc_nonce_carried_into_id_token(browser, rp, user):
    tokens = browser.tokens_for(rp, nonce="n-" + "x" * 40)
    assert decode_jwt(tokens["id_token"])["nonce"] == "n-" + "x" * 40


def test_oidcc_parallel_requests_get_separate_interactions(browser, rp, user):
    """Two tabs, two parked requests: finishing the second answers the second's state."""
    first = browser.authorize(rp, state="one")
    second = browser.authorize(rp, state="two")
    assert first.location != second.location
    callback = query(browser.consent(browser.login(second)).location)
    assert callback["state"] == "two"


def test_oidcc_ensure_request_without_nonce_succeeds_for_code_flow(browser, rp, user):
    tokens = browser.tokens_for(rp, nonce=None)
    assert "nonce" not in decode_jwt(tokens["id_token"])


def test_oidcc_ensure_other_scope_order_succeeds(browser, rp, user):
    tokens = browser.tokens_for(rp, scope="phone profile openid")
    assert set(tokens["scope"].split()) == {"openid", "profile", "phone"}
    assert decode_jwt(tokens["id_token"])["phone_number"] == "+8613800138000"


def test_oidcc_ensure_request_with_acr_values_succeeds(browser, rp, user):
    assert browser.tokens_for(rp, acr_values="1 2")["id_token"]


def test_oidcc_claims_essential(browser, rp, user):
    """The claims parameter is not supported (discovery says so) and is ignored, not fatal."""
    claims = '{"userinfo": {"name": {"essential": true}}}'
    tokens = browser.tokens_for(rp, claims=claims)
    assert decode_jwt(tokens["id_token"])["sub"] == user.sub


@pytest.mark.parametrize("display", ["page", "popup"])
def test_oidcc_display(browser, rp, user, display):
    assert browser.sign_in(rp, display=display)["code"]


def test_oidcc_ensure_request_with_valid_pkce_succeeds(browser, rp, user):
    callback = browser.sign_in(rp)
    wrong = browser.exchange(rp, callback["code"], code_verifier=pkce_pair()[0])
    assert wrong.status_code == 400 and wrong.get_json()["error"] == "invalid_grant"
    callback = browser.sign_in(rp)
    assert browser.exchange(rp, callback["code"]).status_code == 200
