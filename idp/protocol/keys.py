"""Signing keys: stored in the database, private halves encrypted, every key with a ``kid``.

Rotation (``idp keys rotate``) follows the publish-before-sign rule: each algorithm always has a
``next`` key already in JWKS, rotation promotes it to ``current`` and publishes a fresh ``next``,
and the old current stays in JWKS (``retired``) until every token it signed has expired
(``id_token_ttl`` plus leeway, plus ``keys_reload_interval``: an instance that has not yet
re-read the keys may still sign with it that long). Relying parties that cache JWKS therefore
always know the key a token is signed with, and a rotation during active sessions breaks nothing.
Rotation refuses to promote a ``next`` key published less than ``jwks_cache_max_age`` (what
``/jwks`` tells relying parties to cache it) plus ``keys_reload_interval`` ago, unless forced:
a JWKS cached before the key was in every instance's JWKS would not know it (issue 11).

JWKS and the signing keys are cached per process and re-read from the database when the
store's ``keys:version`` changes (checked at most once a second; the rotation bumps it after
its commit) and, whatever the store says, once the cache is ``protocol.keys_reload_interval``
old: a rotation whose bump never reached the store, or a store that cannot be read, is seen
within the interval (issue 11). The timed re-read is one SELECT of the few key rows; keys are
decrypted and imported again only when their kids or states changed. While keys are cached, a
store or database fault never fails JWKS or signing: the cached keys keep serving.
"""

from __future__ import annotations

import json
import logging
import threading
import time

from joserfc import jwk
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from ..adapters.outage import OutageLog
from ..adapters.store import StoreUnavailable
from ..domain import trail, transaction
from ..domain.errors import DomainError
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
STORE_CHECK = 1.0  # seconds between two reads of VERSION_KEY by one process
monotonic = time.monotonic  # the cache's timer (tests move it instead of sleeping)
log = logging.getLogger(__name__)


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


def publication_wait() -> int:
    """Seconds a ``next`` key must have been published before it may sign: what relying parties
    may cache JWKS for, plus the time every instance needs to publish it (issue 11)."""
    protocol = services().settings.protocol
    return protocol.jwks_cache_max_age + protocol.keys_reload_interval


def rotate(alg: str = RS256, *, force: bool = False) -> SigningKey:
    """Promote ``next`` to ``current``, retire the old current, publish a new ``next``.

    Refused (``keys.next_too_new``, with the seconds to wait) while ``next`` was published less
    than ``publication_wait()`` ago, unless ``force``: a relying party whose cached JWKS lacks
    the key would reject the ID tokens it signs (OIDC Core §10.1.1, publish before sign)."""
    if alg not in ALGS:
        raise ValueError(f"unsupported algorithm {alg}; choose one of {', '.join(ALGS)}")
    ensure_keys()
    _lock_keys()
    svc = services()
    now = svc.now()
    protocol = svc.settings.protocol
    keep = protocol.id_token_ttl + protocol.leeway + protocol.keys_reload_interval
    rows = db.session.scalars(
        select(SigningKey)
        .where(SigningKey.alg == alg, SigningKey.state.in_([CURRENT, NEXT]))
        .with_for_update()
    ).all()
    current = next(k for k in rows if k.state == CURRENT)
    upcoming = next(k for k in rows if k.state == NEXT)
    minimum = publication_wait()
    age = now - upcoming.created_at
    if age < minimum and not force:
        raise DomainError(
            "keys.next_too_new", kid=upcoming.kid, age=age, minimum=minimum, wait=minimum - age
        )
    current.state, current.retired_at, current.remove_at = RETIRED, now, now + keep
    db.session.flush()  # one state change at a time: the unique indexes hold after each
    upcoming.state, upcoming.activated_at = CURRENT, now
    db.session.flush()
    db.session.add(_generate(alg, NEXT, now))
    db.session.flush()
    prune()
    transaction.after_commit(bump_version)
    trail.record(trail.KEY_ROTATED, kid=upcoming.kid, alg=alg, retired=current.kid, forced=force)
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
    """After a key change commits: this process re-reads at once, the others when they see the
    new store version (within a second) or, if it never reaches them, within the interval."""
    _cache().stale = True
    services().store.set(VERSION_KEY, str(time.time_ns()))


_CACHE_MADE = threading.Lock()  # one cache per app even when two requests start together


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stale = False  # set by this process's own change: re-read before the next use
        self.version: str | None = None  # VERSION_KEY as last read (None: store unreadable)
        self.checked = 0.0  # monotonic() of the last store read
        self.loaded = 0.0  # monotonic() of the last database read
        self.kids: tuple[tuple[str, str], ...] = ()  # (kid, state) of every row, in id order
        self.jwks_json: str | None = None
        self.signing: dict[str, tuple[str, jwk.Key]] = {}
        self.public: dict[str, jwk.Key] = {}
        self.store_outage = OutageLog(log, "signing-key change check (store)")
        self.database_outage = OutageLog(log, "signing-key re-read (database)")


def _cache() -> _Cache:
    svc = services()
    if svc.keys_cache is None:
        with _CACHE_MADE:
            if svc.keys_cache is None:
                svc.keys_cache = _Cache()
    cache: _Cache = svc.keys_cache  # Services keeps it untyped: protocol's type, not its
    return cache


def _store_version(cache: _Cache) -> str | None:
    """The store's key version, or None when the store cannot be read (then the timer alone
    decides when the keys are re-read)."""
    try:
        version = services().store.get(VERSION_KEY)
    except StoreUnavailable as exc:
        cache.store_outage.failed(exc)
        return None
    cache.store_outage.ok()
    return version


def _refresh(cache: _Cache) -> None:
    now = monotonic()
    if cache.jwks_json is None or cache.stale:
        _load(cache, now, _store_version(cache))  # nothing to serve yet: a fault is the answer
        return
    if cache.checked <= now < cache.checked + STORE_CHECK:
        return
    cache.checked = now
    version = _store_version(cache)
    interval = services().settings.protocol.keys_reload_interval
    due = not cache.loaded <= now < cache.loaded + interval  # a clock step back counts as due
    if not due and (version is None or version == cache.version):
        return
    try:
        _load(cache, now, version)
    except SQLAlchemyError as exc:
        # keys cannot change while the database is out of reach: serve the cached ones and
        # try again in an interval, not on every request
        cache.loaded, cache.version = now, version
        cache.database_outage.failed(exc)
    else:
        cache.database_outage.ok()


def _load(cache: _Cache, now: float, version: str | None) -> None:
    """Read the key rows; rebuild JWKS and the signing keys when their kids or states changed."""
    svc = services()
    rows = db.session.scalars(select(SigningKey).order_by(SigningKey.id)).all()
    if not any(r.state == CURRENT for r in rows):
        ensure_keys()
        rows = db.session.scalars(select(SigningKey).order_by(SigningKey.id)).all()
    kids = tuple((r.kid, r.state) for r in rows)
    if cache.jwks_json is None or kids != cache.kids:
        signing, public = {}, {}
        for row in rows:
            public[row.kid] = jwk.import_key(row.public_jwk)
            if row.state == CURRENT:
                pem = svc.cipher.decrypt(row.private_enc, _CONTEXT)
                params: jwk.KeyParameters = {"kid": row.kid, "alg": row.alg, "use": "sig"}
                key = jwk.JWKRegistry.import_key(pem, ALGS[row.alg][0], parameters=params)
                signing[row.alg] = (row.kid, key)
        cache.jwks_json = json.dumps({"keys": [r.public_jwk for r in rows]})
        cache.signing, cache.public, cache.kids = signing, public, kids
    cache.version, cache.loaded, cache.checked, cache.stale = version, now, now, False


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
