"""Remembered consent per user, client and scope; withdrawable by the user."""
from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, delete, select

from ...extensions import db
from ...services import services
from ..models import Client, Consent
from ..models._types import from_timestamp


def granted(user_id: int, client_id: str) -> set[str]:
    row = db.session.scalar(select(Consent).where(Consent.user_id == user_id,
                                                  Consent.client_id == client_id))
    return set(row.scope.split()) if row else set()


def covers(user_id: int, client_id: str, scopes: set[str]) -> bool:
    return scopes <= granted(user_id, client_id)


def remember(user_id: int, client_id: str, scopes: set[str]) -> None:
    now = from_timestamp(services().clock.now())
    row = db.session.scalar(select(Consent).where(Consent.user_id == user_id,
                                                  Consent.client_id == client_id))
    if row is None:
        db.session.add(Consent(user_id=user_id, client_id=client_id,
                               scope=" ".join(sorted(scopes)), granted_at=now))
    else:
        row.scope = " ".join(sorted(set(row.scope.split()) | scopes))
        row.granted_at = now
    db.session.flush()


def list_for_user(user_id: int) -> list[tuple[Consent, Client | None]]:
    rows = db.session.execute(
        select(Consent, Client).outerjoin(Client, Client.client_id == Consent.client_id)
        .where(Consent.user_id == user_id).order_by(Consent.granted_at.desc())).all()
    return [(c, cl) for c, cl in rows]


def withdraw(user_id: int, client_id: str) -> bool:
    result = cast(CursorResult[Any], db.session.execute(delete(Consent).where(
        Consent.user_id == user_id, Consent.client_id == client_id)))
    db.session.flush()
    return result.rowcount > 0
