"""Reading the legacy export file for ``legacy_import`` (L1): format, encoding, CSV and JSON lines
records, and the on-disk index of the legacy ids already seen in the file.

``records`` yields ``(number, row, error)`` per record, in file order. ``number`` is the data-row
number the report gives: 1 is the first record after the CSV header (a quoted value may span
lines, so it is not a line number) or the first non-empty line of a JSON lines file. ``row`` is
a dict of column -> value (None when the record could not be read at all) that also holds, under
``RAW``, the record as the file spells it (the CSV header and the record's values, or the JSON
line: what the row digest is taken over, ``legacy_rows.digest``), ``error`` why the
record is unreadable (a ``Notice``) (bad CSV quoting, a column count unlike the header's, not a JSON object) or
None; undecodable bytes inside a value are ``legacy_rows.parse``'s concern (they spoil a field,
not the record). Problems of the file as a whole (unknown extension or encoding, a header
without the required columns) raise ``DomainError`` before any row is read, so nothing is
written; header warnings are reported as record 0.

``SeenIndex`` keeps every legacy id of the file with the number of its first record in a
temporary SQLite database on disk, so that a repeated id is refused without holding O(rows) in
memory (about 100 MB per million rows as a dict); it is queried once per batch and deleted at
the end.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from ..errors import DomainError, Notice
from . import rows as legacy_rows

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}
ENCODINGS = ("utf-8-sig", "gb18030")
REJECTED, WARNING = "rejected", "warning"
RAW = "\x00raw"  # the row's entry holding its record as spelt (no column name starts with NUL)
Record = tuple[int, "dict[str, Any] | None", "Notice | None"]
# issue(record number, legacy id, REJECTED or WARNING, reason)
Issue = Callable[[int, str, str, Notice], None]


def file_format(path: str, fmt: str | None = None) -> str:
    """``csv`` or ``jsonl``: the one given, else from the file's extension."""
    fmt = fmt or next((v for k, v in FORMATS.items() if path.lower().endswith(k)), None)
    if fmt not in ("csv", "jsonl"):
        raise DomainError("import.format_unknown")
    return fmt


def records(raw: IO[bytes], fmt: str, encoding: str, issue: Issue) -> Iterator[Record]:
    """The records of the open binary file ``raw``; unknown columns are reported via ``issue``
    as warnings (``issue(number, legacy_id, kind, reason)``). Checks run on the first ``next``."""
    if encoding not in ENCODINGS:
        raise DomainError("import.encoding", choices=ENCODINGS)
    _check_encoding(raw, encoding)
    stream = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
    try:
        yield from _csv(stream, issue) if fmt == "csv" else _jsonl(stream, issue)
    finally:
        stream.detach()  # ``raw`` stays the caller's to close


def _check_encoding(raw: IO[bytes], encoding: str) -> None:
    """Refuse, before anything is written, a file whose start is not in ``encoding``."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(raw.read(65536), final=False)
    except UnicodeDecodeError:
        raise DomainError("import.not_encoding", encoding=encoding) from None
    raw.seek(0)


def _csv(stream: Iterable[str], issue: Issue) -> Iterator[Record]:
    reader = csv.reader(stream)
    try:
        header = [(h or "").strip() for h in next(reader, None) or []]
    except csv.Error as exc:
        raise DomainError("import.header_unreadable", reason=str(exc)) from None
    missing = [c for c in legacy_rows.REQUIRED if c not in header]
    if missing:
        raise DomainError("import.header_missing", columns=",".join(missing))
    unknown = [h for h in header if h and h not in legacy_rows.COLUMNS]
    if unknown:
        issue(0, "", WARNING, Notice("import.columns_ignored", columns=",".join(unknown)))
    width, number = len(header), 0
    signature = "\x1f".join(header) + "\x1e"  # equal values under other columns differ
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            yield number, None, Notice("import.csv_row", reason=str(exc))
            continue
        if not values:
            continue  # a blank line is no record
        number += 1
        row = dict(zip(header, values))
        row[RAW] = signature + "\x1f".join(values)
        yield number, row, None if len(values) == width else Notice("import.columns")


def _jsonl(stream: Iterable[str], issue: Issue) -> Iterator[Record]:
    reported: set[str] = set()
    number = 0
    for text in stream:
        if not text.strip():
            continue
        number += 1
        try:
            row = json.loads(text)
        except ValueError:
            yield number, None, Notice("import.not_json")
            continue
        if not isinstance(row, dict):
            yield number, None, Notice("import.not_object")
            continue
        unknown = sorted(set(row) - set(legacy_rows.COLUMNS) - reported)
        if unknown:
            reported.update(unknown)
            issue(number, "", WARNING, Notice("import.fields_ignored", fields=",".join(unknown)))
        row[RAW] = text.strip()
        yield number, row, None


class SeenIndex:
    """The legacy ids (account keys) already taken in this file -> the number of their record,
    in ``seen(key TEXT PRIMARY KEY, line INTEGER)`` of a SQLite file in a temporary directory.
    A context manager: the directory and the database are removed on exit."""

    CHUNK = 500  # bound parameters per SELECT, well below SQLite's limit

    def __enter__(self) -> SeenIndex:
        self.folder = tempfile.TemporaryDirectory(prefix="idp-legacy-import-")
        self._db = sqlite3.connect(os.path.join(self.folder.name, "seen.sqlite3"))
        # a scratch index: no journal and no fsync (lost with the process anyway)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, line INTEGER NOT NULL)")
        return self

    def __exit__(self, *exc: object) -> None:
        self._db.close()
        self.folder.cleanup()

    def lines(self, keys: Iterable[str]) -> dict[str, int]:
        """The first record of each of ``keys`` already recorded (absent keys are left out)."""
        found: dict[str, int]
        keys, found = list(dict.fromkeys(keys)), {}
        for start in range(0, len(keys), self.CHUNK):
            chunk = keys[start : start + self.CHUNK]
            found.update(
                self._db.execute(
                    f"SELECT key, line FROM seen WHERE key IN ({','.join('?' * len(chunk))})", chunk
                )
            )
        return found

    def add(self, lines: dict[str, int]) -> None:
        self._db.executemany("INSERT INTO seen (key, line) VALUES (?, ?)", lines.items())
        self._db.commit()
