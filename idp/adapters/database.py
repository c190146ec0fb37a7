"""How the IdP connects to its database: timeouts so that a partition fails fast (issue 11).

PostgreSQL gets a connect timeout, TCP keepalives, a TCP user timeout (sent data that stays
unacknowledged closes the connection: a peer that vanished mid-request, when the pool's
pre-ping or a statement would otherwise wait out TCP's retransmissions) and, for the web app, a
server-side statement timeout (``database`` settings); the pool waits ``pool_timeout`` for a free connection and
checks a connection before handing it out. A connection that cannot be made, a statement cut
off by the timeout and a pool that stays empty all raise SQLAlchemy errors that the error
pages turn into a 503 (``idp.web.errors``). SQLite, a local file, needs none of it.
"""

from __future__ import annotations

from typing import Any

from ..config import Settings


def engine_options(settings: Settings, url: str, *, batch: bool = False) -> dict[str, Any]:
    """The SQLAlchemy engine options for ``url``. ``batch`` (the import commands): no statement
    timeout, as one batch of a million-row import may run longer than any page."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if not url.startswith("postgresql"):
        return options
    db = settings.database
    connect_args: dict[str, Any] = {
        "connect_timeout": db.connect_timeout,
        "keepalives": 1,
        "keepalives_idle": db.keepalives_idle,
        "keepalives_interval": 10,
        "keepalives_count": 3,
        "tcp_user_timeout": db.tcp_user_timeout * 1000,
    }
    if db.statement_timeout and not batch:
        connect_args["options"] = f"-c statement_timeout={db.statement_timeout * 1000}"
    options.update(connect_args=connect_args, pool_timeout=db.pool_timeout)
    return options
