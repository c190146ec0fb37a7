"""``idp legacy import``: load the legacy system's account export (L1), streaming and in batches.

The file (CSV with a header row, or JSON lines) is read as a stream, one row at a time; each row
is checked by ``legacy_rows.parse`` before the database is touched, so a bad row is reported
("line N: reason") and never aborts its batch. Valid rows go in batches of
``legacy.import_batch``: one ``SELECT ... WHERE account_key IN (...)`` per batch, inserts and
updates, one commit per batch; memory stays bounded for million-row files (apart from the set
of legacy ids already seen, kept to refuse a second row of the same id).

Idempotent: each account keeps the keyed digest of its exported row. On a re-run an unchanged
row is skipped; a changed row updates an unlinked account (its password hash only while it is
still a legacy-format hash: a user who already signed in keeps the rehashed one, L1); a linked
account is never changed (L3). A file that cannot be read, or a CSV header without the required
columns, raises ``DomainError`` before anything is written.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass, field
from typing import Callable, Iterator

from sqlalchemy import bindparam, case, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..services import services
from . import legacy_rows
from .errors import DomainError, ValidationError
from .models import LegacyAccount
from .models._types import from_timestamp

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}
ENCODINGS = ("utf-8-sig", "gb18030")
REJECTED, WARNING = "rejected", "warning"


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


def file_format(path: str, fmt: str | None = None) -> str:
    """``csv`` or ``jsonl``: the one given, else from the file's extension."""
    fmt = fmt or next((v for k, v in FORMATS.items() if path.lower().endswith(k)), None)
    if fmt not in ("csv", "jsonl"):
        raise DomainError("无法从扩展名判断文件格式，请用 --format csv 或 --format jsonl 指定。")
    return fmt


def import_file(path: str, *, fmt: str | None = None, encoding: str = "utf-8-sig",
                dry_run: bool = False,
                on_issue: Callable[[int, str, str, str], None] | None = None,
                on_progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import the export at ``path``. Each rejected row and dropped field is passed to
    ``on_issue(line, legacy_id, "rejected"|"warning", reason)`` (kept in ``report.issues``
    when no callback is given); ``on_progress(bytes read)`` after every batch."""
    fmt = file_format(path, fmt)
    if encoding not in ENCODINGS:
        raise DomainError(f"编码应为 {' 或 '.join(ENCODINGS)}。")
    report = ImportReport(dry_run)
    sink = on_issue or (lambda *item: report.issues.append(item))

    def issue(line: int, legacy_id: str, kind: str, reason: str) -> None:
        report.rejected += kind == REJECTED
        report.warnings += kind == WARNING
        sink(line, legacy_id[:64], kind, reason)

    ctx = legacy_rows.Context.current()
    size = max(1, int(ctx.svc.settings["legacy.import_batch"]))
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise DomainError(f"无法读取文件：{exc.strerror}。") from None
    with raw:
        _check_encoding(raw, encoding)
        stream = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        records = _csv(stream, issue) if fmt == "csv" else _jsonl(stream, issue)
        seen: dict[str, int] = {}
        batch: list = []
        for line, row, error in records:
            report.read += 1
            parsed = _checked(line, row, error, ctx, seen, issue)
            if parsed is None:
                continue
            batch.append(parsed)
            if len(batch) >= size:
                _flush(batch, report)
                batch = []
                if on_progress:
                    on_progress(raw.tell())
        _flush(batch, report)
    return report


def _checked(line, row, error, ctx, seen: dict[str, int], issue) -> legacy_rows.LegacyRow | None:
    """The parsed row, or None once its rejection is reported; its warnings are reported."""
    legacy_id = legacy_rows.text((row or {}).get("legacy_id"))
    try:
        if error:
            raise ValidationError(error)
        parsed = legacy_rows.parse(row, ctx)
    except ValidationError as exc:
        issue(line, legacy_id, REJECTED, exc.message)
        return None
    if parsed.key in seen:
        issue(line, legacy_id, REJECTED, f"历史账号与第 {seen[parsed.key]} 行重复。")
        return None
    seen[parsed.key] = line
    for warning in parsed.warnings:
        issue(line, legacy_id, WARNING, warning)
    return parsed


def _check_encoding(raw, encoding: str) -> None:
    """Refuse, before anything is written, a file whose start is not in ``encoding``."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(raw.read(65536), final=False)
    except UnicodeDecodeError:
        raise DomainError(f"文件不是 {encoding} 编码，请用 --encoding 指定正确的编码。") from None
    raw.seek(0)


def _bad_text(values) -> str | None:
    if any("\ufffd" in v or "\x00" in v for v in values if isinstance(v, str)):
        return "含有无法解码的字节或空字符，请核对文件编码。"
    return None


def _csv(stream, issue) -> Iterator[tuple[int, dict | None, str | None]]:
    reader = csv.DictReader(stream)
    try:
        header = [(h or "").strip() for h in reader.fieldnames or []]
    except csv.Error as exc:
        raise DomainError(f"无法读取表头：{exc}。") from None
    missing = [c for c in legacy_rows.REQUIRED if c not in header]
    if missing:
        raise DomainError(f"表头缺少必需的列：{','.join(missing)}；未导入任何记录。")
    unknown = [h for h in header if h and h not in legacy_rows.COLUMNS]
    if unknown:
        issue(1, "", WARNING, f"未知的列已忽略：{','.join(unknown)}。")
    reader.fieldnames = header
    while True:
        before = reader.line_num
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield before + 1, None, f"CSV 格式错误：{exc}。"
            continue
        # the line where the record starts (quoted values may span lines)
        line = reader.line_num - sum(v.count("\n") for v in row.values() if isinstance(v, str))
        if None in row or None in row.values():
            yield line, row, "列数与表头不一致。"
        else:
            yield line, row, _bad_text(row.values())


def _jsonl(stream, issue) -> Iterator[tuple[int, dict | None, str | None]]:
    reported: set[str] = set()
    for line, text in enumerate(stream, 1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except ValueError:
            yield line, None, "不是有效的 JSON。"
            continue
        if not isinstance(row, dict):
            yield line, None, "每行应为一个 JSON 对象。"
            continue
        unknown = sorted(set(row) - set(legacy_rows.COLUMNS) - reported)
        if unknown:
            reported.update(unknown)
            issue(line, "", WARNING, f"未知的字段已忽略：{','.join(unknown)}。")
        yield line, row, _bad_text(row.values())


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
