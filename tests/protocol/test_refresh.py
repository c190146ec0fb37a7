"""Refresh tokens: issuance, rotation, reuse detection and lifetime.

RFC 6749 §6 (refreshing, scope never wider than granted), OIDC Core §11 (offline_access) and
§12.2 (the refreshed ID token), RFC 9700 §4.14.2 (rotation; reuse of a rotated token revokes
the whole grant, after the retry grace of issue 11: tests/protocol/test_retry_grace.py).
"""

from __future__ import annotations

from joserfc import jwt
from joserfc.jwk import KeySet

from idp.extensions import db
from support import decode_jwt, make_relying_party

OFFLINE = "openid profile offline_access"
DAY = 86400


def bearer(token: str) -> dict:
    return {"Authorization": "Bearer " + token}


def refresh(browser, rp, refresh_token: str, **extra):
    return browser.token(rp, grant_type="refresh_token", refresh_token=refresh_token, **extra)


def assert_error(response, error: str, status: int = 400):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"] == error
    assert "access_token" not in response.get_json()


def userinfo_status(browser, access_token: str) -> int:
    return browser.http.get("/userinfo", headers=bearer(access_token)).status_code


# --- issuance --------------------------------------------------------------------------------


def test_oidcc_offline_access_issues_refresh_token(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    assert tokens["refresh_token"]
    assert set(tokens["scope"].split()) == {"openid", "profile", "offline_access"}


def test_oidcc_no_refresh_token_without_offline_access(browser, rp, user):
    """OIDC Core §11: an OpenID request gets a refresh token only with offline_access."""
    tokens = browser.tokens_for(rp, scope="openid profile")
    assert "refresh_token" not in tokens


def test_oidcc_no_refresh_token_for_client_without_refresh_grant(browser, user):
    rp = make_relying_party(name="无刷新应用", grant_types=["authorization_code"])
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    assert "refresh_token" not in tokens


def test_rfc6749_refresh_grant_not_registered(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    other = make_relying_party(name="无刷新应用", grant_types=["authorization_code"])
    assert_error(refresh(browser, other, tokens["refresh_token"]), "unauthorized_client")


# --- the refreshed tokens --------------------------------------------------------------------


def test_oidcc_refresh_token(browser, rp, user, clock):
    login_time = int(clock.now())
    tokens = browser.tokens_for(rp, scope=OFFLINE, nonce="n-refresh")
    original = decode_jwt(tokens["id_token"])
    clock.advance(600)
    response = refresh(browser, rp, tokens["refresh_token"])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    new = response.get_json()
    assert new["access_token"] != tokens["access_token"]
    claims = decode_jwt(new["id_token"])
    assert claims["iss"] == original["iss"]
    assert claims["sub"] == original["sub"] == user.sub
    assert claims["aud"] == original["aud"] == rp.client_id
    assert claims["auth_time"] == original["auth_time"] == login_time
    assert claims["iat"] == login_time + 600
    assert "nonce" not in claims
    assert claims["sid"] == original["sid"]
    assert claims["amr"] == ["pwd"]
    jwks = browser.http.get("/jwks").get_json()
    jwt.decode(new["id_token"], KeySet.import_key_set(jwks), algorithms=["RS256"])
    assert userinfo_status(browser, new["access_token"]) == 200


def test_rfc6749_refresh_keeps_scope_by_default(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    new = refresh(browser, rp, tokens["refresh_token"]).get_json()
    assert set(new["scope"].split()) == set(tokens["scope"].split())


# --- rotation and reuse (RFC 9700 §4.14.2) ---------------------------------------------------


def test_rfc9700_refresh_token_rotation(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    first = refresh(browser, rp, tokens["refresh_token"]).get_json()
    assert first["refresh_token"] and first["refresh_token"] != tokens["refresh_token"]
    second = refresh(browser, rp, first["refresh_token"]).get_json()
    assert second["refresh_token"] not in (first["refresh_token"], tokens["refresh_token"])


def test_rfc9700_rotated_refresh_token_refused_after_the_retry_grace(browser, rp, user, clock):
    """Presented again once the grace (30 s, issue 11) is over, a rotated token is reuse."""
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    assert refresh(browser, rp, tokens["refresh_token"]).status_code == 200
    clock.advance(30)
    assert_error(refresh(browser, rp, tokens["refresh_token"]), "invalid_grant")


def test_rfc9700_refresh_token_reuse_revokes_family(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    first = refresh(browser, rp, tokens["refresh_token"]).get_json()
    second = refresh(browser, rp, first["refresh_token"]).get_json()
    assert userinfo_status(browser, second["access_token"]) == 200
    # An attacker (or a confused client) presents the first, already rotated, refresh token.
    assert_error(refresh(browser, rp, tokens["refresh_token"]), "invalid_grant")
    assert_error(refresh(browser, rp, second["refresh_token"]), "invalid_grant")
    for access_token in (tokens["access_token"], first["access_token"], second["access_token"]):
        assert userinfo_status(browser, access_token) == 401


def test_rfc9700_reuse_leaves_other_grants_alone(browser, rp, user, clock):
    one = browser.tokens_for(rp, scope=OFFLINE)
    two = browser.tokens_for(rp, scope=OFFLINE)
    refresh(browser, rp, one["refresh_token"])
    clock.advance(30)  # past the retry grace: reuse
    assert_error(refresh(browser, rp, one["refresh_token"]), "invalid_grant")
    assert refresh(browser, rp, two["refresh_token"]).status_code == 200


def test_rfc6749_unknown_refresh_token(browser, rp, user):
    browser.tokens_for(rp, scope=OFFLINE)
    assert_error(refresh(browser, rp, "no-such-refresh-token"), "invalid_grant")


def test_rfc6749_access_token_is_not_a_refresh_token(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    assert_error(refresh(browser, rp, tokens["access_token"]), "invalid_grant")
    assert refresh(browser, rp, tokens["refresh_token"]).status_code == 200


def test_rfc6749_missing_refresh_token(browser, rp, user):
    response = browser.token(rp, grant_type="refresh_token")
    assert_error(response, "invalid_request")


# --- lifetime --------------------------------------------------------------------------------


def test_rfc9700_refresh_family_absolute_lifetime(browser, rp, user, clock):
    """The 30-day lifetime counts from the authorization and survives rotation."""
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    clock.advance(20 * DAY)
    rotated = refresh(browser, rp, tokens["refresh_token"])
    assert rotated.status_code == 200
    clock.advance(10 * DAY - 1)
    again = refresh(browser, rp, rotated.get_json()["refresh_token"])
    assert again.status_code == 200
    clock.advance(1)
    assert_error(refresh(browser, rp, again.get_json()["refresh_token"]), "invalid_grant")


def test_rfc9700_refresh_token_expires(browser, rp, user, clock):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    clock.advance(30 * DAY)
    assert_error(refresh(browser, rp, tokens["refresh_token"]), "invalid_grant")


def test_rfc6749_refresh_after_access_token_expiry(browser, rp, user, clock):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    clock.advance(3601)
    assert userinfo_status(browser, tokens["access_token"]) == 401
    new = refresh(browser, rp, tokens["refresh_token"])
    assert new.status_code == 200
    assert userinfo_status(browser, new.get_json()["access_token"]) == 200


# --- binding to the client -------------------------------------------------------------------


def test_rfc6749_refresh_token_of_another_client(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    other = make_relying_party(name="另一个应用")
    assert_error(refresh(browser, other, tokens["refresh_token"]), "invalid_grant")
    # The failed attempt neither burns the token nor revokes its owner's grant.
    assert userinfo_status(browser, tokens["access_token"]) == 200
    assert refresh(browser, rp, tokens["refresh_token"]).status_code == 200


def test_rfc6749_refresh_requires_client_authentication(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    response = browser.http.post(
        "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": rp.client_id,
        },
    )
    assert_error(response, "invalid_client", 401)
    assert refresh(browser, rp, tokens["refresh_token"]).status_code == 200


def test_rfc6749_public_client_refresh(browser, user):
    public = make_relying_party(name="单页应用", public=True)
    tokens = browser.tokens_for(public, scope=OFFLINE)
    response = refresh(browser, public, tokens["refresh_token"])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["refresh_token"] != tokens["refresh_token"]


# --- scope -----------------------------------------------------------------------------------


def test_rfc6749_refresh_scope_narrowing(browser, rp, user):
    tokens = browser.tokens_for(rp, scope="openid profile phone offline_access")
    response = refresh(browser, rp, tokens["refresh_token"], scope="openid offline_access")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body["scope"].split()) == {"openid", "offline_access"}
    info = browser.http.get("/userinfo", headers=bearer(body["access_token"])).get_json()
    assert "phone_number" not in info and "name" not in info
    assert "phone_number" not in decode_jwt(body["id_token"])


def test_rfc6749_refresh_scope_narrowing_keeps_grant(browser, rp, user):
    """RFC 6749 §6: the new refresh token has the scope of the one presented, so a narrowed
    access token does not cost the client the rest of its grant."""
    tokens = browser.tokens_for(rp, scope="openid profile phone offline_access")
    narrowed = refresh(browser, rp, tokens["refresh_token"], scope="openid")
    assert narrowed.status_code == 200, narrowed.get_data(as_text=True)
    body = narrowed.get_json()
    assert body["scope"] == "openid"
    assert body["refresh_token"]
    full = refresh(browser, rp, body["refresh_token"])
    assert full.status_code == 200, full.get_data(as_text=True)
    assert set(full.get_json()["scope"].split()) == {"openid", "profile", "phone", "offline_access"}
    info = browser.http.get("/userinfo", headers=bearer(full.get_json()["access_token"]))
    assert info.get_json()["phone_number"] == "+8613800138000"


def test_rfc6749_refresh_scope_widening_refused(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    response = refresh(browser, rp, tokens["refresh_token"], scope="openid profile email")
    assert_error(response, "invalid_scope")
    # A refused request does not spend the token (and so is no reuse later).
    again = refresh(browser, rp, tokens["refresh_token"])
    assert again.status_code == 200, again.get_data(as_text=True)
    assert "email" not in again.get_json()["scope"].split()


# --- the user --------------------------------------------------------------------------------


def test_oidcc_deactivated_user_cannot_refresh(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    user.status = "deactivated"
    db.session.commit()
    assert_error(refresh(browser, rp, tokens["refresh_token"]), "invalid_grant")
    assert userinfo_status(browser, tokens["access_token"]) == 401
