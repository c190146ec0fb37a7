"""Helpers of the audit trail tests: the entries as stored, and tampering as someone with the
database's rights would do it (on PostgreSQL past the append-only trigger)."""

from __future__ import annotations

import json

from sqlalchemy import select, text

from idp.domain import transaction
from idp.domain.models import AuditEntry
from idp.extensions import db


def entries(event: str | None = None) -> list[AuditEntry]:
    db.session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.id)
    if event is not None:
        query = query.where(AuditEntry.event == event)
    return list(db.session.scalars(query))


def only(event: str) -> AuditEntry:
    found = entries(event)
    assert len(found) == 1, [(e.event, e.detail) for e in entries()]
    return found[0]


def detail(entry: AuditEntry) -> dict:
    return json.loads(entry.detail)


def serialised(entry: AuditEntry) -> str:
    """Every column of the row as one text, to search for what must never be in it."""
    return json.dumps(
        {c.name: getattr(entry, c.key) for c in AuditEntry.__mapper__.columns},
        ensure_ascii=False,
    )


def tamper(sql: str, **params) -> None:
    """Run ``sql`` as the database's owner would: on PostgreSQL with triggers off."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(sql), params)
    db.session.expire_all()


def commit() -> None:
    transaction.commit()
