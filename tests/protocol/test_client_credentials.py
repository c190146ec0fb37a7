"""The client credentials grant (RFC 6749 §4.4): a token for the client itself, no user.

No ID token and no refresh token (RFC 6749 §4.4.3), only for clients registered for the grant,
never for public clients, and introspection (RFC 7662 §2.2) shows no ``sub``.
"""

from __future__ import annotations

import base64

import pytest

from idp.domain.clients import registry as clients
from idp.domain.errors import ValidationError
from support import RelyingParty, make_relying_party

SCOPE = "openid profile email phone address offline_access"


def basic(client_id: str, secret: str) -> dict:
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def assert_error(response, error: str, status: int = 400):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"] == error
    assert "access_token" not in response.get_json()


@pytest.fixture
def machine(app) -> RelyingParty:
    client, secret = clients.create_client(
        name="后台服务", redirect_uris=[], grant_types=["client_credentials"], scope="profile"
    )
    return RelyingParty(client.client_id, secret, "")


def client_credentials(http, rp: RelyingParty, **data):
    return http.post(
        "/token",
        data={"grant_type": "client_credentials", **data},
        headers=basic(rp.client_id, rp.secret),
    )


def test_rfc6749_client_credentials_token(client, machine):
    response = client_credentials(client, machine)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["access_token"] and body["token_type"].lower() == "bearer"
    assert body["expires_in"] == 3600
    assert "id_token" not in body
    assert "refresh_token" not in body


def test_rfc6749_client_credentials_scope(client, machine):
    body = client_credentials(client, machine, scope="profile").get_json()
    assert body["scope"] == "profile"


def test_rfc6749_client_credentials_unregistered_scope_dropped(client, machine):
    """Scopes the client is not registered for are not granted."""
    response = client_credentials(client, machine, scope="profile email")
    assert response.status_code == 200
    assert response.get_json()["scope"] == "profile"


def test_oidcc_client_credentials_openid_gives_no_id_token(client, app):
    """Even with openid registered and requested there is no user, so no ID token."""
    c, secret = clients.create_client(
        name="后台服务", redirect_uris=[], grant_types=["client_credentials"], scope=SCOPE
    )
    rp = RelyingParty(c.client_id, secret, "")
    response = client_credentials(client, rp, scope="openid offline_access")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert "id_token" not in body and "refresh_token" not in body
    info = client.get("/userinfo", headers={"Authorization": "Bearer " + body["access_token"]})
    assert info.status_code == 401


def test_rfc6749_client_credentials_not_allowed(client, rp):
    """A client registered without the grant gets unauthorized_client (RFC 6749 §5.2)."""
    response = client.post(
        "/token", data={"grant_type": "client_credentials"}, headers=basic(rp.client_id, rp.secret)
    )
    assert_error(response, "unauthorized_client")


def test_rfc6749_client_credentials_wrong_secret(client, machine):
    response = client.post(
        "/token",
        data={"grant_type": "client_credentials"},
        headers=basic(machine.client_id, "not-the-secret"),
    )
    assert_error(response, "invalid_client", 401)


def test_rfc6749_client_credentials_requires_authentication(client, machine):
    response = client.post(
        "/token", data={"grant_type": "client_credentials", "client_id": machine.client_id}
    )
    assert_error(response, "invalid_client", 401)


def test_rfc6749_public_client_cannot_register_client_credentials(app):
    with pytest.raises(ValidationError):
        clients.create_client(
            name="单页应用",
            redirect_uris=["https://spa.example.test/cb"],
            public=True,
            grant_types=["authorization_code", "client_credentials"],
        )


def test_rfc6749_public_client_cannot_use_client_credentials(client, app):
    public = make_relying_party(name="单页应用", public=True)
    response = client.post(
        "/token", data={"grant_type": "client_credentials", "client_id": public.client_id}
    )
    assert_error(response, "invalid_client", 401)


def test_rfc7662_client_credentials_token_has_no_sub(client, machine):
    token = client_credentials(client, machine, scope="profile").get_json()["access_token"]
    response = client.post(
        "/introspect", data={"token": token}, headers=basic(machine.client_id, machine.secret)
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["active"] is True
    assert body["client_id"] == machine.client_id
    assert body["scope"] == "profile"
    assert "sub" not in body and "username" not in body


def test_rfc7009_client_credentials_token_revocable(client, machine):
    token = client_credentials(client, machine).get_json()["access_token"]
    auth = basic(machine.client_id, machine.secret)
    assert client.post("/revoke", data={"token": token}, headers=auth).status_code == 200
    body = client.post("/introspect", data={"token": token}, headers=auth).get_json()
    assert body == {"active": False}
