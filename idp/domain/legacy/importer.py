"""``idp legacy import``: load the legacy system's account export (L1), streaming and in batches.

The file (CSV with a header row, or JSON lines; read by ``legacy_files``) is read as a stream
of records, numbered as data rows (1 = the first record after the header). Rows go in batches of
``legacy.import_batch``. For each batch, before any row is parsed: every row's account key and
keyed digest of its record as the file spells it (``legacy_rows.digest``), one look-up of the keys in the on-disk
index of the ids already seen in the file, one ``SELECT`` of the accounts already imported
(``legacy_bulk.existing``). A row whose digest equals its account's is unchanged and skipped
there, without parsing, encrypting or hashing anything, so a re-run costs a fraction of the
first run. Every other row is checked by ``legacy_rows.parse``: a bad row is reported
("record N: reason") and never aborts its batch; a repeated id is refused with the number of
its first record. Then inserts and updates (``legacy_bulk.write``: COPY on PostgreSQL), and the
batch commit the CLI edge hands in (``commit``). With ``workers`` > 1 the rows are parsed in
worker processes (``legacy_workers``), a batch's parsing overlapping the writing of the batch
before, and the look-up of the accounts of the batch read next overlapping both
(``legacy_bulk.Lookup``). Memory stays bounded for million-row files (three batches in flight at
most); problems are reported in file order.

Idempotent: each account keeps the digest of its exported row. A changed row updates an
unlinked account (its password hash only while it is still a legacy-format hash: a user who
already signed in keeps the rehashed one, L1); a linked account is never changed (L3). Warnings
about dropped fields are reported when a row is imported or changed, not again for an unchanged
row. A file that cannot be read, or a CSV header without the required columns, raises
``DomainError`` before anything is written.

``filed_uscc_from_register``: an agency row without a ``filed_uscc`` cell takes the filed USCC
from the agency filing register (``AgencyFiling.legacy_account_key``, filled by
``idp registers import``; one query per batch). What the register gave is part of the row's
digest, so a later change on the register updates the account on the next import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ...extensions import db
from .. import transaction
from ..errors import DomainError, Notice
from ..models import AgencyFiling
from ..models._types import from_timestamp
from ..models.legacy import AGENCY
from . import (
    bulk as legacy_bulk,
)
from . import (
    files as legacy_files,
)
from . import (
    rows as legacy_rows,
)
from . import (
    workers as legacy_workers,
)
from .files import RAW, REJECTED, WARNING

AMBIGUOUS = "several"  # the register names several USCCs for one legacy account id
# a record (number, row or None, error or None) or a file warning (None, issue arguments, None)
Pending = tuple["int | None", Any, "Notice | None"]


@dataclass
class ImportReport:
    dry_run: bool
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    linked_kept: int = 0
    rejected: int = 0
    warnings: int = 0
    issues: list[tuple[int, str, str, Notice]] = field(default_factory=list)


def import_file(
    path: str,
    *,
    fmt: str | None = None,
    encoding: str = "utf-8-sig",
    dry_run: bool = False,
    password_scheme: str | None = None,
    filed_uscc_from_register: bool = False,
    workers: int = 1,
    on_issue: Callable[[int, str, str, Notice], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    commit: Callable[[], None] | None = None,
) -> ImportReport:
    """Import the export at ``path``. Each rejected row and dropped field is passed to
    ``on_issue(record number, legacy_id, "rejected"|"warning", reason)``, the reason a
    ``Notice`` (code and parameters; ``idp.messages.describe`` gives its words) (kept in
    ``report.issues`` when no callback is given; header problems are record 0);
    ``on_progress(bytes read)`` after every batch. ``workers`` > 1 parses in that many
    processes (``legacy_workers``), the report unchanged. ``commit`` (the CLI edge's
    ``transaction.commit``) ends each batch's transaction: a million-row file is many
    transactions by design, and a failure keeps the batches before it; without it the batches
    stay in the caller's transaction."""
    fmt = legacy_files.file_format(path, fmt)
    report = ImportReport(dry_run)
    sink = on_issue or (lambda *item: report.issues.append(item))

    def issue(number: int, legacy_id: str, kind: str, reason: Notice) -> None:
        report.rejected += kind == REJECTED
        report.warnings += kind == WARNING
        sink(number, legacy_id[:64], kind, reason)

    ctx = legacy_rows.Context.current(password_scheme)
    size = max(1, ctx.svc.settings.legacy.import_batch)
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise DomainError("import.file_unreadable", reason=exc.strerror) from None
    with (
        raw,
        legacy_files.SeenIndex() as seen,
        legacy_bulk.Lookup(background=commit is not None) as lookup,
        legacy_workers.Parser(ctx, workers, before_fork=lookup.wait) as parser,
    ):
        batch = _Batch(ctx, seen, parser, lookup, issue, report, filed_uscc_from_register, commit)
        pending: list[Pending] = []  # this batch's records and file warnings, in file order
        ahead = None  # the batch read last, its accounts being looked up
        started = None  # the batch before, parsing while the next ones are read

        def file_issue(*item: Any) -> None:
            pending.append((None, item, None))

        def step(read: _Read | None) -> None:
            nonlocal ahead, started
            ahead, current = read, ahead
            if current is not None:
                started, previous = batch.start(current), started
                if previous is not None:
                    batch.finish(previous)

        for number, row, error in legacy_files.records(raw, fmt, encoding, file_issue):
            report.read += 1
            pending.append((number, row, error))
            if len(pending) >= size:
                step(batch.read(pending))
                pending = []
                if on_progress:
                    on_progress(raw.tell())
        step(batch.read(pending))
        step(None)
        if started is not None:
            batch.finish(started)
    return report


@dataclass
class _Read:
    pending: list[Pending]  # the batch's records (and file warnings) in file order
    rows: list[tuple[int, dict[str, Any]]]  # the readable records: (number, row)
    keys: dict[int, str]  # record number -> account key
    found: Callable[[], dict[str, legacy_bulk.Existing]]  # the accounts' look-up under way


@dataclass
class _Started:
    pending: list[Pending]  # the batch's records (and file warnings) in file order
    # record number -> (account key, digest)
    known: dict[int, tuple[str, str]]
    found: dict[str, legacy_bulk.Existing]  # account key -> legacy_bulk.Existing
    filed: dict[str, str]  # account key -> the register's filed USCC index ("" / AMBIGUOUS)
    parsed: Callable[[], list[legacy_workers.Result]]  # the results of the rows to parse, in order


@dataclass
class _Batch:
    """What the batches of one import share, and the work of one batch: ``read`` starts the
    look-up of its accounts, ``start`` digests the rows and starts parsing the changed ones;
    ``finish`` decides, reports and writes, in file order."""

    ctx: legacy_rows.Context
    seen: legacy_files.SeenIndex
    parser: legacy_workers.Parser
    lookup: legacy_bulk.Lookup
    issue: legacy_files.Issue
    report: ImportReport
    from_register: bool
    commit: Callable[[], None] | None

    def read(self, pending: list[Pending]) -> _Read:
        rows = [(n, row) for n, row, error in pending if n is not None and not error]
        keys = {number: legacy_rows.key_of(row) for number, row in rows}
        return _Read(pending, rows, keys, self.lookup.submit(list(dict.fromkeys(keys.values()))))

    def start(self, read: _Read) -> _Started:
        rows, keys = read.rows, read.keys
        filed = self._filed(rows) if self.from_register else {}
        found = read.found()
        known: dict[int, tuple[str, str]] = {}  # number -> (key, digest)
        todo: list[legacy_workers.Item] = []
        for number, row in rows:
            key = keys[number]
            digest = legacy_rows.digest(row.pop(RAW), self.ctx, filed.get(key, ""))
            known[number] = key, digest
            old = found.get(key)
            # an equal digest means an equal, valid row: skipped here, never parsed (also when
            # it repeats an id: it is then refused as a repeat without parsing)
            if old is None or old.row_digest != digest:
                todo.append((row, _usable(filed.get(key))))
        return _Started(read.pending, known, found, filed, self.parser.submit(todo))

    def finish(self, batch: _Started) -> None:
        """One SELECT of the seen ids, then each record in file order; one batch commit."""
        report, issue, known, found = self.report, self.issue, batch.known, batch.found
        earlier = self.seen.lines(key for key, _ in known.values())
        results = iter(batch.parsed())
        taken: dict[str, int] = {}
        inserts: list[dict[str, Any]]
        updates: list[dict[str, Any]]
        inserts, updates = [], []
        now = from_timestamp(self.ctx.svc.clock.now())
        for number, row, error in batch.pending:
            if number is None:
                issue(*row)
                continue
            if error:
                issue(number, _legacy_id(row), REJECTED, error)
                continue
            key, digest = known[number]
            first, old = earlier.get(key) or taken.get(key), found.get(key)
            parsed: legacy_workers.Result | None = None
            if old is None or old.row_digest != digest:
                parsed = next(results)
                if isinstance(parsed, Notice):
                    issue(number, _legacy_id(row), REJECTED, parsed)
                    continue
            if first is not None:
                issue(number, _legacy_id(row), REJECTED, Notice("import.repeated", first=first))
                continue
            taken[key] = number
            if parsed is None:
                report.unchanged += 1
                continue
            assert not isinstance(parsed, Notice)  # a rejected row went on above
            legacy_id = _legacy_id(row)
            for warning in parsed.warnings + _register_warnings(key, batch.filed):
                issue(number, legacy_id, WARNING, warning)
            values = parsed.values  # this batch's own: completed in place
            values.update(row_digest=digest, updated_at=now)
            if old is None:
                report.inserted += 1
                values.update(account_key=key, imported_at=now)
                inserts.append(values)
            elif old.user_id is not None:
                report.linked_kept += 1  # L3: never changed
            else:
                report.updated += 1
                updates.append({"v_id": old.id, **{f"v_{k}": v for k, v in values.items()}})
        self.seen.add(taken)
        self._write(inserts, updates)

    def _write(self, inserts: list[dict[str, Any]], updates: list[dict[str, Any]]) -> None:
        if not self.report.dry_run and (inserts or updates):
            try:
                with transaction.savepoint():
                    legacy_bulk.write(inserts, updates)
            except legacy_bulk.Conflict:
                raise DomainError("import.write_conflict") from None
        if self.commit is not None:
            self.commit()

    def _filed(self, rows: list[tuple[int, dict[str, Any]]]) -> dict[str, str]:
        """Account key -> the filed USCC's blind index on the agency filing register, for the
        agency rows without a ``filed_uscc`` cell (one query); "" when the register has none,
        ``AMBIGUOUS`` when it names several."""
        wanted = {
            legacy_rows.key_of(row)
            for _, row in rows
            if legacy_rows.kind_of(row.get("type")) == AGENCY
            and not legacy_rows.text(row.get("filed_uscc"))
        }
        wanted.discard("")
        if not wanted:
            return {}
        found: dict[str | None, set[str]] = {}  # keys: only wanted ones, never None
        for key, bidx in db.session.execute(
            select(AgencyFiling.legacy_account_key, AgencyFiling.uscc_bidx).where(
                AgencyFiling.legacy_account_key.in_(wanted)
            )
        ):
            found.setdefault(key, set()).add(bidx)
        return {
            key: (
                next(iter(found[key]))
                if len(found.get(key, ())) == 1
                else AMBIGUOUS
                if key in found
                else ""
            )
            for key in wanted
        }


def _usable(filed: str | None) -> str | None:
    return None if filed in (None, "", AMBIGUOUS) else filed


def _register_warnings(key: str, filed: dict[str, str]) -> list[Notice]:
    if filed.get(key) == "":
        return [Notice("import.register_none")]
    if filed.get(key) == AMBIGUOUS:
        return [Notice("import.register_several")]
    return []


def _legacy_id(row: dict[str, Any] | None) -> str:
    """The legacy id as the report shows it."""
    return legacy_rows.text((row or {}).get("legacy_id"))
