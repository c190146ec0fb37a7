"""Writing one batch of the legacy import (L1, L3): the accounts that exist, inserts, updates.

``existing`` is one ``SELECT`` of a batch's account keys (id, digest, link); ``Lookup`` runs it
for the batch read ahead while this one is worked on (a thread with a connection of its own, on
PostgreSQL when each batch commits: a re-run spends most of its time waiting for it otherwise).
``write`` adds the
new accounts and updates the changed ones; the caller commits (one transaction per batch).
On PostgreSQL new accounts go in with ``COPY legacy_accounts FROM STDIN`` in binary format
(psycopg 3): measured 6 µs of the import's CPU a row against 13 µs in text format and 37 µs
for psycopg's pipelined ``executemany`` of ``INSERT`` (docs/legacy.md, "Speed and memory").
Only keys the ``SELECT`` did not find are inserted, so no merge is needed; an import running
at the same time makes the unique key fail and the batch is rolled back (``Conflict``). Other
databases (SQLite) use a Core ``executemany``. Updates are rare (a changed row of an unlinked
account) and take the same Core statement everywhere: it decides in SQL that a link made
meanwhile wins (L3) and that an argon2id hash stays (L1).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Engine,
    Select,
    String,
    Table,
    Update,
    any_,
    bindparam,
    case,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ..models import LegacyAccount

if TYPE_CHECKING:
    import psycopg

TABLE = cast(Table, LegacyAccount.__table__)  # mapped to a Table, as every model


class Conflict(Exception):
    """Another import wrote one of the batch's accounts since our ``SELECT``."""


class Existing(NamedTuple):
    """What ``existing`` gives per account (a SQLAlchemy row with these fields)."""

    account_key: str
    id: int
    row_digest: str
    user_id: int | None


def existing(keys: list[str]) -> dict[str, Existing]:
    """The batch's accounts already imported, by account key (one ``SELECT``)."""
    if not keys:
        return {}
    statement = _existing_statement(keys, db.session.get_bind().dialect.name)
    return _by_key(db.session.execute(statement).all())


def _existing_statement(keys: list[str], dialect: str) -> Select[Any]:
    c = TABLE.c
    if dialect == "postgresql":  # one array, not 1,000 parameters
        where = c.account_key == any_(bindparam("keys", keys, type_=ARRAY(String())))
    else:
        where = c.account_key.in_(keys)
    return select(c.account_key, c.id, c.row_digest, c.user_id).where(where)


def _by_key(rows: Any) -> dict[str, Existing]:
    # fetched at once (``all``): one round of the driver, not one per row
    return {row.account_key: row for row in cast("list[Existing]", rows)}


def _existing_on(engine: Engine, keys: list[str]) -> dict[str, Existing]:
    if not keys:
        return {}
    with engine.connect() as conn:
        return _by_key(conn.execute(_existing_statement(keys, engine.dialect.name)).all())


class Lookup:
    """``submit(keys)`` starts ``existing`` and returns a function giving its result. With
    ``background`` on PostgreSQL the ``SELECT`` runs in a thread on a connection of its own: it
    sees only what is committed, so the caller asks so only when every batch commits (the
    import's batches read ahead never hold a key an uncommitted batch wrote but as a repeat,
    which the import refuses by the file's own index). A context manager."""

    def __init__(self, background: bool) -> None:
        bind = db.session.get_bind()
        self.engine = bind if background and bind.dialect.name == "postgresql" else None
        self.pool: ThreadPoolExecutor | None = None
        self.last: Future[dict[str, Existing]] | None = None

    def __enter__(self) -> Lookup:
        if self.engine is not None:
            self.pool = ThreadPoolExecutor(1, thread_name_prefix="legacy-lookup")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, keys: list[str]) -> Callable[[], dict[str, Existing]]:
        if self.pool is None:
            found = existing(keys)
            return lambda: found
        self.last = self.pool.submit(_existing_on, cast(Engine, self.engine), keys)
        return self.last.result

    def wait(self) -> None:
        """Until the thread is idle (before a fork: a child never inherits a query under way)."""
        if self.last is not None:
            self.last.exception()


def write(inserts: list[dict[str, Any]], updates: list[dict[str, Any]]) -> None:
    """Insert ``inserts`` (column values) and apply ``updates`` (``v_``-prefixed values with
    ``v_id``, see ``_update_statement``) in the session's transaction; ``Conflict`` when a key
    was taken meanwhile (the caller rolls back)."""
    try:
        if inserts:
            if db.session.get_bind().dialect.name == "postgresql":
                _copy(inserts)
            else:  # Core executemany, without the ORM's per-object work
                db.session.execute(insert(TABLE), inserts)
        if updates:
            db.session.execute(_update_statement(updates[0]), updates)
    except IntegrityError:
        raise Conflict() from None


_COLUMN_TYPES: dict[str, str] = {}  # legacy_accounts' column -> its PostgreSQL type


def _copy(rows: list[dict[str, Any]]) -> None:
    """``COPY … FROM STDIN (FORMAT BINARY)``: psycopg writes each value by its column's type
    (read from the catalogue once), so neither side formats or parses text (measured: 6 µs a row
    of the import's CPU and 24 µs of the server's, against 13 and 27 in text format)."""
    from psycopg import errors
    from psycopg.types.json import set_json_dumps

    columns = list(rows[0])
    values_of = itemgetter(*columns)
    raw = cast("psycopg.Connection[Any]", db.session.connection().connection.driver_connection)
    try:
        with raw.cursor() as cursor:
            if not _COLUMN_TYPES:  # the schema is the migrations': read once per process
                _COLUMN_TYPES.update(
                    cursor.execute(
                        "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute"
                        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                        (TABLE.name,),
                    ).fetchall()
                )
            types = _COLUMN_TYPES
            set_json_dumps(_json_text, context=cursor)  # as SQLAlchemy's JSON type writes it
            with cursor.copy(
                f"COPY {TABLE.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types([types[c] for c in columns])
                for row in rows:
                    copy.write_row(values_of(row))
    except errors.IntegrityError:
        raise Conflict() from None


def _json_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _update_statement(sample: dict[str, Any]) -> Update:
    """Update one unlinked account (L3: a link made meanwhile wins). The password hash is
    replaced only while still a legacy-format hash: one a legacy login already rehashed to
    argon2id (``legacy_hashes.is_legacy``) is the user's password now (L1). Decided in the
    statement itself, so a login committing between our SELECT and UPDATE is not undone."""
    values: dict[str, ColumnElement[Any]] = {
        k[2:]: bindparam(k) for k in sample if k not in ("v_id", "v_password_hash")
    }
    values["password_hash"] = case(
        (TABLE.c.password_hash.like("$argon2%"), TABLE.c.password_hash),
        else_=bindparam("v_password_hash"),
    )
    return (
        update(TABLE)
        .where(TABLE.c.id == bindparam("v_id"), TABLE.c.user_id.is_(None))
        .values(values)
    )
