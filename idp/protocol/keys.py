"""Signing keys: stored in the database, private halves encrypted, every key with a ``kid``.

Rotation (``idp keys rotate``) follows the publish-before-sign rule: each algorithm always has a
``next`` key already in JWKS, rotation promotes it to ``current`` and publishes a fresh ``next``,
and the old current stays in JWKS (``retired``) until every token it signed has expired
(``id_token_ttl`` plus leeway). Relying parties that cache JWKS therefore always know the key a
token is signed with, and a rotation during active sessions breaks nothing.

JWKS and the signing key are cached per process and rebuilt when the store's ``keys:version``
changes (checked at most once a second).
"""

from __future__ import annotations

import json
import threading
import time

from joserfc import jwk
from sqlalchemy import select, text

from ..domain import transaction
from ..domain.models import SigningKey
from ..domain.models.key import CURRENT, NEXT, RETIRED
from ..domain.vocab import ES256, RS256
from ..extensions import db
from ..services import services

# the key type and size of each of vocab.ID_TOKEN_ALGS
ALGS: dict[str, tuple[str, int | str]] = {RS256: ("RSA", 2048), ES256: ("EC", "P-256")}
_CONTEXT = "signing-key"
VERSION_KEY = "keys:version"
_LOCK = 0x1D9_5E15  # the advisory lock of key creation and rotation


def _generate(alg: str, state: str, now: int) -> SigningKey:
    kty, size = ALGS[alg]
    key = jwk.JWKRegistry.generate_key(kty, size, parameters={"alg": alg, "use": "sig"})
    assert isinstance(key, jwk.RSAKey | jwk.ECKey)  # ALGS names asymmetric key types only
    kid = key.thumbprint()
    public = key.as_dict(private=False)
    public.update(kid=kid, alg=alg, use="sig")
    pem = key.as_pem(private=True).decode()
    return SigningKey(
        kid=kid,
        alg=alg,
        state=state,
        public_jwk=public,
        private_enc=services().cipher.encrypt(pem, _CONTEXT),
        created_at=now,
        activated_at=now if state == CURRENT else None,
    )


def _lock_keys() -> None:
    """Serialise key creation and rotation across instances for this transaction (PostgreSQL
    advisory lock; SQLite has one writer at a time anyway). The partial unique indexes of
    ``signing_keys`` stand behind it (issue 11)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})


def ensure_keys() -> list[str]:
    """Create a current and a next key for each algorithm that lacks them; return new kids.
    Concurrent first starts create one set: the lock makes the second wait and re-read."""
    now = services().now()
    created: list[str] = []
    if _complete():
        return created
    _lock_keys()
    for alg in ALGS:
        states = set(db.session.scalars(select(SigningKey.state).where(SigningKey.alg == alg)))
        for state in (CURRENT, NEXT):
            if state not in states:
                key = _generate(alg, state, now)
                db.session.add(key)
                created.append(key.kid)
    if created:
        db.session.flush()
        transaction.after_commit(bump_version)
    return created


def _complete() -> bool:
    """Every algorithm has its current and next key (the common case: no lock needed)."""
    have = {
        (alg, state)
        for alg, state in db.session.execute(
            select(SigningKey.alg, SigningKey.state).where(SigningKey.state.in_([CURRENT, NEXT]))
        )
    }
    return all((alg, state) in have for alg in ALGS for state in (CURRENT, NEXT))


def rotate(alg: str = RS256) -> SigningKey:
    """Promote ``next`` to ``current``, retire the old current, publish a new ``next``."""
    if alg not in ALGS:
        raise ValueError(f"unsupported algorithm {alg}; choose one of {', '.join(ALGS)}")
    ensure_keys()
    _lock_keys()
    svc = services()
    now = svc.now()
    keep = svc.settings.protocol.id_token_ttl + svc.settings.protocol.leeway
    rows = db.session.scalars(
        select(SigningKey)
        .where(SigningKey.alg == alg, SigningKey.state.in_([CURRENT, NEXT]))
        .with_for_update()
    ).all()
    current = next(k for k in rows if k.state == CURRENT)
    upcoming = next(k for k in rows if k.state == NEXT)
    current.state, current.retired_at, current.remove_at = RETIRED, now, now + keep
    db.session.flush()  # one state change at a time: the unique indexes hold after each
    upcoming.state, upcoming.activated_at = CURRENT, now
    db.session.flush()
    db.session.add(_generate(alg, NEXT, now))
    db.session.flush()
    prune()
    transaction.after_commit(bump_version)
    return upcoming


def prune() -> int:
    """Delete retired keys whose tokens have all expired."""
    now = services().now()
    gone = db.session.scalars(
        select(SigningKey).where(SigningKey.state == RETIRED, SigningKey.remove_at <= now)
    ).all()
    for key in gone:
        db.session.delete(key)
    db.session.flush()
    if gone:
        transaction.after_commit(bump_version)  # caches must stop publishing the removed keys
    return len(gone)


def bump_version() -> None:
    services().store.set(VERSION_KEY, str(time.time_ns()))
    _cache().checked = 0.0  # this process sees its own change at once, others within a second


_CACHE_MADE = threading.Lock()  # one cache per app even when two requests start together


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: str | None = None
        self.checked = 0.0
        self.jwks_json: str | None = None
        self.signing: dict[str, tuple[str, jwk.Key]] = {}
        self.public: dict[str, jwk.Key] = {}


def _cache() -> _Cache:
    svc = services()
    if svc.keys_cache is None:
        with _CACHE_MADE:
            if svc.keys_cache is None:
                svc.keys_cache = _Cache()
    cache: _Cache = svc.keys_cache  # Services keeps it untyped: protocol's type, not its
    return cache


def _refresh(cache: _Cache) -> None:
    now = time.monotonic()
    if cache.jwks_json is not None and now - cache.checked < 1.0:
        return
    version = services().store.get(VERSION_KEY)
    cache.checked = now
    if cache.jwks_json is not None and version == cache.version:
        return
    svc = services()
    rows = db.session.scalars(select(SigningKey).order_by(SigningKey.id)).all()
    if not any(r.state == CURRENT for r in rows):
        ensure_keys()
        rows = db.session.scalars(select(SigningKey).order_by(SigningKey.id)).all()
    signing, public = {}, {}
    for row in rows:
        public[row.kid] = jwk.import_key(row.public_jwk)
        if row.state == CURRENT:
            pem = svc.cipher.decrypt(row.private_enc, _CONTEXT)
            params: jwk.KeyParameters = {"kid": row.kid, "alg": row.alg, "use": "sig"}
            key = jwk.JWKRegistry.import_key(pem, ALGS[row.alg][0], parameters=params)
            signing[row.alg] = (row.kid, key)
    cache.jwks_json = json.dumps({"keys": [r.public_jwk for r in rows]})
    cache.signing, cache.public, cache.version = signing, public, version


def jwks_json() -> str:
    cache = _cache()
    with cache.lock:
        _refresh(cache)
        assert cache.jwks_json is not None  # _refresh always loads it
        return cache.jwks_json


def signing_key(alg: str) -> tuple[str, jwk.Key]:
    """The (kid, private key) that signs with ``alg`` now."""
    cache = _cache()
    with cache.lock:
        _refresh(cache)
        return cache.signing[alg]


def public_keyset() -> jwk.KeySet:
    cache = _cache()
    with cache.lock:
        _refresh(cache)
        return jwk.KeySet(list(cache.public.values()))
