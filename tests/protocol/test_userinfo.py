"""The UserInfo endpoint (OIDC Core §5.3) and bearer token usage (RFC 6750).

RFC 6750 §2.1 (header, GET or POST), §2.2 (form body, POST only), §2 (one method only), §3 and
§3.1 (WWW-Authenticate; no error code when no token was sent, invalid_token, insufficient_scope);
OIDC Core §5.4 (claims only for granted scopes); RFC 9700 §2.2 (no tokens in the URI).
"""

from __future__ import annotations

import pytest

from idp.extensions import db
from support import decode_jwt, make_relying_party, make_user


def bearer(token: str) -> dict:
    return {"Authorization": "Bearer " + token}


@pytest.fixture
def tokens(browser, rp, user):
    return browser.tokens_for(rp, scope="openid profile phone")


def test_oidcc_userinfo_get(browser, tokens, user):
    response = browser.http.get("/userinfo", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["sub"] == user.sub
    assert body["name"] == "张三"
    assert body["phone_number"] == "+8613800138000"
    assert body["phone_number_verified"] is True


def test_oidcc_userinfo_post_header(browser, tokens, user):
    response = browser.http.post("/userinfo", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert response.get_json()["sub"] == user.sub


def test_oidcc_userinfo_post_body(browser, tokens, user):
    response = browser.http.post("/userinfo", data={"access_token": tokens["access_token"]})
    assert response.status_code == 200
    assert response.get_json()["sub"] == user.sub
    assert response.headers["Cache-Control"] == "no-store"


def test_oidcc_userinfo_sub_matches_id_token(browser, tokens):
    info = browser.http.get("/userinfo", headers=bearer(tokens["access_token"])).get_json()
    assert info["sub"] == decode_jwt(tokens["id_token"])["sub"]


def test_rfc6750_scheme_is_case_insensitive(browser, tokens):
    response = browser.http.get(
        "/userinfo", headers={"Authorization": "bearer " + tokens["access_token"]}
    )
    assert response.status_code == 200


def test_rfc6750_header_and_body_refused(browser, tokens):
    response = browser.http.post(
        "/userinfo",
        headers=bearer(tokens["access_token"]),
        data={"access_token": tokens["access_token"]},
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert 'error="invalid_request"' in response.headers["WWW-Authenticate"]


def test_rfc6750_body_on_get_not_accepted(browser, tokens):
    """§2.2: the form-body method is for POST only; a GET body is ignored."""
    response = browser.http.get("/userinfo", data={"access_token": tokens["access_token"]})
    assert response.status_code == 401


def test_rfc9700_token_in_query_not_accepted(browser, tokens):
    response = browser.http.get("/userinfo", query_string={"access_token": tokens["access_token"]})
    assert response.status_code == 401
    assert "error=" not in response.headers["WWW-Authenticate"]


def test_rfc6750_no_token(client):
    response = client.get("/userinfo")
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    assert "error=" not in challenge


def test_rfc6750_other_scheme(browser, tokens):
    response = browser.http.get(
        "/userinfo", headers={"Authorization": "Basic " + tokens["access_token"]}
    )
    assert response.status_code in (400, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_rfc6750_invalid_token(client):
    response = client.get("/userinfo", headers=bearer("not-a-token-we-issued"))
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer") and 'error="invalid_token"' in challenge
    assert response.get_json()["error"] == "invalid_token"


def test_rfc6750_expired_token(browser, tokens, clock):
    clock.advance(3599)
    assert browser.http.get("/userinfo", headers=bearer(tokens["access_token"])).status_code == 200
    clock.advance(1)
    response = browser.http.get("/userinfo", headers=bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_rfc6750_refresh_token_is_not_an_access_token(browser, rp, user):
    tokens = browser.tokens_for(rp, scope="openid offline_access")
    response = browser.http.get("/userinfo", headers=bearer(tokens["refresh_token"]))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_rfc6750_id_token_is_not_an_access_token(browser, tokens):
    response = browser.http.get("/userinfo", headers=bearer(tokens["id_token"]))
    assert response.status_code == 401


def test_oidcc_userinfo_deactivated_user(browser, tokens, user):
    user.status = "deactivated"
    db.session.commit()
    response = browser.http.get("/userinfo", headers=bearer(tokens["access_token"]))
    assert response.status_code == 401


def test_rfc6750_insufficient_scope_without_openid(browser, user):
    rp = make_relying_party(name="纯 OAuth 应用")
    callback = browser.sign_in(rp, scope="profile", nonce=None)
    token = browser.exchange(rp, callback["code"]).get_json()["access_token"]
    response = browser.http.get("/userinfo", headers=bearer(token))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert response.get_json()["error"] == "insufficient_scope"


def test_oidcc_userinfo_openid_only_gives_sub(browser, rp, user):
    tokens = browser.tokens_for(rp, scope="openid")
    info = browser.http.get("/userinfo", headers=bearer(tokens["access_token"])).get_json()
    assert info == {"sub": user.sub}


def test_oidcc_scope_email(browser, rp, app):
    person = make_user(phone="13900139000", name="李四", email="lisi@example.cn")
    tokens = browser.tokens_for(rp, identifier="13900139000", scope="openid email")
    info = browser.http.get("/userinfo", headers=bearer(tokens["access_token"])).get_json()
    assert info == {"sub": person.sub, "email": "lisi@example.cn", "email_verified": True}


def test_oidcc_no_email_without_email_scope(browser, rp, app):
    make_user(phone="13900139000", name="李四", email="lisi@example.cn")
    tokens = browser.tokens_for(rp, identifier="13900139000", scope="openid profile phone")
    info = browser.http.get("/userinfo", headers=bearer(tokens["access_token"])).get_json()
    assert "email" not in info and "email_verified" not in info
    assert info["phone_number"] == "+8613900139000"


def test_oidcc_phone_only_with_phone_scope(browser, rp, user):
    tokens = browser.tokens_for(rp, scope="openid profile email")
    info = browser.http.get("/userinfo", headers=bearer(tokens["access_token"])).get_json()
    assert "phone_number" not in info and "phone_number_verified" not in info
    assert info["name"] == "张三"


def test_oidcc_scopes_limited_to_client_registration(browser, user):
    """A scope the client is not registered for is not granted, so its claims stay out."""
    rp = make_relying_party(name="受限应用", scope="openid profile")
    tokens = browser.tokens_for(rp, scope="openid profile phone")
    info = browser.http.get("/userinfo", headers=bearer(tokens["access_token"])).get_json()
    assert "phone_number" not in info
    assert info["name"] == "张三"
