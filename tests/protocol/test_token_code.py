"""The token endpoint with the authorization code grant.

RFC 6749 §4.1.3 (code redemption) and §5 (token response), RFC 7636 (PKCE, S256), RFC 9700
§2.1.1 and §4.5 (code injection, PKCE downgrade), OIDC Core §3.1.3.3, §3.1.3.6 and §3.1.3.7
(ID token claims, ``at_hash``, signature against the published JWKS).
"""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from idp.domain.clients import registry as clients
from support import REDIRECT, RelyingParty, decode_jwt, make_relying_party, pkce_pair

ISSUER = "http://127.0.0.1:5000"


def bearer(token: str) -> dict:
    return {"Authorization": "Bearer " + token}


def at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def verify(http, id_token: str, alg: str):
    """Verify the ID token's signature with the published JWKS; return the decoded token."""
    jwks = http.get("/jwks").get_json()
    token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=[alg])
    assert token.header["kid"] in {k["kid"] for k in jwks["keys"]}
    return token


def assert_error(response, error: str, status: int = 400):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"] == error


# --- successful redemption ------------------------------------------------------------------


def test_oidcc_server_token_response_is_not_cached(browser, rp, user):
    callback = browser.sign_in(rp)
    response = browser.exchange(rp, callback["code"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token_type"].lower() == "bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"] and body["id_token"]


def test_oidcc_id_token_claims(browser, rp, user, clock):
    login_time = int(clock.now())
    callback = browser.sign_in(rp, scope="openid profile", nonce="nonce-42")
    clock.advance(10)
    tokens = browser.exchange(rp, callback["code"]).get_json()
    claims = decode_jwt(tokens["id_token"])
    now = login_time + 10
    assert claims["iss"] == ISSUER
    assert claims["aud"] == rp.client_id
    assert claims["azp"] == rp.client_id
    assert claims["sub"] == user.sub
    assert claims["iat"] == now
    assert claims["exp"] == now + 3600
    assert claims["auth_time"] == login_time
    assert claims["nonce"] == "nonce-42"
    assert isinstance(claims["sid"], str) and claims["sid"]
    assert claims["amr"] == ["pwd"]
    assert claims["at_hash"] == at_hash(tokens["access_token"])
    assert claims["name"] == "张三"


def test_oidcc_id_token_sid_is_the_sso_session(browser, rp, user):
    """Two authorizations in one SSO session carry the same sid (OIDC Front/Back-Channel §2.1)."""
    first = decode_jwt(browser.tokens_for(rp)["id_token"])
    second = decode_jwt(browser.tokens_for(rp)["id_token"])
    assert first["sid"] == second["sid"]
    assert first["auth_time"] == second["auth_time"]


def test_oidcc_id_token_signature_verifies_with_jwks(browser, rp, user):
    tokens = browser.tokens_for(rp)
    token = verify(browser.http, tokens["id_token"], "RS256")
    assert token.header["alg"] == "RS256"
    assert token.claims["sub"] == user.sub


def test_oidcc_id_token_tampered_signature_fails(browser, rp, user):
    tokens = browser.tokens_for(rp)
    header, payload, signature = tokens["id_token"].split(".")
    forged = decode_jwt(tokens["id_token"]) | {"sub": "someone-else"}
    payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(JoseError):
        verify(browser.http, ".".join([header, payload, signature]), "RS256")


def test_oidcc_idtoken_es256(browser, user):
    rp = make_relying_party(name="椭圆曲线应用", id_token_alg="ES256")
    tokens = browser.tokens_for(rp)
    token = verify(browser.http, tokens["id_token"], "ES256")
    assert token.header["alg"] == "ES256"
    assert token.claims["aud"] == rp.client_id
    assert token.claims["at_hash"] == at_hash(tokens["access_token"])
    with pytest.raises(JoseError):
        verify(browser.http, tokens["id_token"], "RS256")


def test_oidcc_scope_without_openid_gets_no_id_token(browser, user):
    """A plain OAuth request (no ``openid``) gets an access token and no ID token."""
    rp = make_relying_party(name="纯 OAuth 应用")
    callback = browser.sign_in(rp, scope="profile", nonce=None)
    response = browser.exchange(rp, callback["code"])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "id_token" not in response.get_json()


# --- code reuse and lifetime ----------------------------------------------------------------


def test_oidcc_codereuse(browser, rp, user, clock):
    """After the retry grace (issue 11; tests/protocol/test_retry_grace.py) a second
    presentation is reuse."""
    callback = browser.sign_in(rp)
    assert browser.exchange(rp, callback["code"]).status_code == 200
    clock.advance(30)
    assert_error(browser.exchange(rp, callback["code"]), "invalid_grant")


def test_oidcc_codereuse_30seconds(browser, rp, user, clock):
    """RFC 6749 §4.1.2: on code reuse the tokens issued from it are revoked."""
    callback = browser.sign_in(rp, scope="openid offline_access")
    tokens = browser.exchange(rp, callback["code"]).get_json()
    assert browser.http.get("/userinfo", headers=bearer(tokens["access_token"])).status_code == 200
    clock.advance(30)
    assert_error(browser.exchange(rp, callback["code"]), "invalid_grant")
    info = browser.http.get("/userinfo", headers=bearer(tokens["access_token"]))
    assert info.status_code == 401
    refreshed = browser.token(rp, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert_error(refreshed, "invalid_grant")


def test_oidcc_codereuse_does_not_touch_other_grants(browser, rp, user, clock):
    """Reuse revokes the family of that code only, not the user's other authorizations."""
    first = browser.sign_in(rp)
    verifier = browser.verifier
    first_tokens = browser.exchange(rp, first["code"]).get_json()
    other_tokens = browser.tokens_for(rp)
    clock.advance(30)  # past the retry grace
    assert_error(browser.exchange(rp, first["code"], code_verifier=verifier), "invalid_grant")
    info = browser.http.get("/userinfo", headers=bearer(first_tokens["access_token"]))
    assert info.status_code == 401
    info = browser.http.get("/userinfo", headers=bearer(other_tokens["access_token"]))
    assert info.status_code == 200


@pytest.mark.parametrize("elapsed, ok", [(59, True), (61, False)])
def test_rfc6749_code_lifetime_60_seconds(browser, rp, user, clock, elapsed, ok):
    callback = browser.sign_in(rp)
    clock.advance(elapsed)
    response = browser.exchange(rp, callback["code"])
    if ok:
        assert response.status_code == 200
    else:
        assert_error(response, "invalid_grant")


def test_rfc6749_unknown_code(browser, rp, user):
    browser.sign_in(rp)
    assert_error(browser.exchange(rp, "not-a-code-we-issued"), "invalid_grant")


def test_rfc6749_missing_code(browser, rp, user):
    browser.sign_in(rp)
    response = browser.token(
        rp,
        grant_type="authorization_code",
        redirect_uri=rp.redirect_uri,
        code_verifier=browser.verifier,
    )
    assert_error(response, "invalid_request")


# --- binding to the client and the redirect URI ---------------------------------------------


def test_rfc9700_code_injection_other_client(browser, rp, user):
    """A code issued to one client is refused when another registered client redeems it."""
    attacker = make_relying_party(name="另一个应用")
    callback = browser.sign_in(rp)
    assert_error(browser.exchange(attacker, callback["code"]), "invalid_grant")


def test_rfc9700_code_injection_other_client_gets_no_tokens_even_with_verifier(browser, rp, user):
    attacker = make_relying_party(name="另一个应用")
    callback = browser.sign_in(rp)
    response = browser.exchange(attacker, callback["code"], code_verifier=browser.verifier)
    assert_error(response, "invalid_grant")
    assert "access_token" not in response.get_json()


@pytest.fixture
def two_uri_rp(app) -> RelyingParty:
    client, secret = clients.create_client(
        name="双回调应用", redirect_uris=[REDIRECT, "https://rp.example.test/other"]
    )
    return RelyingParty(client.client_id, secret, REDIRECT, client.token_endpoint_auth_method)


def test_oidcc_redirect_uri_must_match_registered_other(browser, two_uri_rp, user):
    """RFC 6749 §4.1.3: redirect_uri must be identical to the one in the authorization request."""
    callback = browser.sign_in(two_uri_rp)
    response = browser.exchange(
        two_uri_rp, callback["code"], redirect_uri="https://rp.example.test/other"
    )
    assert_error(response, "invalid_grant")


def test_oidcc_redirect_uri_unregistered(browser, rp, user):
    callback = browser.sign_in(rp)
    response = browser.exchange(rp, callback["code"], redirect_uri="https://evil.example.test/cb")
    assert_error(response, "invalid_grant")


def test_oidcc_redirect_uri_missing(browser, rp, user):
    callback = browser.sign_in(rp)
    response = browser.exchange(rp, callback["code"], redirect_uri=None)
    assert_error(response, "invalid_grant")


# --- PKCE (RFC 7636, RFC 9700 §2.1.1) -------------------------------------------------------


def test_rfc7636_wrong_verifier(browser, rp, user):
    callback = browser.sign_in(rp)
    wrong, _ = pkce_pair()
    assert_error(browser.exchange(rp, callback["code"], code_verifier=wrong), "invalid_grant")


def test_rfc7636_missing_verifier_is_invalid_grant_and_spends_the_code(browser, rp, user):
    """RFC 7636 §4.6: a code issued with a challenge and redeemed without a verifier is
    invalid_grant; the attempt spends the code (RFC 6749 §10.5), so the right verifier later
    gets no tokens either."""
    callback = browser.sign_in(rp)
    right, browser.verifier = browser.verifier, None
    assert_error(browser.exchange(rp, callback["code"]), "invalid_grant")
    response = browser.exchange(rp, callback["code"], code_verifier=right)
    assert_error(response, "invalid_grant")
    assert "access_token" not in response.get_json()


def test_rfc7636_code_is_spent_after_failed_verifier(browser, rp, user):
    """A wrong verifier does not leave the code open to more guesses."""
    callback = browser.sign_in(rp)
    right = browser.verifier
    wrong, _ = pkce_pair()
    assert_error(browser.exchange(rp, callback["code"], code_verifier=wrong), "invalid_grant")
    assert_error(browser.exchange(rp, callback["code"], code_verifier=right), "invalid_grant")


def test_rfc9700_pkce_downgrade_refused(browser, user):
    """RFC 9700 §4.8.2: a code_verifier without a code_challenge in the request is refused."""
    rp = make_relying_party(name="无 PKCE 应用", require_pkce=False)
    callback = browser.sign_in(rp, pkce=False)
    assert browser.verifier is None
    verifier, _ = pkce_pair()
    response = browser.exchange(rp, callback["code"], code_verifier=verifier)
    assert_error(response, "invalid_request")
    assert "access_token" not in response.get_json()


def test_rfc9700_pkce_optional_client_without_verifier(browser, user):
    rp = make_relying_party(name="无 PKCE 应用", require_pkce=False)
    callback = browser.sign_in(rp, pkce=False)
    assert browser.exchange(rp, callback["code"]).status_code == 200


# --- grant types and methods ----------------------------------------------------------------


def test_rfc6749_unsupported_grant_type(browser, rp, user):
    assert_error(
        browser.token(rp, grant_type="password", username="13800138000", password="x"),
        "unsupported_grant_type",
    )


def test_rfc6749_missing_grant_type(browser, rp, user):
    response = browser.token(rp, code="abc")
    assert response.status_code == 400
    assert response.get_json()["error"] in ("invalid_request", "unsupported_grant_type")


def test_rfc6749_token_endpoint_rejects_get(client):
    assert client.get("/token").status_code == 405


def test_rfc6749_authorization_code_grant_not_registered(browser, rp, user):
    """A client without the authorization_code grant cannot redeem codes."""
    callback = browser.sign_in(rp)
    machine, secret = clients.create_client(
        name="机器客户端", redirect_uris=[], grant_types=["client_credentials"]
    )
    other = RelyingParty(machine.client_id, secret, REDIRECT)
    assert_error(browser.exchange(other, callback["code"]), "unauthorized_client")


def test_oidcc_deactivated_user_cannot_redeem_code(app, browser, rp, user):
    from idp.extensions import db

    callback = browser.sign_in(rp)
    user.status = "deactivated"
    db.session.commit()
    response = browser.exchange(rp, callback["code"])
    assert_error(response, "invalid_grant")
    assert "access_token" not in response.get_json()
