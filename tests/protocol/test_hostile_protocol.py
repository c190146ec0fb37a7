"""Hostile protocol requests get OAuth errors, never a 500 (docs/protocol.md, "Hostile input").

RFC 6749 §3.1 and §3.2 (parameters at most once), §3.1.1 (response_type syntax), §5.2 (token
errors); RFC 7636 §4.1-4.2 (a fresh challenge of 43-128 characters per request); length limits
of our own, so nothing giant is parked or echoed back to a client.
"""

from __future__ import annotations

import threading

import pytest
from werkzeug.datastructures import MultiDict

from idp.protocol import codes
from support import REDIRECT, Browser, make_relying_party, pkce_pair, query

THREADS = 6


def assert_redirect_error(response, error, state="s-1"):
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.startswith(REDIRECT + "?")
    got = query(response.location)
    assert got["error"] == error, got
    assert got.get("state") == state
    assert "code" not in got
    return got


def assert_json_error(response, error, status=400):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"] == error


# --- response_type and grant_type are never echoed into an error description ---------------


@pytest.mark.parametrize(
    "response_type",
    ['code"', "code\x01", "code\n", "code\\", 'x"y', "code\x7f", "code  id_token", " code"],
)
def test_malformed_response_type_is_invalid_request(browser, rp, response_type):
    response = browser.authorize(rp, state="s-1", response_type=response_type)
    assert_redirect_error(response, "invalid_request")


@pytest.mark.parametrize("grant_type", ['password"', "x\x01y", "client_credentials\\"])
def test_unknown_grant_type_is_not_echoed(browser, rp, grant_type):
    response = browser.token(rp, grant_type=grant_type)
    assert_json_error(response, "unsupported_grant_type")
    assert grant_type not in response.get_data(as_text=True)


# --- repeated parameters (RFC 6749 §3.2) ----------------------------------------------------


def test_rfc6749_token_request_with_repeated_parameter_is_refused(browser, rp, user):
    callback = browser.sign_in(rp)
    form, headers = rp.auth(
        {
            "grant_type": "authorization_code",
            "code": callback["code"],
            "redirect_uri": rp.redirect_uri,
            "code_verifier": browser.verifier,
        }
    )
    body = MultiDict(list(form.items()) + [("code", callback["code"])])
    response = browser.http.post("/token", data=body, headers=headers)
    assert_json_error(response, "invalid_request")
    assert "code" in response.get_json()["error_description"]


def test_rfc6749_parameter_in_query_and_body_counts_as_repeated(browser, rp, user):
    form, headers = rp.auth({"grant_type": "client_credentials"})
    response = browser.http.post("/token?grant_type=client_credentials", data=form, headers=headers)
    assert_json_error(response, "invalid_request")


@pytest.mark.parametrize("path", ["/revoke", "/introspect"])
def test_rfc6749_revocation_and_introspection_refuse_repeated_token(browser, rp, user, path):
    tokens = browser.tokens_for(rp)
    form, headers = rp.auth({"token": tokens["access_token"]})
    body = MultiDict(list(form.items()) + [("token", "other")])
    assert_json_error(browser.http.post(path, data=body, headers=headers), "invalid_request")
    # the token was not touched: it still works at UserInfo
    userinfo = browser.http.get(
        "/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}
    )
    assert userinfo.status_code == 200


# --- a code_challenge is used once per client within the code lifetime (RFC 7636 §4.1) ------


def test_reused_code_challenge_is_refused(browser, rp, user):
    _, challenge = pkce_pair()
    browser.sign_in(rp, code_challenge=challenge, code_challenge_method="S256")
    response = browser.authorize(
        rp, state="s-1", code_challenge=challenge, code_challenge_method="S256"
    )
    got = assert_redirect_error(response, "invalid_request")
    assert "code_challenge" in got["error_description"]
    # another client may send the same value: the set is per client
    other = make_relying_party(name="另一个应用", redirect_uri="https://other.example.test/cb")
    assert "code" in browser.sign_in(other, code_challenge=challenge, code_challenge_method="S256")


def test_reused_code_challenge_is_free_again_after_the_code_lifetime(
    app, browser, rp, user, clock, store
):
    if not hasattr(store, "_now"):
        pytest.skip("Redis expires keys by its own clock, which the settable clock cannot move")
    _, challenge = pkce_pair()
    browser.sign_in(rp, code_challenge=challenge, code_challenge_method="S256")
    response = browser.authorize(
        rp, state="s-1", code_challenge=challenge, code_challenge_method="S256"
    )
    assert_redirect_error(response, "invalid_request")
    clock.advance(int(app.extensions["idp"].settings.protocol.code_ttl) + 6)
    assert "code" in browser.sign_in(rp, code_challenge=challenge, code_challenge_method="S256")


def test_code_challenge_parked_twice_yields_one_code(app, rp, user):
    """Two requests with one challenge both pass validation while no code exists; only the
    first to be issued a code gets it (the claim in the store is atomic)."""
    first, second = Browser(app), Browser(app)
    _, challenge = pkce_pair()
    pages = [
        b.authorize(rp, state="s-1", code_challenge=challenge, code_challenge_method="S256")
        for b in (first, second)
    ]
    assert all(p.location.endswith("/login") for p in pages)
    done = first.login(pages[0])
    if "/consent" in done.location:
        done = first.consent(done)
    assert "code" in query(done.location)
    done = second.login(pages[1])
    if "/consent" in (done.location or ""):
        done = second.consent(done)
    assert_redirect_error(done, "invalid_request")


def test_code_challenge_claim_is_atomic_across_instances(app):
    """Concurrent claims of one challenge (as from two IdP instances on one store): one wins."""
    _, challenge = pkce_pair()
    barrier = threading.Barrier(THREADS)
    results = []

    def claim():
        with app.app_context():
            barrier.wait(timeout=30)
            results.append(codes.claim_challenge("client-x", challenge))

    threads = [threading.Thread(target=claim) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == [False] * (THREADS - 1) + [True]


# --- over-long parameters are refused and never echoed ---------------------------------------


@pytest.mark.parametrize(
    "name,length",
    [
        ("nonce", 513),
        ("scope", 1025),
        ("login_hint", 257),
        ("ui_locales", 65),
        ("code_challenge", 129),
        ("id_token_hint", 4097),
        ("prompt", 65),
        ("acr_values", 257),
        ("unknown_extension", 1025),
    ],
)
def test_over_long_parameter_is_refused(browser, rp, name, length):
    response = browser.authorize(rp, state="s-1", **{name: "a" * length})
    got = assert_redirect_error(response, "invalid_request")
    assert "a" * 100 not in response.location
    assert name in got["error_description"]


def test_over_long_state_is_not_reflected(browser, rp, user):
    giant = "s" * 1025
    response = browser.authorize(rp, state=giant)
    got = assert_redirect_error(response, "invalid_request", state=None)
    assert giant[:200] not in response.location
    assert "state" in got["error_description"]
    # at the limit it is accepted and echoed unchanged
    state = "s" * 1024
    assert browser.sign_in(rp, state=state)["state"] == state


def test_too_many_parameters_are_refused(browser, rp):
    extra = {f"x{i}": "1" for i in range(40)}
    assert_redirect_error(browser.authorize(rp, state="s-1", **extra), "invalid_request")


def test_over_long_parameter_name_is_refused(browser, rp):
    response = browser.authorize(rp, state="s-1", **{"n" * 65: "1"})
    assert_redirect_error(response, "invalid_request")
