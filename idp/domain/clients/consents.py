"""Remembered consent per user, client and scope; withdrawable by the user.

One row per user and subsystem (``uq_consent_user_client``). Two consents of the same user to
the same subsystem at once (two tabs, a double submit, a load test signing one account in many
times) both succeed: the one whose insert loses the unique index merges its scopes into the
winner's row instead of failing the request (issue 11).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...services import services
from .. import trail, transaction
from ..models import Client, Consent
from ..models._types import from_timestamp


def granted(user_id: int, client_id: str) -> set[str]:
    row = db.session.scalar(
        select(Consent).where(Consent.user_id == user_id, Consent.client_id == client_id)
    )
    return set(row.scope.split()) if row else set()


def covers(user_id: int, client_id: str, scopes: set[str]) -> bool:
    return scopes <= granted(user_id, client_id)


def remember(user_id: int, client_id: str, scopes: set[str]) -> None:
    """Add ``scopes`` to what the user granted the subsystem (the union; never fewer)."""
    trail.record(trail.CONSENT_GRANTED, subject=user_id, client=client_id, scopes=scopes)
    now = from_timestamp(services().clock.now())
    for _attempt in range(2):
        row = db.session.scalar(
            select(Consent)
            .where(Consent.user_id == user_id, Consent.client_id == client_id)
            .with_for_update()
        )
        if row is not None:
            row.scope = " ".join(sorted(set(row.scope.split()) | scopes))
            row.granted_at = now
            db.session.flush()
            return
        try:
            with transaction.savepoint():
                db.session.add(
                    Consent(
                        user_id=user_id,
                        client_id=client_id,
                        scope=" ".join(sorted(scopes)),
                        granted_at=now,
                    )
                )
                db.session.flush()
            return
        except IntegrityError:  # a parallel consent inserted the row first: merge into it
            continue
    raise RuntimeError("the consent row neither exists nor can be inserted")


def list_for_user(user_id: int) -> list[tuple[Consent, Client | None]]:
    rows = db.session.execute(
        select(Consent, Client)
        .outerjoin(Client, Client.client_id == Consent.client_id)
        .where(Consent.user_id == user_id)
        .order_by(Consent.granted_at.desc())
    ).all()
    return [(c, cl) for c, cl in rows]


def withdraw(user_id: int, client_id: str) -> bool:
    result = cast(
        CursorResult[Any],
        db.session.execute(
            delete(Consent).where(Consent.user_id == user_id, Consent.client_id == client_id)
        ),
    )
    db.session.flush()
    return result.rowcount > 0
