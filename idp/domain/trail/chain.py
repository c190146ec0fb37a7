"""The seal and its check (issue 12, "Audit"; design in ``idp.domain.trail``).

``seal`` gives the committed unsealed entries, oldest first, the next sequence numbers and chain
hashes, ``audit.seal_batch`` at a time, each batch one short transaction under a lock (the
caller hands in the edge's ``commit``). ``verify`` walks the chain and returns what it found.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import func, select, text

from ...extensions import db
from ...services import services
from ..models import AuditEntry
from .events import AUDIT_PURGED

log = logging.getLogger("idp.audit")

GENESIS = "0" * 64
_LOCK = 7_141_120_012  # the PostgreSQL advisory lock of the sealer


def canonical(entry: AuditEntry, seq: int) -> str:
    """The entry as hashed: every field but the seal's own hashes, in a fixed order."""
    return json.dumps(
        [
            seq,
            entry.id,
            entry.at,
            entry.event,
            entry.actor,
            entry.subject_id,
            entry.client_id,
            entry.ip,
            entry.result,
            entry.detail,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def digest(prev_hash: str, entry: AuditEntry, seq: int) -> str:
    """SHA-256 over the previous hash and the canonical entry."""
    return hashlib.sha256(f"{prev_hash}\n{canonical(entry, seq)}".encode()).hexdigest()


def _lock() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})


def last_sealed() -> tuple[int, str]:
    """(sequence number, hash) of the newest sealed entry; (0, GENESIS) before the first."""
    row = db.session.execute(
        select(AuditEntry.seq, AuditEntry.hash)
        .where(AuditEntry.seq.is_not(None))
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    ).first()
    if row is None or row.seq is None or row.hash is None:
        return 0, GENESIS
    return row.seq, row.hash


def seal(commit: Callable[[], None]) -> int:
    """Seal every committed unsealed entry, oldest first; returns how many were sealed."""
    batch = max(1, services().settings.audit.seal_batch)
    total = 0
    while True:
        _lock()
        seq, prev = last_sealed()
        rows = list(
            db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.seq.is_(None))
                .order_by(AuditEntry.id)
                .limit(batch)
            )
        )
        for entry in rows:
            seq += 1
            entry.seq, entry.prev_hash, entry.hash = seq, prev, digest(prev, entry, seq)
            prev = entry.hash
        db.session.flush()
        commit()
        total += len(rows)
        if rows:  # the log keeps the head outside the database: a cut tail shows against it
            log.info("audit trail sealed through seq=%d hash=%s", seq, prev)
        if len(rows) < batch:
            return total


@dataclass(frozen=True)
class Problem:
    """One finding of ``verify``: ``kind`` is altered, deleted, reordered, head or unsealed."""

    kind: str
    seq: int | None
    entry_id: int | None
    text: str

    def line(self) -> str:
        return f"{self.kind}\tseq={self.seq}\tid={self.entry_id}\t{self.text}"


def _sealed(page: int = 1000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(
            db.session.scalars(
                select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(page)
            )
        )
        yield from rows
        if len(rows) < page:
            return
        last = rows[-1].seq or last
        db.session.expunge_all()


def verify(now: float | None = None) -> list[Problem]:
    """Walk the chain from the oldest kept entry; return the first break of the chain (an
    altered, deleted or reordered entry, or a head no purge checkpoint accounts for) and every
    unsealed entry older than ``audit.seal_grace`` seconds. Empty: the trail is intact."""
    svc = services()
    problems: list[Problem] = []
    first: tuple[int, str, int] | None = None
    checkpoints: set[tuple[int, str]] = set()
    expected_seq, expected_prev = 0, ""
    for entry in _sealed():
        seq = entry.seq or 0
        if first is None:
            first = (seq, entry.prev_hash or "", entry.id)
        elif seq != expected_seq + 1:
            problems.append(
                Problem("deleted", seq, entry.id, f"entries {expected_seq + 1}..{seq - 1} missing")
            )
            break
        elif entry.prev_hash != expected_prev:
            problems.append(
                Problem("reordered", seq, entry.id, "its previous hash is not the entry before")
            )
            break
        if entry.hash != digest(entry.prev_hash or "", entry, seq):
            problems.append(Problem("altered", seq, entry.id, "its hash does not match it"))
            break
        if entry.event == AUDIT_PURGED:
            detail = json.loads(entry.detail)
            checkpoints.add((int(detail.get("through", -1)), str(detail.get("hash", ""))))
        expected_seq, expected_prev = seq, entry.hash or ""
    if first is not None and not problems:
        seq, prev, entry_id = first
        if not ((seq == 1 and prev == GENESIS) or (seq > 1 and (seq - 1, prev) in checkpoints)):
            problems.append(
                Problem("head", seq, entry_id, "the oldest entry follows no purge checkpoint")
            )
    cutoff = (svc.now() if now is None else now) - svc.settings.audit.seal_grace
    for entry_id, at in db.session.execute(
        select(AuditEntry.id, AuditEntry.at)
        .where(AuditEntry.seq.is_(None), AuditEntry.at < cutoff)
        .order_by(AuditEntry.id)
        .limit(100)
    ):
        problems.append(Problem("unsealed", None, entry_id, f"unsealed since {at}"))
    return problems


def unsealed_count() -> int:
    return int(db.session.scalar(select(func.count()).where(AuditEntry.seq.is_(None))) or 0)
