"""``idp registers import``: load a register (Y1 agency filings, Y2 practitioners) from a CSV
file, streaming, all or nothing (docs/accounts.md, "The office's registers").

Two passes over the file, memory bounded whatever its size:
1. check: every row is read in batches and checked (``registers_rows.parse``); a USCC, document
   number or legacy id already seen in the file is found in an on-disk index
   (``legacy_files.SeenIndex``) and refused with the number of its first row. Nothing is
   written. Any rejected row, or ``dry_run``, ends the import here.
2. write: the file is read again and written in batches inside ONE transaction (Core
   ``executemany`` of INSERT ... ON CONFLICT (blind index) DO UPDATE, no ORM objects),
   in one savepoint of the command's transaction, which the CLI edge commits once: the
   register never holds half a file, and a failure midway leaves it as it was. The counts of
   new and updated rows are the check's.
Rows are numbered as data rows: 1 is the first record after the header, whatever line it
starts on (a quoted value may span lines); blank rows are not records.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ...extensions import db
from ...services import services
from .. import transaction
from ..errors import DomainError, Notice, ValidationError
from ..identity import documents
from ..legacy.files import ENCODINGS, SeenIndex
from ..models import AgencyFiling, Practitioner
from . import rows as registers_rows

BATCH = 1000
REJECTED, WARNING = "rejected", "warning"
HEADER = 0  # the row number given to problems of the header
# the models are mapped to Tables
TABLES = {
    "agencies": (cast(Table, AgencyFiling.__table__), "uscc_bidx"),
    "practitioners": (cast(Table, Practitioner.__table__), "id_number_bidx"),
}
# what must be unique -> the field it is, by kind (its column label: ``registers_rows.LABELS``)
UNIQUE = {
    "key": {"agencies": "uscc", "practitioners": "id_number"},
    "legacy_id": {"agencies": "legacy_id"},
}
# (data row, field -> text, why unreadable)
Record = tuple[int, "dict[str, str] | None", "ValidationError | None"]
Issue = Callable[[int, str, Notice], None]  # issue(row, REJECTED or WARNING, reason)


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    rejected_count: int = 0
    warning_count: int = 0
    moved: int = 0  # legacy ids the file gives to another filing than the one holding them
    # (row, reason), kept only when no ``on_issue`` callback was given (tests, the demo)
    rejected: list[tuple[int, Notice]] = field(default_factory=list)
    warnings: list[tuple[int, Notice]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected_count


def import_file(
    path: str,
    kind: str,
    *,
    dry_run: bool = False,
    encoding: str = "utf-8-sig",
    on_issue: Callable[[int, str, Notice], None] | None = None,
    batch_size: int = BATCH,
) -> ImportReport:
    """Check the whole file, then (unless ``dry_run`` or a row was rejected) write it all.
    Each problem goes to ``on_issue(row, "rejected"|"warning", reason)`` as it is found, the
    reason a ``Notice`` (its words: ``idp.messages.describe``) (row 0:
    the header); a file that cannot be read or lacks a required column raises DomainError."""
    if kind not in TABLES:
        raise DomainError("register.kind", "kind")
    if encoding not in ENCODINGS:
        raise DomainError("import.encoding", "encoding", choices=ENCODINGS)
    report = ImportReport(kind, dry_run)

    def issue(row: int, what: str, reason: Notice) -> None:
        report.rejected_count += what == REJECTED
        report.warning_count += what == WARNING
        if on_issue:
            on_issue(row, what, reason)
        else:
            (report.rejected if what == REJECTED else report.warnings).append((row, reason))

    today = documents.beijing_date(services().clock.now())
    stamp = _stamp(path)
    with SeenIndex() as seen:
        for batch in _batches(path, kind, encoding, batch_size, issue):
            report.rows += len(batch)
            _check(batch, kind, today, seen, issue, report)
    if dry_run or not report.ok:
        return report
    # the whole file in the caller's transaction (the CLI edge commits it): all rows or none
    with transaction.savepoint():
        if report.moved:
            _release_moved_keys(path, kind, encoding, batch_size, today)
        written = 0
        for batch in _batches(path, kind, encoding, batch_size, None):
            _write([_reparsed(record, kind, today) for record in batch], kind)
            written += len(batch)
        if _stamp(path) != stamp or written != report.rows:
            raise DomainError("register.file_changed")
    return report


def _stamp(path: str) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise DomainError("import.file_unreadable", reason=exc.strerror) from None
    return st.st_size, st.st_mtime_ns


def _batches(
    path: str, kind: str, encoding: str, size: int, issue: Issue | None
) -> Iterator[list[Record]]:
    batch: list[Record] = []
    for record in _records(path, kind, encoding, issue):
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _records(path: str, kind: str, encoding: str, issue: Issue | None) -> Iterator[Record]:
    """The file's records in order; the header is checked first (``registers_rows.header``);
    ignored columns are one warning (when ``issue`` is given: the first pass)."""

    def undecodable(code: str, **where: int) -> DomainError:
        return DomainError(code, None, encoding=encoding, choices=ENCODINGS, **where)

    try:
        fh = open(path, newline="", encoding=encoding)  # strict: a wrong encoding is refused
    except OSError as exc:
        raise DomainError("import.file_unreadable", reason=exc.strerror) from None
    with fh:
        reader = csv.reader(fh)
        try:
            columns = next(reader)
        except StopIteration:
            raise DomainError("register.empty") from None
        except UnicodeDecodeError:
            raise undecodable("register.header_undecodable") from None
        except csv.Error as exc:
            raise DomainError("register.header_unreadable", reason=str(exc)) from None
        fields, ignored = registers_rows.header(kind, columns)
        if ignored and issue:
            issue(HEADER, WARNING, Notice("register.columns_ignored", columns=ignored))
        number = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise undecodable("register.row_undecodable", row=number + 1) from None
            except csv.Error as exc:
                number += 1
                yield number, None, ValidationError("register.csv_row", reason=str(exc))
                continue
            if not any(v.strip() for v in values):
                continue  # a blank line, or a row of empty cells: not a record
            number += 1
            if len(values) != len(columns):
                yield (
                    number,
                    None,
                    ValidationError("register.columns", count=len(values), header=len(columns)),
                )
            else:
                yield number, {f: values[i] for i, f in fields.items()}, None


def _parse(record: Record, kind: str, today: dt.date) -> registers_rows.Row:
    number, text, error = record
    if error:
        raise error
    assert text is not None  # a readable record has its row
    return registers_rows.parse(kind, text, today)


def _check(
    batch: list[Record],
    kind: str,
    today: dt.date,
    seen: SeenIndex,
    issue: Issue,
    report: ImportReport,
) -> None:
    """First pass over one batch: parse, refuse repeats within the file, count new and known
    rows, warn when a legacy id moves from another agency. Reads only."""
    parsed, problems = {}, {}
    for record in batch:
        try:
            parsed[record[0]] = _parse(record, kind, today)
        except ValidationError as exc:
            problems[record[0]] = Notice.of(exc)
    rows = parsed.values()
    earlier = seen.lines(f"{n}:{v}" for r in rows for n, v in r.unique.items())
    known = _known(kind, [r.bidx for r in rows])
    holders = _legacy_holders([r.unique["legacy_id"] for r in rows if "legacy_id" in r.unique])
    taken: dict[str, int] = {}
    for number, *_ in batch:
        row = parsed.get(number)
        if row is None:
            issue(number, REJECTED, problems[number])
            continue
        keys = {name: f"{name}:{value}" for name, value in row.unique.items()}
        repeat = next(
            (
                (name, earlier.get(k) or taken.get(k))
                for name, k in keys.items()
                if k in earlier or k in taken
            ),
            None,
        )
        if repeat:
            issue(
                number,
                REJECTED,
                Notice(
                    "register.repeated",
                    first=repeat[1],
                    column=registers_rows.LABELS[UNIQUE[repeat[0]][kind]],
                ),
            )
            continue
        taken.update((k, number) for k in keys.values())
        if row.bidx in known:
            report.updated += 1
        else:
            report.created += 1
        if holders.get(row.unique.get("legacy_id", ""), row.bidx) != row.bidx:
            report.moved += 1
            issue(number, WARNING, Notice("register.legacy_id_moved"))
    seen.add(taken)


def _known(kind: str, keys: list[str]) -> set[str]:
    table, key = TABLES[kind]
    return (
        set(db.session.scalars(select(table.c[key]).where(table.c[key].in_(keys))))
        if keys
        else set()
    )


def _legacy_holders(keys: list[str]) -> dict[str, str]:
    """legacy account key -> the uscc_bidx of the filing holding it now."""
    if not keys:
        return {}
    table = cast(Table, AgencyFiling.__table__)
    return dict(
        db.session.execute(
            select(table.c.legacy_account_key, table.c.uscc_bidx).where(
                table.c.legacy_account_key.in_(keys)
            )
        ).all()
    )


def _reparsed(record: Record, kind: str, today: dt.date) -> registers_rows.Row:
    """Second pass: the row again (it passed the first pass unless the file changed since)."""
    try:
        return _parse(record, kind, today)
    except ValidationError:
        raise DomainError("register.file_changed") from None


def _release_moved_keys(path: str, kind: str, encoding: str, size: int, today: dt.date) -> None:
    """A legacy id belongs to one filing: the one the file gives it to. Taken from the filings
    that held it, before anything is written (only when the check found such a move)."""
    table = cast(Table, AgencyFiling.__table__)
    for batch in _batches(path, kind, encoding, size, None):
        rows = [_reparsed(record, kind, today) for record in batch]
        keys = [r.unique["legacy_id"] for r in rows if "legacy_id" in r.unique]
        if keys:
            db.session.execute(
                update(table)
                .where(
                    table.c.legacy_account_key.in_(keys),
                    table.c.uscc_bidx.not_in([r.bidx for r in rows]),
                )
                .values(legacy_account_key=None)
            )


def _write(rows: list[registers_rows.Row], kind: str) -> None:
    """Second pass over one batch: one INSERT ... ON CONFLICT (blind index) DO UPDATE,
    executemany (Core, no ORM objects). Measured faster on PostgreSQL than a SELECT of the
    batch's keys followed by inserts and updates (docs/accounts.md)."""
    if not rows:
        return
    table, key = TABLES[kind]
    stored = [row.stored(kind) for row in rows]
    dialects = {"postgresql": postgresql, "sqlite": sqlite}
    statement = dialects[db.session.get_bind().dialect.name].insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[key]],
        set_={c: statement.excluded[c] for c in stored[0] if c != key},
    )
    db.session.execute(statement, stored)
