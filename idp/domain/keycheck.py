"""The proof of the key material at start (issue 11): the keys in the settings are the ones the
stored data was written with.

A wrong key does not fail by itself: with another field key every sealed value and signing key
fails to decrypt (500s), with another blind-index key no ID number, mobile or e-mail is found
any more (sign-ins fail, and D3's uniqueness no longer holds: duplicate accounts), with another
client-secret pepper every client is refused. So the serving processes (``idp.startup``: the
gunicorn module ``idp.wsgi`` and ``idp serve``) call ``prove`` before they serve:

- ``encryption_keys`` (D5): the canary, a fixed text encrypted under the field key current when
  it was written, decrypts, and so does the private half of every current signing key. ``idp
  keys reencrypt`` re-writes the canary under the current key with everything else
  (``reencrypt_canary``), after which the old key may leave the keyring.
- ``secrets.blind_index_key`` and ``secrets.client_secret_pepper``: a keyed digest of the same
  fixed text under each equals the one stored.

The first start on a database writes the check values (``key_checks``, migration 0011) under
the keys it runs with: insert if absent, so instances starting together write one set and any
whose keys differ from it refuse. The signing keys already stored prove the field key before
its canary is first written, and one stored mobile proves the field key and the blind-index
key before theirs are (the pepper has no witness in the data: client secrets are never
stored). Nothing is checked while the table does not exist (a database not yet migrated:
``idp db upgrade`` first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..services import services
from . import purposes
from .crypto import DecryptionError, constant_time_equal, keyed_digest
from .identity import contacts
from .models import KeyCheck, SigningKey, User
from .models.key import CURRENT
from .rekey import SIGNING_KEY, RekeyReport

CANARY = "trademark-idp key check"
FIELD_KEY = "encryption_keys"
BLIND_INDEX_KEY = "secrets.blind_index_key"
CLIENT_SECRET_PEPPER = "secrets.client_secret_pepper"
WHERE = "key_checks.value"  # how ``idp keys reencrypt`` names the canary in its report


@dataclass(frozen=True)
class Problem:
    """One key setting that does not match the data: ``reason`` is ``missing_key`` (the key id
    is not in the keyring), ``wrong_key`` (it is, but does not decrypt), ``signing_key`` (a
    current signing key does not decrypt) or ``digest`` (another secret than the stored one)."""

    setting: str
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


class KeyMismatch(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(", ".join(f"{p.setting}: {p.reason}" for p in problems))
        self.problems = problems


def prove() -> bool:
    """Write the check values that are missing, then check every one; raise ``KeyMismatch``
    listing every key setting that does not match. False when there is no ``key_checks`` table
    (nothing checked). Adds and flushes; the caller commits what the first start wrote."""
    if not inspect(db.session.connection()).has_table(KeyCheck.__tablename__):
        return False
    existing = set(db.session.scalars(select(KeyCheck.name)))
    problems = _signing_keys() + _stored_mobile(existing)
    if problems:  # no check value may be written under a key the data was not written with
        raise KeyMismatch(problems)
    _write_missing()
    stored = dict(db.session.execute(select(KeyCheck.name, KeyCheck.value)).all())
    problems = _canary(stored[FIELD_KEY]) + _digests(stored)
    if problems:
        raise KeyMismatch(problems)
    return True


def reencrypt_canary(report: RekeyReport) -> None:
    """Move the canary to the current field key (``idp keys reencrypt``), counted in
    ``report`` like every other value under ``WHERE``."""
    cipher = services().cipher
    row = db.session.get(KeyCheck, FIELD_KEY)
    if row is None or not cipher.needs_reencrypt(row.value):
        return
    if _canary(row.value):
        report.unreadable[WHERE] = report.unreadable.get(WHERE, 0) + 1
        return
    row.value = cipher.encrypt(CANARY, purposes.KEY_CHECK)
    db.session.flush()
    report.reencrypted[WHERE] = report.reencrypted.get(WHERE, 0) + 1


def expected() -> dict[str, str]:
    """The check values of the running settings (the canary freshly encrypted)."""
    secrets = services().settings.secrets
    return {
        FIELD_KEY: services().cipher.encrypt(CANARY, purposes.KEY_CHECK),
        BLIND_INDEX_KEY: keyed_digest(secrets.blind_index_key, CANARY, purposes.KEY_CHECK),
        CLIENT_SECRET_PEPPER: keyed_digest(
            secrets.client_secret_pepper, CANARY, purposes.KEY_CHECK
        ),
    }


def _write_missing() -> None:
    """Insert if absent, on the primary key: of instances starting together, one set wins."""
    now = services().now()
    rows = [{"name": k, "value": v, "created_at": now} for k, v in expected().items()]
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(KeyCheck).values(rows).on_conflict_do_nothing(index_elements=["name"])
    )


def _canary(stored: str, purpose: str | None = purposes.KEY_CHECK) -> list[Problem]:
    """The canary decrypts (``purpose`` None: ``stored`` is known not to decrypt; name why)."""
    cipher = services().cipher
    kid = stored.partition(":")[0]
    if not cipher.holds(kid):
        return [Problem(FIELD_KEY, "missing_key", {"kid": kid})]
    try:
        if purpose is not None and cipher.decrypt(stored, purpose) == CANARY:
            return []
    except (DecryptionError, ValueError):
        pass
    return [Problem(FIELD_KEY, "wrong_key", {"kid": kid})]


def _signing_keys() -> list[Problem]:
    cipher, problems = services().cipher, []
    for key in db.session.scalars(select(SigningKey).where(SigningKey.state == CURRENT)):
        kid = key.private_enc.partition(":")[0]
        try:
            cipher.decrypt(key.private_enc, SIGNING_KEY)
        except (DecryptionError, ValueError):
            reason = "signing_key" if cipher.holds(kid) else "missing_key"
            problems.append(Problem(FIELD_KEY, reason, {"kid": kid, "signing_kid": key.kid}))
    return problems


def _stored_mobile(existing: set[str]) -> list[Problem]:
    """Before the canary or the blind-index check value is first written (a database from
    before migration 0011), one stored mobile proves the field key (it decrypts) and the
    blind-index key (its index is the stored one). The pepper has no such witness: client
    secrets are never stored."""
    if {FIELD_KEY, BLIND_INDEX_KEY} <= existing:
        return []
    row = db.session.execute(
        select(User.phone_enc, User.phone_bidx).where(User.phone_enc.is_not(None)).limit(1)
    ).first()
    if row is None or row.phone_enc is None:
        return []
    try:
        phone = contacts.unseal("phone", row.phone_enc)
    except (DecryptionError, ValueError):
        return _canary(row.phone_enc, purpose=None)
    if phone is None or row.phone_bidx is None:
        return []
    if constant_time_equal(contacts.index("phone", phone), row.phone_bidx):
        return []
    return [Problem(BLIND_INDEX_KEY, "digest")]


def _digests(stored: dict[str, str]) -> list[Problem]:
    now = expected()
    return [
        Problem(name, "digest")
        for name in (BLIND_INDEX_KEY, CLIENT_SECRET_PEPPER)
        if not constant_time_equal(stored[name], now[name])
    ]
