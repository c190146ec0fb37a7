"""Fail fast, not hang (issue 11): a database that is silent or slow costs a request seconds, not
minutes, and the request gets the 503 page; requests that need no database keep answering.

The silent database is a TCP server that accepts connections and never says a word (a partition
looks like that to the client). PostgreSQL only: SQLite is a local file.
"""

from __future__ import annotations

import os
import socket
import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from idp import create_app
from idp.adapters.database import engine_options
from idp.adapters.store import MemoryStore
from idp.extensions import db
from idp.services import services
from support import TEST_SETTINGS

pytestmark = pytest.mark.skipif(
    os.environ.get("IDP_TEST_DATABASE", "sqlite") != "postgres",
    reason="connection timeouts are PostgreSQL's (libpq); SQLite is a local file",
)


@pytest.fixture
def silent_server():
    """127.0.0.1:<port> that accepts and then says nothing, until the test ends."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held, done = [], threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not done.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    done.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


def _silent_url(port: int) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"


def test_connecting_to_a_silent_database_gives_up_after_the_connect_timeout(app, silent_server):
    settings = services().settings.replace({"database.connect_timeout": 1})
    url = _silent_url(silent_server)
    engine = create_engine(url, **engine_options(settings, url))
    with pytest.raises(OperationalError, match="timeout"):
        engine.connect()
    engine.dispose()


def test_a_statement_longer_than_the_statement_timeout_is_cut_off(app):
    settings = services().settings.replace({"database.statement_timeout": 1})
    url = str(db.engine.url.render_as_string(hide_password=False))
    engine = create_engine(url, **engine_options(settings, url))
    with engine.connect() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "1s"
        with pytest.raises(OperationalError, match="statement timeout"):
            conn.execute(text("SELECT pg_sleep(5)"))
    engine.dispose()


def test_connections_close_when_sent_data_stays_unacknowledged(app):
    """A partition in the middle of a request (the pool's pre-ping or a statement sent to a
    peer that vanished) fails after ``database.tcp_user_timeout``, not after TCP's minutes of
    retransmission: libpq's tcp_user_timeout is set on every connection."""
    settings = services().settings.replace({"database.tcp_user_timeout": 7})
    url = str(db.engine.url.render_as_string(hide_password=False))
    engine = create_engine(url, **engine_options(settings, url))
    with engine.connect() as conn:
        assert conn.connection.driver_connection.info.get_parameters()["tcp_user_timeout"] == (
            "7000"
        )
    engine.dispose()


def test_the_batch_commands_have_no_statement_timeout(app):
    url = str(db.engine.url.render_as_string(hide_password=False))
    options = engine_options(services().settings, url, batch=True)
    assert "options" not in options["connect_args"]
    assert (
        options["connect_args"]["connect_timeout"] == services().settings.database.connect_timeout
    )


def test_in_a_partition_database_pages_answer_503_and_the_others_keep_answering(silent_server):
    silent = create_app(
        {
            **TEST_SETTINGS,
            "database_url": _silent_url(silent_server),
            "database": {"connect_timeout": 1},
        },
        store=MemoryStore(),
    )
    client = silent.test_client()
    assert client.get("/.well-known/openid-configuration").status_code == 200
    token = client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": "x",
            "client_id": "any",
            "redirect_uri": "https://x/cb",
        },
    )
    assert token.status_code == 503 and token.json["error"] == "temporarily_unavailable"
    assert token.headers["Retry-After"]
