"""Search and export of the audit trail (issue 12, "Audit"): by user, event type and time,
for ``idp audit search`` and the admin pages.

The CSV is for Excel: UTF-8 with a byte order mark, and every cell that a spreadsheet would
read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
prefixed with ``'`` (OWASP, "CSV Injection"), since a detail or a client id may carry text an
attacker chose.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from sqlalchemy import select

from ...extensions import db
from ..models import AuditEntry

COLUMNS = (
    "id",
    "at",
    "time",
    "event",
    "result",
    "actor",
    "subject_id",
    "client_id",
    "ip",
    "detail",
    "seq",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def search(
    *,
    user: int | None = None,
    event: str | None = None,
    since: int | None = None,
    until: int | None = None,
    limit: int | None = None,
    page: int = 1000,
    newest_first: bool = False,
) -> Iterator[AuditEntry]:
    """Entries matching every filter given, oldest first (newest first for a page that shows
    the latest), ``since`` inclusive, ``until`` exclusive (Unix seconds), read a page at a
    time."""
    query = select(AuditEntry)
    if user is not None:
        query = query.where(AuditEntry.subject_id == user)
    if event is not None:
        query = query.where(AuditEntry.event == event)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    if newest_first:
        query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    else:
        query = query.order_by(AuditEntry.at, AuditEntry.id)
    if limit is not None:
        query = query.limit(limit)
    yield from db.session.scalars(query.execution_options(yield_per=page))


def row(entry: AuditEntry) -> list[Any]:
    when = dt.datetime.fromtimestamp(entry.at, dt.UTC).isoformat()
    return [
        entry.id,
        entry.at,
        when,
        entry.event,
        entry.result,
        entry.actor,
        entry.subject_id,
        entry.client_id,
        entry.ip,
        entry.detail,
        entry.seq,
    ]


def safe_cell(value: Any) -> str:
    """The cell as text a spreadsheet shows and never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Writer(Protocol):
    """Where the CSV goes: a text file, or the command's output."""

    def write(self, text: str, /) -> int: ...


def write_csv(entries: Iterable[AuditEntry], out: Writer) -> int:
    """The entries as CSV (BOM, header, one safe row each); returns the number of rows."""
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for entry in entries:
        writer.writerow([safe_cell(v) for v in row(entry)])
        count += 1
    return count
