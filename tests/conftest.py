"""Test fixtures: a real database and store for every test run, and a settable clock.

Back ends are chosen by the environment (``scripts/test`` sets them):
- ``IDP_TEST_DATABASE=postgres`` creates a fresh PostgreSQL database for the run (dropped at
  the end; ``IDP_TEST_PG_URL`` names the server, default the local trust-auth one);
  otherwise a temporary SQLite file.
- ``IDP_TEST_STORE=redis`` uses Redis (``IDP_TEST_REDIS_URL``) under a random key prefix that
  is deleted after every test; otherwise the in-process store.
The schema comes from the real migrations. Tables are emptied after every test.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile

import pytest
from sqlalchemy import create_engine, text

from idp import create_app
from idp.adapters.clock import SettableClock
from idp.adapters.store import MemoryStore, RedisStore
from keypool import KeyPool, PrimedJwk
from support import (
    TEST_SETTINGS,
    Browser,
    RelyingParty,
    RequestClient,
    TemplateCache,
    make_relying_party,
    make_user,
)

BACKEND_DB = os.environ.get("IDP_TEST_DATABASE", "sqlite")
BACKEND_STORE = os.environ.get("IDP_TEST_STORE", "memory")
PG_URL = os.environ.get("IDP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("IDP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _pg_admin():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


_DROP = """
import sys
from sqlalchemy import create_engine, text
admin = create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
with admin.connect() as conn:
    conn.execute(text('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % sys.argv[2]))
"""


def _drop_database_later(name: str) -> None:
    """Drop the run's database in a child that outlives the run: DROP DATABASE waits for a
    checkpoint (every dirty page of the server written out), minutes on a busy disk, and
    nothing after the last test needs to wait for it (the shell starts it and returns)."""
    subprocess.run(
        [
            "sh",
            "-c",
            '"$0" -c "$1" "$2" "$3" </dev/null >/dev/null 2>&1 &',
            sys.executable,
            _DROP,
            PG_URL,
            name,
        ],
        check=True,
        start_new_session=True,
    )


@pytest.fixture(scope="session")
def database_url():
    if BACKEND_DB == "postgres":
        name = f"idp_test_{secrets.token_hex(6)}"
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            # a commit need not wait for its WAL to reach the disk: a throw-away database
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        url = PG_URL.rsplit("/", 1)[0] + "/" + name
        yield url
        admin.dispose()
        _drop_database_later(name)
    else:
        # in memory (tmpfs) where there is one: every commit's fsync is then nearly free
        shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
        folder = tempfile.mkdtemp(prefix="idp-test-", dir=shm)
        yield f"sqlite:///{folder}/idp.sqlite3"
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def store_prefix():
    return f"idp-test-{secrets.token_hex(6)}:"


@pytest.fixture(scope="session")
def _migrated(database_url, store_prefix):
    from flask_migrate import upgrade

    app = create_app({**TEST_SETTINGS, "database_url": database_url}, store=MemoryStore())
    with app.app_context():
        from idp.extensions import db

        upgrade()
        db.engine.dispose()
    return True


@pytest.fixture(scope="session")
def key_pool():
    """Signing key pairs generated once per run (see ``keypool``)."""
    return KeyPool()


@pytest.fixture(scope="session")
def template_cache():
    return TemplateCache()


@pytest.fixture
def clock():
    return SettableClock(1_800_000_000.0)


@pytest.fixture
def store(clock, store_prefix):
    if BACKEND_STORE == "redis":
        s = RedisStore(REDIS_URL, store_prefix)
        s.ping()  # fail, don't skip, when Redis was asked for and is down
        yield s
        s.clear_prefix()
        s.r.close()
    else:
        yield MemoryStore(now=clock.now)


@pytest.fixture
def sender():
    from support import RecordingSender

    return RecordingSender()


@pytest.fixture
def settings_overrides():
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def app(
    _migrated,
    database_url,
    clock,
    store,
    sender,
    settings_overrides,
    key_pool,
    template_cache,
    monkeypatch,
):
    from idp.extensions import db
    from idp.protocol import keys

    monkeypatch.setattr(keys, "jwk", PrimedJwk(key_pool))
    config = {**TEST_SETTINGS, "database_url": database_url}
    for key, value in settings_overrides.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    app = create_app(config, clock=clock, store=store, sender=sender)
    app.config["TESTING"] = True
    app.test_client_class = RequestClient
    app.jinja_env.bytecode_cache = template_cache
    ctx = app.app_context()
    ctx.push()
    yield app
    db.session.remove()
    _empty_tables(db)
    db.engine.dispose()
    ctx.pop()


# every sequence of the schema back to 1 (setval is not transactional, and cheap)
_RESTART_SEQUENCES = text(
    "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
)


def _empty_tables(db) -> None:
    """Delete every row, children first, and restart the ids (as an empty SQLite file does).
    On PostgreSQL this is DELETE, not TRUNCATE: TRUNCATE gives each table (and index) a new
    file that is fsynced at commit, dozens of synchronous writes per test."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # the audit trail's append-only trigger
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        if conn.dialect.name == "postgresql":
            conn.execute(_RESTART_SEQUENCES)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def browser(app):
    return Browser(app)


@pytest.fixture
def user(app):
    return make_user()


@pytest.fixture
def rp(app) -> RelyingParty:
    return make_relying_party()
