"""Token introspection (RFC 7662).

§2.1: the caller authenticates as a client; §2.2: an active token is described (scope,
client_id, sub, exp, iat, token_type), anything else is just ``{"active": false}``; §4: a client
learns nothing about tokens issued to other clients.
"""

from __future__ import annotations

import base64

from idp.extensions import db
from support import make_relying_party

OFFLINE = "openid profile offline_access"
ISSUER = "http://127.0.0.1:5000"


def basic(client_id: str, secret: str) -> dict:
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def introspect(http, rp, token: str, **extra):
    data, headers = rp.auth({"token": token, **extra})
    response = http.post("/introspect", data=data, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_rfc7662_active_access_token(browser, rp, user, clock):
    tokens = browser.tokens_for(rp, scope="openid profile")
    issued = int(clock.now())
    body = introspect(browser.http, rp, tokens["access_token"])
    assert body["active"] is True
    assert set(body["scope"].split()) == {"openid", "profile"}
    assert body["client_id"] == rp.client_id
    assert body["sub"] == user.sub
    assert body["iat"] == issued
    assert body["exp"] == issued + 3600
    assert body["token_type"] == "Bearer"
    assert body["iss"] == ISSUER


def test_rfc7662_response_not_cached(browser, rp, user):
    tokens = browser.tokens_for(rp)
    data, headers = rp.auth({"token": tokens["access_token"]})
    response = browser.http.post("/introspect", data=data, headers=headers)
    assert response.headers["Cache-Control"] == "no-store"


def test_rfc7662_expired_access_token(browser, rp, user, clock):
    tokens = browser.tokens_for(rp)
    clock.advance(3599)
    assert introspect(browser.http, rp, tokens["access_token"])["active"] is True
    clock.advance(1)
    assert introspect(browser.http, rp, tokens["access_token"]) == {"active": False}


def test_rfc7662_revoked_access_token(browser, rp, user):
    tokens = browser.tokens_for(rp)
    data, headers = rp.auth({"token": tokens["access_token"]})
    assert browser.http.post("/revoke", data=data, headers=headers).status_code == 200
    assert introspect(browser.http, rp, tokens["access_token"]) == {"active": False}


def test_rfc7662_refresh_token(browser, rp, user, clock):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    issued = int(clock.now())
    for hint in (None, "refresh_token"):
        extra = {"token_type_hint": hint} if hint else {}
        body = introspect(browser.http, rp, tokens["refresh_token"], **extra)
        assert body["active"] is True
        assert body["client_id"] == rp.client_id
        assert body["sub"] == user.sub
        assert set(body["scope"].split()) == {"openid", "profile", "offline_access"}
        assert body["exp"] == issued + 30 * 86400
        assert body["token_type"] != "Bearer"


def test_rfc7662_rotated_refresh_token_inactive(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    rotated = browser.token(rp, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert rotated.status_code == 200
    assert introspect(browser.http, rp, tokens["refresh_token"]) == {"active": False}
    assert introspect(browser.http, rp, rotated.get_json()["refresh_token"])["active"] is True


def test_rfc7662_revoked_family_inactive(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    data, headers = rp.auth({"token": tokens["refresh_token"]})
    assert browser.http.post("/revoke", data=data, headers=headers).status_code == 200
    assert introspect(browser.http, rp, tokens["refresh_token"]) == {"active": False}
    assert introspect(browser.http, rp, tokens["access_token"]) == {"active": False}


def test_rfc7662_unknown_token(client, rp):
    assert introspect(client, rp, "never-issued") == {"active": False}


def test_rfc7662_requires_client_authentication(browser, rp, user):
    tokens = browser.tokens_for(rp)
    response = browser.http.post("/introspect", data={"token": tokens["access_token"]})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    assert "active" not in response.get_json()


def test_rfc7662_wrong_secret(browser, rp, user):
    tokens = browser.tokens_for(rp)
    response = browser.http.post(
        "/introspect",
        data={"token": tokens["access_token"]},
        headers=basic(rp.client_id, "not-the-secret"),
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_rfc7662_public_client_cannot_introspect(browser, user):
    public = make_relying_party(name="单页应用", public=True)
    tokens = browser.tokens_for(public)
    response = browser.http.post(
        "/introspect", data={"token": tokens["access_token"], "client_id": public.client_id}
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_rfc7662_token_of_another_client(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    other = make_relying_party(name="另一个应用")
    assert introspect(browser.http, other, tokens["access_token"]) == {"active": False}
    assert introspect(browser.http, other, tokens["refresh_token"]) == {"active": False}
    assert introspect(browser.http, rp, tokens["access_token"])["active"] is True


def test_rfc7662_deactivated_user(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    user.status = "deactivated"
    db.session.commit()
    assert introspect(browser.http, rp, tokens["access_token"]) == {"active": False}
    assert introspect(browser.http, rp, tokens["refresh_token"]) == {"active": False}


def test_rfc7662_missing_token(client, rp):
    data, headers = rp.auth({})
    response = client.post("/introspect", data=data, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
