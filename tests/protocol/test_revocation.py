"""Token revocation (RFC 7009).

§2.1: the client authenticates, the token must have been issued to it, revoking a refresh
token ends the whole grant (and so its access tokens, RFC 9700 §4.14); §2.2: an unknown or
already invalid token still gets 200.
"""

from __future__ import annotations

import base64

from support import make_relying_party

OFFLINE = "openid profile offline_access"


def basic(client_id: str, secret: str) -> dict:
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def bearer(token: str) -> dict:
    return {"Authorization": "Bearer " + token}


def revoke(http, rp, token: str, **extra):
    data, headers = rp.auth({"token": token, **extra})
    return http.post("/revoke", data=data, headers=headers)


def refresh(browser, rp, refresh_token: str):
    return browser.token(rp, grant_type="refresh_token", refresh_token=refresh_token)


def userinfo_status(browser, access_token: str) -> int:
    return browser.http.get("/userinfo", headers=bearer(access_token)).status_code


def test_rfc7009_revoke_access_token(browser, rp, user):
    tokens = browser.tokens_for(rp)
    assert userinfo_status(browser, tokens["access_token"]) == 200
    response = revoke(browser.http, rp, tokens["access_token"], token_type_hint="access_token")
    assert response.status_code == 200
    assert userinfo_status(browser, tokens["access_token"]) == 401


def test_rfc7009_revoke_access_token_without_hint(browser, rp, user):
    tokens = browser.tokens_for(rp)
    assert revoke(browser.http, rp, tokens["access_token"]).status_code == 200
    assert userinfo_status(browser, tokens["access_token"]) == 401


def test_rfc7009_wrong_hint_still_found(browser, rp, user):
    """§2.1: a wrong token_type_hint only widens the search."""
    tokens = browser.tokens_for(rp)
    response = revoke(browser.http, rp, tokens["access_token"], token_type_hint="refresh_token")
    assert response.status_code == 200
    assert userinfo_status(browser, tokens["access_token"]) == 401


def test_rfc7009_revoke_refresh_token_revokes_family(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    rotated = refresh(browser, rp, tokens["refresh_token"]).get_json()
    response = revoke(browser.http, rp, rotated["refresh_token"], token_type_hint="refresh_token")
    assert response.status_code == 200
    assert refresh(browser, rp, rotated["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert userinfo_status(browser, rotated["access_token"]) == 401
    assert userinfo_status(browser, tokens["access_token"]) == 401


def test_rfc7009_revoke_refresh_token_leaves_other_grants(browser, rp, user):
    one = browser.tokens_for(rp, scope=OFFLINE)
    two = browser.tokens_for(rp, scope=OFFLINE)
    assert revoke(browser.http, rp, one["refresh_token"]).status_code == 200
    assert userinfo_status(browser, two["access_token"]) == 200
    assert refresh(browser, rp, two["refresh_token"]).status_code == 200


def test_rfc7009_unknown_token(client, rp):
    response = revoke(client, rp, "this-token-was-never-issued")
    assert response.status_code == 200


def test_rfc7009_revoke_twice(browser, rp, user):
    tokens = browser.tokens_for(rp)
    assert revoke(browser.http, rp, tokens["access_token"]).status_code == 200
    assert revoke(browser.http, rp, tokens["access_token"]).status_code == 200


def test_rfc7009_token_of_another_client_not_revoked(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    other = make_relying_party(name="另一个应用")
    for value in (tokens["access_token"], tokens["refresh_token"]):
        response = revoke(browser.http, other, value)
        # §2.1: the request is refused and the client told so; nothing is revoked.
        assert response.status_code == 400, response.get_data(as_text=True)
        assert response.get_json()["error"]
    assert userinfo_status(browser, tokens["access_token"]) == 200
    assert refresh(browser, rp, tokens["refresh_token"]).status_code == 200


def test_rfc7009_requires_client_authentication(browser, rp, user):
    tokens = browser.tokens_for(rp)
    response = browser.http.post("/revoke", data={"token": tokens["access_token"]})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    assert userinfo_status(browser, tokens["access_token"]) == 200


def test_rfc7009_wrong_secret(browser, rp, user):
    tokens = browser.tokens_for(rp)
    response = browser.http.post(
        "/revoke",
        data={"token": tokens["access_token"]},
        headers=basic(rp.client_id, "not-the-secret"),
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    assert userinfo_status(browser, tokens["access_token"]) == 200


def test_rfc7009_confidential_client_cannot_revoke_with_client_id_only(browser, rp, user):
    tokens = browser.tokens_for(rp)
    response = browser.http.post(
        "/revoke", data={"token": tokens["access_token"], "client_id": rp.client_id}
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    assert userinfo_status(browser, tokens["access_token"]) == 200


def test_rfc7009_public_client_revokes_with_client_id(browser, user):
    public = make_relying_party(name="单页应用", public=True)
    tokens = browser.tokens_for(public, scope=OFFLINE)
    response = browser.http.post(
        "/revoke", data={"token": tokens["refresh_token"], "client_id": public.client_id}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert refresh(browser, public, tokens["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert userinfo_status(browser, tokens["access_token"]) == 401


def test_rfc7009_missing_token(client, rp):
    response = revoke(client, rp, None)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_rfc7009_revocation_endpoint_rejects_get(client):
    assert client.get("/revoke").status_code == 405
