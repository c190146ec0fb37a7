"""Retention: purging what can no longer matter (issue 11, "nothing piles up").

``purge`` removes, in bounded batches that are each their own transaction (the caller hands
in the edge's ``commit``), so a purge of millions of rows never holds its locks long:

- *access-only token rows* (no refresh token: client credentials, a code exchange without
  ``offline_access``) once ``expires_at`` is older than ``retention.keep``;
- *refresh families* whose refresh deadline (``refresh_expires_at``, inherited by every
  rotated row) and every access token passed more than ``keep`` ago, the whole family at once;
- *revoked families* (every row revoked) whose last revocation is older than ``keep``.

A rotated refresh row is KEPT while its family can still be refreshed: presenting a rotated
token again is how reuse is detected and the family revoked (RFC 9700 §4.14.2), and the grace
period for a retried refresh finds its successor through it. Only a family that can no longer
be refreshed (expired or revoked) goes, and then as a whole, so ``grant_scope`` never reads a
family with its first row missing.

Not here because the store already forgets them: authorization codes and their consumed
markers (``code:``, ``code-used:``) and the family-revoked markers are store keys with TTLs;
an ended SSO session is removed from the store when it ends, an expired one by the expiry
sweep (``logout.sweep_expired_sessions``). What the store keeps that would pile up is the
per-user session index: entries whose session is gone are removed here
(``SessionStore.purge_indexes``).

The audit trail's entries older than ``audit.keep_days`` go too, by its own rule
(``idp.domain.trail.purge``: the oldest sealed prefix of the chain, then a checkpoint entry).

The background worker runs a purge once per ``retention.purge_interval`` (``due``: one process
of all that share the store); operators run ``idp maintenance purge``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Select, delete, func, select

from ..domain.models import Token
from ..domain.trail import purge as audit_trail
from ..extensions import db
from ..services import services

SCHEDULE = "retention:schedule"
_PURGE = "purge"
_ALWAYS = float(2**62)  # a score above any time: "every member"


@dataclass
class Purged:
    """What one purge removed."""

    access_tokens: int = 0  # access-only rows
    expired_families: int = 0
    revoked_families: int = 0
    family_rows: int = 0  # the rows of those families
    session_index_entries: int = 0
    audit_entries: int = 0  # the audit trail's oldest sealed entries (``domain.trail.purge``)

    def lines(self) -> list[str]:
        return [
            f"access-only tokens: {self.access_tokens}",
            f"expired refresh families: {self.expired_families}",
            f"revoked families: {self.revoked_families}",
            f"rows of those families: {self.family_rows}",
            f"stale session index entries: {self.session_index_entries}",
            f"audit trail entries older than audit.keep_days: {self.audit_entries}",
        ]


def purge(commit: Callable[[], None], now: int | None = None) -> Purged:
    """Remove what can no longer matter; ``commit`` ends each batch's transaction.

    The table is walked in id order, ``retention.batch`` rows at a time, over rows issued
    before the cutoff only: a row, or a family, that qualifies has every row issued before it
    (``expires_at``, ``refresh_expires_at`` and ``revoked_at`` all come after ``issued_at``).
    Each step reads one short primary-key range and checks the families met in it through the
    family index, so a purge costs one pass over the old rows, never a scan of the whole table
    per batch, and no index is added to the token hot path for it.
    """
    svc = services()
    settings = svc.settings.retention
    cutoff = (svc.now() if now is None else now) - settings.keep
    batch = max(1, settings.batch)
    done = Purged()
    last = 0
    while True:
        walked = db.session.execute(
            select(Token.id, Token.family_id, Token.refresh_token_hash, Token.expires_at)
            .where(Token.id > last, Token.issued_at < cutoff)
            .order_by(Token.id)
            .limit(batch)
        ).all()
        if not walked:
            break
        last = walked[-1].id
        met = sorted({row.family_id for row in walked})
        expired = set(db.session.scalars(_expired_families(met, cutoff)))
        revoked = set(db.session.scalars(_revoked_families(met, cutoff))) - expired
        gone = expired | revoked
        singles = [
            row.id
            for row in walked
            if row.refresh_token_hash is None
            and row.expires_at < cutoff
            and row.family_id not in gone
        ]
        if gone:
            result = cast(
                CursorResult[Any],
                db.session.execute(delete(Token).where(Token.family_id.in_(sorted(gone)))),
            )
            done.family_rows += result.rowcount
        if singles:
            db.session.execute(delete(Token).where(Token.id.in_(singles)))
        commit()
        done.expired_families += len(expired)
        done.revoked_families += len(revoked)
        done.access_tokens += len(singles)
        if len(walked) < batch:
            break

    sessions = svc.wired("sessions")
    if sessions is not None:
        done.session_index_entries = sessions.purge_indexes()
    done.audit_entries = audit_trail.purge(commit, now)
    return done


def _expired_families(families: list[str], cutoff: int) -> Select[str]:
    """Refresh families whose refresh deadline and every access token ended before
    ``cutoff``."""
    return (
        select(Token.family_id)
        .where(Token.family_id.in_(families))
        .group_by(Token.family_id)
        .having(
            func.count(Token.refresh_token_hash) > 0,
            func.max(Token.refresh_expires_at) < cutoff,
            func.max(Token.expires_at) < cutoff,
        )
    )


def _revoked_families(families: list[str], cutoff: int) -> Select[str]:
    """Families every row of which was revoked, the last before ``cutoff``."""
    return (
        select(Token.family_id)
        .where(Token.family_id.in_(families))
        .group_by(Token.family_id)
        .having(func.count() == func.count(Token.revoked_at), func.max(Token.revoked_at) < cutoff)
    )


def due() -> bool:
    """True for exactly one of the processes sharing the store once per
    ``retention.purge_interval`` (a lease on a schedule entry, ``Store.zlease``); never when
    the interval is 0."""
    svc = services()
    interval = svc.settings.retention.purge_interval
    if interval <= 0:
        return False
    now = svc.now()
    if not svc.store.zdue(SCHEDULE, _ALWAYS, 1):  # first pass ever, or the store was emptied
        svc.store.zadd(SCHEDULE, _PURGE, now)
    return svc.store.zlease(SCHEDULE, _PURGE, now, now + interval)
