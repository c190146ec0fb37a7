"""Discovery and JWKS (OIDC Discovery 1.0 §3-4, RFC 8414 §2-3, RFC 9207 §3, RFC 7517 §4-5).

The metadata must be complete and truthful: every advertised endpoint answers at its path, the
issuer is the configured one, and only what is implemented is listed. JWKS publishes public
signing keys only, each with ``kid``, ``alg`` and ``use=sig``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from support import TEST_SETTINGS

ISSUER = TEST_SETTINGS["issuer"]
# How each advertised endpoint is called by a client; the answer must not be "not found".
ENDPOINT_METHODS = {
    "authorization_endpoint": "GET",
    "token_endpoint": "POST",
    "userinfo_endpoint": "GET",
    "jwks_uri": "GET",
    "revocation_endpoint": "POST",
    "introspection_endpoint": "POST",
    "end_session_endpoint": "GET",
}
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def _discovery(client, path="/.well-known/openid-configuration"):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_oidcc_discovery_endpoint_verification(client):
    doc = _discovery(client)
    assert doc["issuer"] == ISSUER
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert doc[name].startswith(ISSUER + "/"), name
    assert doc["response_types_supported"] == ["code"]
    assert doc["response_modes_supported"] == ["query"]
    assert doc["subject_types_supported"] == ["public"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert doc["backchannel_logout_supported"] is True
    assert doc["backchannel_logout_session_supported"] is True
    assert {"RS256", "ES256"} <= set(doc["id_token_signing_alg_values_supported"])
    assert "none" not in doc["id_token_signing_alg_values_supported"]
    assert "openid" in doc["scopes_supported"]
    assert {"sub", "sid", "auth_time", "iss", "aud", "exp", "iat", "nonce"} <= set(
        doc["claims_supported"]
    )
    assert "authorization_code" in doc["grant_types_supported"]
    assert "implicit" not in doc["grant_types_supported"]
    assert doc["request_parameter_supported"] is False
    assert doc["request_uri_parameter_supported"] is False
    assert "client_secret_basic" in doc["token_endpoint_auth_methods_supported"]
    assert set(doc["prompt_values_supported"]) >= {"none", "login", "consent"}


def test_oidcc_discovery_every_advertised_endpoint_answers(client):
    doc = _discovery(client)
    for name, method in ENDPOINT_METHODS.items():
        url = urlsplit(doc[name])
        assert f"{url.scheme}://{url.netloc}" == ISSUER, name
        response = client.open(url.path, method=method)
        assert response.status_code not in (404, 405), (name, response.status_code)


def test_oidcc_discovery_jwks_uri_serves_the_key_set(client):
    doc = _discovery(client)
    response = client.get(urlsplit(doc["jwks_uri"]).path)
    assert response.status_code == 200
    assert response.get_json()["keys"]


def test_oidcc_discovery_issuer_not_matching_config(client, app):
    """The discovered issuer is exactly the configured one (no trailing slash, same scheme)."""
    doc = _discovery(client)
    configured = app.extensions["idp"].settings.issuer
    assert doc["issuer"] == configured
    assert not doc["issuer"].endswith("/")
    # OIDC Discovery §4.3: the document lives at issuer + /.well-known/openid-configuration.
    assert urlsplit(configured).path == ""


def test_rfc8414_oauth_authorization_server_metadata_is_the_same_document(client):
    assert _discovery(client, "/.well-known/oauth-authorization-server") == _discovery(client)


def test_oidcc_discovery_is_cacheable_json(client):
    response = client.get("/.well-known/openid-configuration")
    assert "max-age" in response.headers["Cache-Control"]
    assert "no-store" not in response.headers["Cache-Control"]


class TestAnotherIssuer:
    """Every URL derives from the configured issuer: change it and the document follows."""

    @pytest.fixture
    def settings_overrides(self):
        return {"issuer": "https://sso.example.test"}

    def test_oidcc_discovery_issuer_follows_settings(self, client):
        doc = _discovery(client)
        assert doc["issuer"] == "https://sso.example.test"
        for name in ENDPOINT_METHODS:
            assert doc[name].startswith("https://sso.example.test/"), name
        assert ISSUER not in client.get("/.well-known/openid-configuration").get_data(as_text=True)


def test_oidcc_server_jwks_keys_are_public_signing_keys(client):
    response = client.get("/jwks")
    assert response.status_code == 200
    assert response.mimetype in ("application/jwk-set+json", "application/json")
    keys = response.get_json()["keys"]
    assert keys
    kids = [k["kid"] for k in keys]
    assert all(kids) and len(set(kids)) == len(kids)
    for key in keys:
        assert key["use"] == "sig", key["kid"]
        assert key["alg"] in ("RS256", "ES256"), key["kid"]
        assert not PRIVATE_MEMBERS & set(key), key["kid"]
        if key["alg"] == "RS256":
            assert key["kty"] == "RSA" and key["n"] and key["e"]
        else:
            assert key["kty"] == "EC" and key["crv"] == "P-256" and key["x"] and key["y"]
    assert {"RS256", "ES256"} <= {k["alg"] for k in keys}


def test_oidcc_server_jwks_is_stable_between_requests(client):
    first = client.get("/jwks").get_json()
    assert client.get("/jwks").get_json() == first


def test_oidcc_server_id_token_verifies_with_published_jwks(browser, rp, user):
    tokens = browser.tokens_for(rp)
    keyset = KeySet.import_key_set(browser.http.get("/jwks").get_json())
    token = jwt.decode(tokens["id_token"], keyset, algorithms=["RS256", "ES256"])
    assert token.header["kid"] in {k.kid for k in keyset.keys}
    assert token.claims["iss"] == ISSUER and token.claims["sub"] == user.sub
