"""``idp legacy import``: load the legacy system's account export (L1), streaming and in batches.

The file (CSV with a header row, or JSON lines; read by ``legacy_files``) is read as a stream;
each row is checked by ``legacy_rows.parse`` before the database is touched, so a bad row is
reported ("line N: reason") and never aborts its batch. Rows go in batches of
``legacy.import_batch``: the batch's legacy ids are looked up in the on-disk index of the ids
already seen in the file (a repeated id is refused with the line of its first row), then one
``SELECT ... WHERE account_key IN (...)``, inserts and updates, one commit. Memory stays bounded
for million-row files; problems are reported in file order.

Idempotent: each account keeps the keyed digest of its exported row. On a re-run an unchanged
row is skipped; a changed row updates an unlinked account (its password hash only while it is
still a legacy-format hash: a user who already signed in keeps the rehashed one, L1); a linked
account is never changed (L3). A file that cannot be read, or a CSV header without the required
columns, raises ``DomainError`` before anything is written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import bindparam, case, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..services import services
from . import legacy_files, legacy_rows
from .errors import DomainError, ValidationError
from .legacy_files import REJECTED, WARNING
from .models import LegacyAccount
from .models._types import from_timestamp


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
    issues: list[tuple[int, str, str, str]] = field(default_factory=list)


def import_file(path: str, *, fmt: str | None = None, encoding: str = "utf-8-sig",
                dry_run: bool = False, password_scheme: str | None = None,
                on_issue: Callable[[int, str, str, str], None] | None = None,
                on_progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import the export at ``path``. Each rejected row and dropped field is passed to
    ``on_issue(line, legacy_id, "rejected"|"warning", reason)`` (kept in ``report.issues``
    when no callback is given); ``on_progress(bytes read)`` after every batch."""
    fmt = legacy_files.file_format(path, fmt)
    report = ImportReport(dry_run)
    sink = on_issue or (lambda *item: report.issues.append(item))

    def issue(line: int, legacy_id: str, kind: str, reason: str) -> None:
        report.rejected += kind == REJECTED
        report.warnings += kind == WARNING
        sink(line, legacy_id[:64], kind, reason)

    ctx = legacy_rows.Context.current(password_scheme)
    size = max(1, int(ctx.svc.settings["legacy.import_batch"]))
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise DomainError(f"无法读取文件：{exc.strerror}。") from None
    with raw, legacy_files.SeenIndex() as seen:
        pending: list = []  # this batch's rows and file warnings, in file order

        def file_issue(*item) -> None:
            pending.append((None, item))

        for line, row, error in legacy_files.records(raw, fmt, encoding, file_issue):
            report.read += 1
            pending.append((line, (row, error)))
            if len(pending) >= size:
                _flush(_checked(pending, ctx, seen, issue), report)
                pending = []
                if on_progress:
                    on_progress(raw.tell())
        _flush(_checked(pending, ctx, seen, issue), report)
    return report


def _checked(pending: list, ctx, seen: legacy_files.SeenIndex, issue) -> list:
    """The batch's valid rows, each parsed and new in the file; every rejection and warning is
    reported in file order. One look-up of the batch's legacy ids in ``seen`` (on disk)."""
    parsed, problems = {}, {}
    for index, (line, item) in enumerate(pending):
        if line is None:
            continue
        row, error = item
        try:
            if error:
                raise ValidationError(error)
            parsed[index] = legacy_rows.parse(row, ctx)
        except ValidationError as exc:
            problems[index] = exc.message
    earlier = seen.lines(p.key for p in parsed.values())
    batch, taken = [], {}
    for index, (line, item) in enumerate(pending):
        if line is None:
            issue(*item)
            continue
        legacy_id = legacy_rows.text((item[0] or {}).get("legacy_id"))
        row = parsed.get(index)
        if row is None:
            issue(line, legacy_id, REJECTED, problems[index])
        elif row.key in earlier or row.key in taken:
            first = earlier.get(row.key) or taken[row.key]
            issue(line, legacy_id, REJECTED, f"历史账号与第 {first} 行重复。")
        else:
            taken[row.key] = line
            batch.append(row)
            for warning in row.warnings:
                issue(line, legacy_id, WARNING, warning)
    seen.add(taken)
    return batch


def _flush(batch: list[legacy_rows.LegacyRow], report: ImportReport) -> None:
    """One batch: one SELECT of the existing accounts, inserts and updates, one commit."""
    if not batch:
        return
    now = from_timestamp(services().clock.now())
    table = LegacyAccount.__table__
    existing = {r.account_key: r for r in db.session.execute(
        select(table.c.id, table.c.account_key, table.c.row_digest, table.c.user_id)
        .where(table.c.account_key.in_([r.key for r in batch])))}
    inserts, updates = [], []
    for row in batch:
        found = existing.get(row.key)
        if found is None:
            report.inserted += 1
            inserts.append(dict(row.values, account_key=row.key, row_digest=row.digest,
                                imported_at=now, updated_at=now))
        elif found.row_digest == row.digest:
            report.unchanged += 1
        elif found.user_id is not None:
            report.linked_kept += 1
        else:
            report.updated += 1
            values = dict(row.values, row_digest=row.digest, updated_at=now)
            updates.append({"v_id": found.id, **{f"v_{k}": v for k, v in values.items()}})
    if report.dry_run:
        db.session.rollback()
        return
    try:
        if inserts:  # Core statements: executemany without the ORM's per-object work
            db.session.execute(insert(table), inserts)
        if updates:
            db.session.execute(_update_statement(updates[0]), updates)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError("写入失败：是否有另一个导入同时在运行？之前的批次已保存，"
                          "请稍后重新运行（已导入的行会被跳过）。") from None


def _update_statement(sample: dict):
    """Update one unlinked account (L3: a link made meanwhile wins). The password hash is
    replaced only while still a legacy-format hash: one a legacy login already rehashed to
    argon2id (``legacy_hashes.is_legacy``) is the user's password now (L1). Decided in the
    statement itself, so a login committing between our SELECT and UPDATE is not undone."""
    table = LegacyAccount.__table__
    values = {k[2:]: bindparam(k) for k in sample if k not in ("v_id", "v_password_hash")}
    values["password_hash"] = case((table.c.password_hash.like("$argon2%"),
                                    table.c.password_hash), else_=bindparam("v_password_hash"))
    return (update(table).where(table.c.id == bindparam("v_id"), table.c.user_id.is_(None))
            .values(values))
