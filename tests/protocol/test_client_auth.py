"""Client authentication at the token endpoint.

RFC 6749 §2.3 and §3.2.1 (client_secret_basic, client_secret_post, public clients), RFC 7523
§2.2 and §3 (private_key_jwt: iss = sub = client_id, aud, exp, jti replay), OIDC Core §9, RFC 7636
for public clients, and secrets kept only as keyed digests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import quote

import pytest
from joserfc import jwk, jwt
from sqlalchemy import text

from idp.domain.clients import registry as clients
from idp.domain.models import Client
from idp.extensions import db
from support import REDIRECT, RelyingParty, make_relying_party

ISSUER = "http://127.0.0.1:5000"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def basic(client_id: str, secret: str) -> dict:
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def assert_error(response, error: str, status: int | None = None):
    if status is not None:
        assert response.status_code == status, response.get_data(as_text=True)
    else:
        assert response.status_code in (400, 401), response.get_data(as_text=True)
    assert response.get_json()["error"] == error
    assert "access_token" not in response.get_json()


def redeem(browser, rp, code, data=None, headers=None):
    form = dict(
        grant_type="authorization_code",
        code=code,
        redirect_uri=rp.redirect_uri,
        code_verifier=browser.verifier,
        **(data or {}),
    )
    return browser.http.post("/token", data=form, headers=headers or {})


# --- client_secret_basic / client_secret_post -------------------------------------------------


def test_rfc6749_client_secret_basic(browser, rp, user):
    callback = browser.sign_in(rp)
    response = redeem(browser, rp, callback["code"], headers=basic(rp.client_id, rp.secret))
    assert response.status_code == 200, response.get_data(as_text=True)


def test_rfc6749_client_secret_basic_form_encoded_credentials(browser, user):
    """RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding."""
    client, secret = clients.create_client(
        name="特殊字符应用", redirect_uris=[REDIRECT], client_id="app:one", secret="s3cret+/:%long"
    )
    rp = RelyingParty(client.client_id, secret, REDIRECT)
    callback = browser.sign_in(rp)
    headers = basic(quote(rp.client_id, safe=""), quote(secret, safe=""))
    response = redeem(browser, rp, callback["code"], headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_rfc6749_client_secret_post(browser, user):
    rp = make_relying_party(name="表单认证应用", auth_method="client_secret_post")
    callback = browser.sign_in(rp)
    response = redeem(
        browser, rp, callback["code"], data={"client_id": rp.client_id, "client_secret": rp.secret}
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_rfc6749_wrong_secret_basic_is_401(browser, rp, user):
    callback = browser.sign_in(rp)
    response = redeem(browser, rp, callback["code"], headers=basic(rp.client_id, "wrong-secret"))
    assert_error(response, "invalid_client", 401)
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_rfc6749_wrong_secret_post(browser, user):
    rp = make_relying_party(name="表单认证应用", auth_method="client_secret_post")
    callback = browser.sign_in(rp)
    response = redeem(
        browser,
        rp,
        callback["code"],
        data={"client_id": rp.client_id, "client_secret": "wrong-secret"},
    )
    assert_error(response, "invalid_client")


def test_rfc6749_unknown_client(browser, rp, user):
    callback = browser.sign_in(rp)
    response = redeem(browser, rp, callback["code"], headers=basic("no-such-client", "secret"))
    assert_error(response, "invalid_client", 401)


def test_rfc6749_no_client_authentication(browser, rp, user):
    callback = browser.sign_in(rp)
    assert_error(redeem(browser, rp, callback["code"]), "invalid_client")


def test_oidcc_registered_method_basic_refuses_post(browser, rp, user):
    """A client registered for client_secret_basic may not switch to client_secret_post."""
    callback = browser.sign_in(rp)
    response = redeem(
        browser, rp, callback["code"], data={"client_id": rp.client_id, "client_secret": rp.secret}
    )
    assert_error(response, "invalid_client")


def test_oidcc_registered_method_post_refuses_basic(browser, user):
    rp = make_relying_party(name="表单认证应用", auth_method="client_secret_post")
    callback = browser.sign_in(rp)
    response = redeem(browser, rp, callback["code"], headers=basic(rp.client_id, rp.secret))
    assert_error(response, "invalid_client", 401)


def test_oidcc_confidential_client_may_not_use_none(browser, rp, user):
    """RFC 6749 §3.2.1: a confidential client must authenticate; client_id alone is refused."""
    callback = browser.sign_in(rp)
    response = redeem(browser, rp, callback["code"], data={"client_id": rp.client_id})
    assert_error(response, "invalid_client")


def test_oidcc_disabled_client_cannot_authenticate(browser, rp, user):
    callback = browser.sign_in(rp)
    clients.disable(rp.client_id)
    response = redeem(browser, rp, callback["code"], headers=basic(rp.client_id, rp.secret))
    assert_error(response, "invalid_client", 401)


# --- public clients --------------------------------------------------------------------------


@pytest.fixture
def public_rp(app) -> RelyingParty:
    return make_relying_party(name="单页应用", public=True)


def test_rfc7636_public_client_with_pkce(browser, public_rp, user):
    assert public_rp.secret is None and public_rp.auth_method == "none"
    callback = browser.sign_in(public_rp)
    response = redeem(browser, public_rp, callback["code"], data={"client_id": public_rp.client_id})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["id_token"]


def test_rfc7636_public_client_without_verifier(browser, public_rp, user):
    """RFC 7636 §4.6: the code was issued with a challenge, so no verifier is invalid_grant."""
    callback = browser.sign_in(public_rp)
    browser.verifier = None
    response = redeem(browser, public_rp, callback["code"], data={"client_id": public_rp.client_id})
    assert_error(response, "invalid_grant", 400)


def test_rfc6749_public_client_with_made_up_secret(browser, public_rp, user):
    """A public client has no secret; presenting one does not authenticate it."""
    callback = browser.sign_in(public_rp)
    response = redeem(
        browser,
        public_rp,
        callback["code"],
        data={"client_id": public_rp.client_id, "client_secret": "anything-at-all"},
    )
    assert_error(response, "invalid_client")


# --- secrets at rest -------------------------------------------------------------------------


def test_client_secret_stored_only_as_digest(app, rp):
    client = db.session.scalar(db.select(Client).where(Client.client_id == rp.client_id))
    assert client.secret_digest and client.secret_digest != rp.secret
    assert rp.secret not in client.secret_digest
    row = (
        db.session.execute(text("SELECT * FROM clients WHERE client_id = :c"), {"c": rp.client_id})
        .mappings()
        .one()
    )
    for column, value in row.items():
        assert rp.secret not in str(value), column


def test_client_secret_digest_is_keyed(app, rp):
    """The stored digest is not a bare hash of the secret (keyed with the pepper)."""
    client = db.session.scalar(db.select(Client).where(Client.client_id == rp.client_id))
    assert client.secret_digest != hashlib.sha256(rp.secret.encode()).hexdigest()


# --- private_key_jwt (RFC 7523) --------------------------------------------------------------


@pytest.fixture
def jwt_key():
    return jwk.generate_key("RSA", 2048, parameters={"alg": "RS256", "use": "sig"}, auto_kid=True)


@pytest.fixture
def jwt_rp(app, jwt_key) -> RelyingParty:
    jwks = {"keys": [jwt_key.as_dict(private=False)]}
    return make_relying_party(name="私钥认证应用", auth_method="private_key_jwt", jwks=jwks)


def assertion(key, client_id: str, now: int, **overrides) -> str:
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": ISSUER + "/token",
        "iat": now,
        "exp": now + 60,
        "jti": secrets.token_urlsafe(16),
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def assertion_form(value: str) -> dict:
    return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": value}


def test_rfc7523_private_key_jwt(browser, jwt_rp, jwt_key, user, clock):
    assert jwt_rp.secret is None
    callback = browser.sign_in(jwt_rp)
    value = assertion(jwt_key, jwt_rp.client_id, int(clock.now()))
    response = redeem(browser, jwt_rp, callback["code"], data=assertion_form(value))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["id_token"]


def test_rfc7523_private_key_jwt_issuer_audience(browser, jwt_rp, jwt_key, user, clock):
    """The issuer identifier is an acceptable audience too (RFC 7523 §3, OIDC Core §9)."""
    callback = browser.sign_in(jwt_rp)
    value = assertion(jwt_key, jwt_rp.client_id, int(clock.now()), aud=ISSUER)
    response = redeem(browser, jwt_rp, callback["code"], data=assertion_form(value))
    assert response.status_code == 200, response.get_data(as_text=True)


def test_rfc7523_private_key_jwt_jti_replay(browser, jwt_rp, jwt_key, user, clock):
    value = assertion(jwt_key, jwt_rp.client_id, int(clock.now()))
    first = browser.sign_in(jwt_rp)
    assert redeem(browser, jwt_rp, first["code"], data=assertion_form(value)).status_code == 200
    second = browser.sign_in(jwt_rp)
    response = redeem(browser, jwt_rp, second["code"], data=assertion_form(value))
    assert_error(response, "invalid_client")


@pytest.mark.parametrize("aud", ["https://other-idp.example.test/token", ISSUER + "/userinfo"])
def test_rfc7523_private_key_jwt_wrong_audience(browser, jwt_rp, jwt_key, user, clock, aud):
    callback = browser.sign_in(jwt_rp)
    value = assertion(jwt_key, jwt_rp.client_id, int(clock.now()), aud=aud)
    assert_error(
        redeem(browser, jwt_rp, callback["code"], data=assertion_form(value)), "invalid_client"
    )


def test_rfc7523_private_key_jwt_expired(browser, jwt_rp, jwt_key, user, clock):
    """``exp`` is checked against the IdP's clock, with the configured leeway (60 s)."""
    callback = browser.sign_in(jwt_rp)
    now = int(clock.now())
    value = assertion(jwt_key, jwt_rp.client_id, now - 300, exp=now - 61)
    assert_error(
        redeem(browser, jwt_rp, callback["code"], data=assertion_form(value)), "invalid_client"
    )


def test_rfc7523_private_key_jwt_expires_by_clock(browser, jwt_rp, jwt_key, user, clock):
    """An assertion valid when made is refused once the IdP's clock has passed exp + leeway."""
    value = assertion(jwt_key, jwt_rp.client_id, int(clock.now()))
    clock.advance(60 + 60 + 1)
    callback = browser.sign_in(jwt_rp)
    assert_error(
        redeem(browser, jwt_rp, callback["code"], data=assertion_form(value)), "invalid_client"
    )


def test_rfc7523_private_key_jwt_missing_exp(browser, jwt_rp, jwt_key, user, clock):
    callback = browser.sign_in(jwt_rp)
    value = assertion(jwt_key, jwt_rp.client_id, int(clock.now()), exp=None)
    assert_error(
        redeem(browser, jwt_rp, callback["code"], data=assertion_form(value)), "invalid_client"
    )


def test_rfc7523_private_key_jwt_missing_jti(browser, jwt_rp, jwt_key, user, clock):
    callback = browser.sign_in(jwt_rp)
    value = assertion(jwt_key, jwt_rp.client_id, int(clock.now()), jti=None)
    assert_error(
        redeem(browser, jwt_rp, callback["code"], data=assertion_form(value)), "invalid_client"
    )


def test_rfc7523_private_key_jwt_other_key(browser, jwt_rp, jwt_key, user, clock):
    callback = browser.sign_in(jwt_rp)
    other = jwk.generate_key("RSA", 2048, parameters={"kid": jwt_key.kid})
    value = assertion(other, jwt_rp.client_id, int(clock.now()))
    assert_error(
        redeem(browser, jwt_rp, callback["code"], data=assertion_form(value)), "invalid_client"
    )


def test_rfc7523_private_key_jwt_iss_differs_from_sub(browser, jwt_rp, jwt_key, user, clock):
    callback = browser.sign_in(jwt_rp)
    value = assertion(jwt_key, jwt_rp.client_id, int(clock.now()), iss="someone-else")
    assert_error(
        redeem(browser, jwt_rp, callback["code"], data=assertion_form(value)), "invalid_client"
    )


def test_rfc7523_private_key_jwt_alg_none_refused(browser, jwt_rp, user, clock):
    callback = browser.sign_in(jwt_rp)
    now = int(clock.now())
    claims = {
        "iss": jwt_rp.client_id,
        "sub": jwt_rp.client_id,
        "aud": ISSUER + "/token",
        "exp": now + 60,
        "jti": "x1",
    }

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    value = b64(b'{"alg":"none"}') + "." + b64(json.dumps(claims).encode()) + "."
    assert_error(
        redeem(browser, jwt_rp, callback["code"], data=assertion_form(value)), "invalid_client"
    )


def test_rfc7523_secret_client_cannot_use_assertion(browser, rp, jwt_key, user, clock):
    """A client registered for client_secret_basic cannot authenticate with private_key_jwt."""
    callback = browser.sign_in(rp)
    value = assertion(jwt_key, rp.client_id, int(clock.now()))
    assert_error(
        redeem(browser, rp, callback["code"], data=assertion_form(value)), "invalid_client"
    )


def test_rfc7523_private_key_jwt_client_cannot_use_none(browser, jwt_rp, user):
    callback = browser.sign_in(jwt_rp)
    response = redeem(browser, jwt_rp, callback["code"], data={"client_id": jwt_rp.client_id})
    assert_error(response, "invalid_client")
