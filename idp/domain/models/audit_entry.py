"""The audit trail's entries (issue 12, "Audit"): one row per security event, append-only.

A row is inserted unsealed (``seq``, ``prev_hash`` and ``hash`` empty) in the transaction of the
event it records; the sealer of ``idp.domain.trail.chain`` later gives it the next sequence
number and the chain hash. Nothing else ever changes a row; only the retention purge deletes
old sealed rows (``idp.domain.trail``). ``subject_id`` has no foreign key on purpose: the trail
outlives the accounts it speaks of.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ._types import Model

BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite's rowid alias is INTEGER


class AuditEntry(Model):
    __tablename__ = "audit_trail"
    __table_args__ = (
        Index("ix_audit_trail_subject_at", "subject_id", "at"),
        Index("ix_audit_trail_event_at", "event", "at"),
        Index("ix_audit_trail_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[int] = mapped_column(Integer)  # Unix seconds, the service's (settable) clock
    event: Mapped[str] = mapped_column(String(40))  # trail.events vocabulary
    actor: Mapped[str | None] = mapped_column(String(64))  # user:7, admin:3, cli, system
    subject_id: Mapped[int | None] = mapped_column(Integer)  # the user the event is about
    client_id: Mapped[str | None] = mapped_column(String(255))
    ip: Mapped[str | None] = mapped_column(String(64))  # the client IP, "cli", "worker"
    result: Mapped[str] = mapped_column(String(8))  # ok / refused / failed
    detail: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON, never a secret
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)  # set by the sealer
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
