"""``idp demo reset``: the demo data as ``idp demo seed`` left it, so the README's journeys can
be walked again (``demo.reset``: ``empty_all``, then ``seed``).

The simplest honest reset: every row of every table goes (users and organisations registered
during a walk, links made to the demo legacy accounts, supplementation results, reviews and
appeals, consents, tokens, signing keys, the audit trail), the uploaded files those rows named
go, the store is emptied (SSO sessions, parked sign-ins, codes, throttles and send counters,
the outbox); then ``seed`` runs again. The schema and its migration state stay.

Development only: refused when the settings say production (like ``seed``), and refused
against any database but the embedded one (SQLite, which production never runs on) unless
the operator confirms it (``--yes``): a PostgreSQL database may be someone's real data.
The in-process store (``memory://``) belongs to the process that serves, not to this
command: stop ``./scripts/run`` first, and its next start begins with an empty store.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.engine import make_url


class NotEmbedded(Exception):
    """The database is not the embedded development one and the reset was not confirmed."""

    def __init__(self, where: str):
        super().__init__(where)
        self.where = where


def embedded(database_url: str) -> bool:
    """True for SQLite, the embedded database of development (production refuses it)."""
    return make_url(database_url).get_backend_name() == "sqlite"


def empty_all(confirmed: bool = False) -> list[str]:
    """Empty the database, the uploaded files (once committed) and the store; a line per
    step."""
    from .domain import transaction
    from .domain.errors import DomainError
    from .domain.models import StoredFile
    from .extensions import db
    from .services import services

    svc = services()
    if svc.settings.production:
        raise DomainError("demo.production")
    url = svc.settings.database_url
    if not (embedded(url) or confirmed):
        raise NotEmbedded(make_url(url).render_as_string(hide_password=True))
    uploads = list(db.session.scalars(select(StoredFile.storage_name)))
    tables = _empty_tables()
    svc.store.clear_prefix()
    for name in uploads:  # once their rows are gone for good
        transaction.after_commit(lambda name=name: svc.files.delete(name))
    done = [f"emptied {tables} tables", "emptied the store"]
    if svc.settings.store_url.startswith("memory:"):
        done.append("the store is in-process: a running IdP keeps its own until it restarts")
    if uploads:
        done.append(f"uploaded files deleted: {len(uploads)}")
    return done


def _empty_tables() -> int:
    """Delete every row, ids restarting at 1. On PostgreSQL one TRUNCATE: it does not fire the
    audit trail's row trigger (append-only for the application, not for the owner of the
    database; ``idp audit verify`` starts again from an empty trail)."""
    from .extensions import db

    tables = db.metadata.sorted_tables
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        names = ", ".join(connection.dialect.identifier_preparer.format_table(t) for t in tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            connection.execute(table.delete())
        if connection.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")
        ).first():
            connection.execute(text("DELETE FROM sqlite_sequence"))
    db.session.expunge_all()  # the rows are gone: no object may stand for them any more
    return len(tables)
