"""Signing keys: creation, publication, rotation and retirement (``idp/protocol/keys.py``).

OIDC Core §10.1.1 (rotation of signing keys: publish the new key before signing with it,
keep the old one published while tokens it signed are still valid), RFC 7517 (JWKS carries
public keys only), and private keys encrypted at rest.
"""

from __future__ import annotations

import base64
import json

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select

from idp.domain.errors import DomainError
from idp.domain.models import SigningKey
from idp.domain.models.key import CURRENT, NEXT, RETIRED
from idp.extensions import db
from idp.protocol import keys
from idp.services import services
from support import decode_jwt, make_relying_party

OFFLINE = "openid profile offline_access"
KEEP = 3600 + 60 + 30  # protocol.id_token_ttl + leeway + keys_reload_interval


def rotate(alg: str = "RS256") -> SigningKey:
    """A rotation by an operator who waited until every cached JWKS has the next key."""
    services().clock.advance(keys.publication_wait())
    return keys.rotate(alg)


def jwks(http) -> dict:
    response = http.get("/jwks")
    assert response.status_code == 200
    return response.get_json()


def kids(http) -> set[str]:
    return {k["kid"] for k in jwks(http)["keys"]}


def key_row(alg: str, state: str) -> SigningKey:
    return db.session.scalar(
        select(SigningKey).where(SigningKey.alg == alg, SigningKey.state == state)
    )


def verify(http, id_token: str, alg: str = "RS256"):
    return jwt.decode(id_token, KeySet.import_key_set(jwks(http)), algorithms=[alg])


def header_kid(token: str) -> str:
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["kid"]


def test_keys_ensure_creates_current_and_next(app):
    created = keys.ensure_keys()
    assert len(created) == 4
    rows = db.session.scalars(select(SigningKey)).all()
    assert sorted((r.alg, r.state) for r in rows) == [
        ("ES256", CURRENT),
        ("ES256", NEXT),
        ("RS256", CURRENT),
        ("RS256", NEXT),
    ]
    assert all(r.kid and r.public_jwk["kid"] == r.kid for r in rows)
    assert keys.ensure_keys() == []


def test_keys_ensure_fills_only_what_is_missing(app):
    keys.ensure_keys()
    db.session.delete(key_row("ES256", NEXT))
    db.session.commit()
    created = keys.ensure_keys()
    assert len(created) == 1
    assert key_row("ES256", NEXT).kid == created[0]


def test_keys_jwks_publishes_current_and_next_public_only(client):
    document = jwks(client)
    keys_by_kid = {k["kid"]: k for k in document["keys"]}
    rows = db.session.scalars(select(SigningKey)).all()
    assert set(keys_by_kid) == {r.kid for r in rows}
    for key in document["keys"]:
        assert key["use"] == "sig" and key["alg"] in ("RS256", "ES256")
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_keys_jwks_response_headers(client):
    response = client.get("/jwks")
    assert response.mimetype in ("application/json", "application/jwk-set+json")


def test_keys_private_keys_encrypted_at_rest(app):
    keys.ensure_keys()
    for row in db.session.scalars(select(SigningKey)):
        assert "PRIVATE KEY" not in row.private_enc
        assert "BEGIN" not in row.private_enc
        assert "d" not in row.public_jwk


def test_keys_publish_before_sign(browser, rp, user):
    before = kids(browser.http)
    upcoming = key_row("RS256", NEXT).kid
    assert upcoming in before
    promoted = rotate("RS256")
    assert promoted.kid == upcoming and promoted.state == CURRENT
    tokens = browser.tokens_for(rp)
    assert header_kid(tokens["id_token"]) == upcoming
    # The new next key is published at once too, before it will ever sign.
    assert key_row("RS256", NEXT).kid in kids(browser.http)


def test_keys_rotation_retires_old_current(app):
    keys.ensure_keys()
    old = key_row("RS256", CURRENT).kid
    rotate("RS256")
    row = db.session.scalar(select(SigningKey).where(SigningKey.kid == old))
    assert row.state == RETIRED
    assert row.remove_at == row.retired_at + KEEP
    assert (
        len(
            db.session.scalars(
                select(SigningKey).where(SigningKey.alg == "RS256", SigningKey.state == CURRENT)
            ).all()
        )
        == 1
    )


def test_keys_rotation_of_one_alg_leaves_the_other(app):
    keys.ensure_keys()
    es_current, es_next = key_row("ES256", CURRENT).kid, key_row("ES256", NEXT).kid
    rotate("RS256")
    assert key_row("ES256", CURRENT).kid == es_current
    assert key_row("ES256", NEXT).kid == es_next


def test_keys_rotate_unknown_alg(app):
    with pytest.raises(ValueError):
        keys.rotate("HS256")


def test_keys_token_signed_before_rotation_still_verifies(browser, rp, user):
    tokens = browser.tokens_for(rp)
    old_kid = header_kid(tokens["id_token"])
    rotate("RS256")
    assert old_kid in kids(browser.http)
    assert verify(browser.http, tokens["id_token"]).claims["sub"] == user.sub


def test_keys_retired_key_removed_after_ttl(browser, rp, user, clock):
    tokens = browser.tokens_for(rp)
    old_kid = header_kid(tokens["id_token"])
    rotate("RS256")
    clock.advance(KEEP - 1)
    keys.prune()
    assert old_kid in kids(browser.http)
    clock.advance(1)
    assert keys.prune() == 1
    assert old_kid not in kids(browser.http)
    assert db.session.scalar(select(SigningKey).where(SigningKey.kid == old_kid)) is None


def test_keys_second_rotation_prunes_expired_retired_key(app, client, clock):
    keys.ensure_keys()
    first = key_row("RS256", CURRENT).kid
    rotate("RS256")
    clock.advance(KEEP)
    rotate("RS256")
    assert first not in kids(client)
    assert len(db.session.scalars(select(SigningKey).where(SigningKey.alg == "RS256")).all()) == 3


def test_keys_rotation_while_signed_in(browser, rp, user, clock):
    """A user signed in before a rotation refreshes afterwards and gets a verifiable ID token."""
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    old_kid = header_kid(tokens["id_token"])
    new_kid = rotate("RS256").kid
    clock.advance(60)
    response = browser.token(rp, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert response.status_code == 200, response.get_data(as_text=True)
    id_token = response.get_json()["id_token"]
    assert header_kid(id_token) == new_kid != old_kid
    assert verify(browser.http, id_token).claims["sub"] == user.sub
    assert verify(browser.http, tokens["id_token"]).claims["sub"] == user.sub
    access_token = response.get_json()["access_token"]
    info = browser.http.get("/userinfo", headers={"Authorization": "Bearer " + access_token})
    assert info.status_code == 200


def test_keys_es256_client_after_rsa_rotation(browser, user):
    rp = make_relying_party(name="椭圆曲线应用", id_token_alg="ES256")
    keys.ensure_keys()
    es_kid = key_row("ES256", CURRENT).kid
    rotate("RS256")
    tokens = browser.tokens_for(rp)
    assert header_kid(tokens["id_token"]) == es_kid
    assert decode_jwt(tokens["id_token"])["aud"] == rp.client_id
    verify(browser.http, tokens["id_token"], "ES256")


# --- rotation waits until every cached JWKS has the next key (issue 11) -----------------------


def test_jwks_tells_relying_parties_how_long_to_cache_it(client, app):
    response = client.get("/jwks")
    max_age = services().settings.protocol.jwks_cache_max_age
    assert response.headers["Cache-Control"] == f"public, max-age={max_age}"


def test_rotate_refuses_a_next_key_published_less_than_the_jwks_cache_lifetime_ago(app, clock):
    keys.ensure_keys()
    db.session.commit()
    upcoming = key_row("RS256", NEXT).kid
    wait = keys.publication_wait()
    assert wait == 300 + 30  # jwks_cache_max_age + keys_reload_interval
    clock.advance(wait - 10)
    with pytest.raises(DomainError) as refused:
        keys.rotate("RS256")
    assert refused.value.code == "keys.next_too_new"
    assert refused.value.params == {"kid": upcoming, "age": wait - 10, "minimum": wait, "wait": 10}
    db.session.rollback()
    assert key_row("RS256", NEXT).kid == upcoming  # nothing changed
    clock.advance(10)
    assert keys.rotate("RS256").kid == upcoming


def test_rotate_force_promotes_a_next_key_published_just_now(app):
    keys.ensure_keys()
    upcoming = key_row("RS256", NEXT).kid
    assert keys.rotate("RS256", force=True).kid == upcoming
    # the new next key is as young as can be: the next rotation waits for it, or is forced
    with pytest.raises(DomainError):
        keys.rotate("RS256")
