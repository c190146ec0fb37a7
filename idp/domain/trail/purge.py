"""The audit trail's retention (issue 12, "Audit"; design in ``idp.domain.trail``).

``purge`` deletes the oldest sealed entries older than ``audit.keep_days`` — only a prefix of
the chain, so what stays is one unbroken chain — in batches that are each their own
transaction, then records a checkpoint entry (``audit.purged``: the last purged sequence
number and its hash) and seals it, so ``verify`` can accept the new oldest entry's previous
hash. Called by ``idp maintenance purge`` and the worker's scheduled purge
(``idp.protocol.retention``).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, func, select

from ...extensions import db
from ...services import services
from ..models import AuditEntry
from . import chain
from .events import AUDIT_PURGED
from .record import record

DAY = 86400


def purge(commit: Callable[[], None], now: float | None = None, batch: int = 1000) -> int:
    """Delete the sealed prefix of entries older than ``audit.keep_days``; returns how many."""
    svc = services()
    cutoff = int(svc.now() if now is None else now) - svc.settings.audit.keep_days * DAY
    young = db.session.scalar(
        select(func.min(AuditEntry.seq)).where(AuditEntry.seq.is_not(None), AuditEntry.at >= cutoff)
    )
    if young is None:
        young = (db.session.scalar(select(func.max(AuditEntry.seq))) or 0) + 1
    through = young - 1
    last = db.session.execute(
        select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq == through)
    ).first()
    if last is None:
        return 0
    oldest = db.session.scalar(select(func.min(AuditEntry.seq))) or through
    done = 0
    for start in range(oldest, through + 1, batch):
        stop = min(start + batch - 1, through)
        result = db.session.execute(
            delete(AuditEntry).where(AuditEntry.seq >= start, AuditEntry.seq <= stop)
        )
        done += int(getattr(result, "rowcount", 0) or 0)
        commit()
    record(AUDIT_PURGED, actor="system", count=done, through=through, hash=last.hash)
    commit()
    chain.seal(commit)
    return done
