"""The test session's signing key pool (``tests/keypool.py``): every test's app starts from the
same first key pairs, and anything beyond them (a rotation) is a real new key."""

from __future__ import annotations

from sqlalchemy import select

from idp.domain import transaction
from idp.domain.models import SigningKey
from idp.domain.models.key import NEXT
from idp.extensions import db
from idp.protocol import keys
from idp.services import services
from keypool import KeyPool, PrimedJwk

RSA = ("RSA", 2048, {"alg": "RS256", "use": "sig"})


def test_keys_pool_two_tests_get_the_same_first_keys_then_real_new_ones():
    pool = KeyPool()
    first, second = PrimedJwk(pool), PrimedJwk(pool)
    a = [first.generate_key(*RSA[:2], parameters=RSA[2]).thumbprint() for _ in range(3)]
    b = [second.generate_key(*RSA[:2], parameters=RSA[2]).thumbprint() for _ in range(3)]
    assert a[:2] == b[:2] and a[0] != a[1]
    assert len({a[2], b[2], *a[:2]}) == 4  # the third of each test is new
    assert pool.generated == 4


def test_keys_pool_algorithms_are_pooled_apart():
    pool = KeyPool()
    jwk = PrimedJwk(pool)
    rsa = jwk.generate_key("RSA", 2048, parameters={"alg": "RS256", "use": "sig"})
    ec = jwk.generate_key("EC", "P-256", parameters={"alg": "ES256", "use": "sig"})
    assert (rsa.key_type, ec.key_type) == ("RSA", "EC")


def test_keys_pool_serves_ensure_keys_and_rotation_makes_a_real_key(app, key_pool):
    generated = key_pool.generated
    keys.ensure_keys()
    pooled = key_pool.generated  # at most the first use of the session generated the four
    assert pooled - generated in (0, 4)
    before = set(db.session.scalars(select(SigningKey.kid)))
    keys.rotate("RS256", force=True)
    assert key_pool.generated == pooled + 1
    new_next = db.session.scalar(
        select(SigningKey.kid).where(SigningKey.alg == "RS256", SigningKey.state == NEXT)
    )
    assert new_next not in before


def test_keys_pool_a_pem_loaded_once_serves_every_later_load(app, monkeypatch):
    key_pool = KeyPool()  # of this test alone: earlier tests loaded nothing into it
    monkeypatch.setattr(keys, "jwk", PrimedJwk(key_pool))
    keys.ensure_keys()
    first = keys.signing_key("RS256")
    loads = key_pool.imported
    services().keys_cache = None  # as the next test's app: an empty cache
    assert keys.signing_key("RS256") == first
    assert key_pool.imported == loads
    keys.rotate("RS256", force=True)  # the promoted key's PEM was never loaded: a real load
    transaction.commit()  # the command's edge: the key cache is bumped after the commit
    assert keys.signing_key("RS256")[0] != first[0]
    assert key_pool.imported == loads + 1
