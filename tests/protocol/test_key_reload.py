"""Every instance sees a key rotation, even without the store's message (issue 11).

Two app objects on one database stand for two instances; the store of one of them raises on
demand (``FlakyStore``: Redis unreachable from that instance), and its database can be made to
raise too. Time is the keys cache's ``monotonic`` timer, moved by hand: no sleeps.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from idp import create_app
from idp.adapters.store import StoreUnavailable
from idp.domain import transaction
from idp.domain.models import SigningKey
from idp.domain.models.key import CURRENT, NEXT
from idp.extensions import db
from idp.protocol import keys
from idp.services import services
from support import TEST_SETTINGS

INTERVAL = 30  # protocol.keys_reload_interval


class Ticker:
    """The cache's monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FlakyStore:
    """One instance's view of the shared store; ``down`` makes every call fail as an
    unreachable Redis does (``StoreUnavailable``)."""

    def __init__(self, store) -> None:
        self.store, self.down = store, False

    def __getattr__(self, name):
        method = getattr(self.store, name)

        def call(*args, **kwargs):
            if self.down:
                raise StoreUnavailable("connection refused")
            return method(*args, **kwargs)

        return call


@pytest.fixture
def ticker(monkeypatch):
    ticker = Ticker()
    monkeypatch.setattr(keys, "monotonic", ticker)
    return ticker


@pytest.fixture
def other(app, database_url, clock, store, sender):
    """Instance B: its own app (cache, engine) on the same database and the same store."""
    flaky = FlakyStore(store)
    b = create_app({**TEST_SETTINGS, "database_url": database_url}, clock=clock, store=flaky)
    b.config["TESTING"] = True
    b.flaky_store = flaky
    yield b
    with b.app_context():
        db.engine.dispose()


def current_kid(alg: str = "RS256") -> str:
    return db.session.scalar(
        select(SigningKey.kid).where(SigningKey.alg == alg, SigningKey.state == CURRENT)
    )


def signing_kid(instance) -> str:
    with instance.app_context():
        return keys.signing_key("RS256")[0]


def published(instance) -> set[str]:
    response = instance.test_client().get("/jwks")
    assert response.status_code == 200
    return {k["kid"] for k in response.get_json()["keys"]}


def rotate_in_a() -> str:
    """``idp keys rotate`` in instance A, committed as the command's edge does."""
    new = keys.rotate("RS256", force=True).kid
    transaction.commit()
    return new


def test_rotation_reaches_an_instance_whose_store_is_down_within_the_reload_interval(
    app, other, ticker
):
    keys.ensure_keys()
    transaction.commit()
    old = current_kid()
    assert signing_kid(other) == old
    other.flaky_store.down = True

    new = rotate_in_a()
    assert signing_kid(app) == new  # A sees its own change at once

    ticker.advance(5)  # B cannot read the store: it keeps signing with the keys it has
    assert signing_kid(other) == old
    ticker.advance(INTERVAL - 5)
    assert signing_kid(other) == new
    with other.app_context():
        upcoming = db.session.scalar(
            select(SigningKey.kid).where(SigningKey.alg == "RS256", SigningKey.state == NEXT)
        )
    assert {old, new, upcoming} <= published(other)


def test_rotation_whose_store_message_was_lost_is_seen_within_the_reload_interval(
    app, other, store, ticker, caplog
):
    keys.ensure_keys()
    transaction.commit()
    old = current_kid()
    assert signing_kid(other) == old
    services().store = a_store = FlakyStore(store)
    a_store.down = True  # the store is down when A's rotation commits: its bump is lost

    new = rotate_in_a()
    assert "after-commit job failed" in caplog.text
    a_store.down = False

    ticker.advance(2)  # B reads the store: the version did not change
    assert signing_kid(other) == old
    ticker.advance(INTERVAL)
    assert signing_kid(other) == new


def test_store_message_still_brings_a_rotation_within_a_second(app, other, ticker):
    keys.ensure_keys()
    transaction.commit()
    assert signing_kid(other) == current_kid()
    new = rotate_in_a()
    ticker.advance(1)
    assert signing_kid(other) == new


def test_cached_keys_keep_serving_when_store_and_database_are_down(app, other, ticker):
    keys.ensure_keys()
    transaction.commit()
    before = published(other)
    old = signing_kid(other)
    other.flaky_store.down = True
    with other.app_context():
        engine = db.engine

    def database_down(conn, cursor, statement, parameters, context, executemany):
        raise OperationalError(statement, parameters, Exception("connection refused"))

    event.listen(engine, "before_cursor_execute", database_down)
    try:
        ticker.advance(INTERVAL)  # the re-read is due and fails: the cache answers
        assert published(other) == before
        assert signing_kid(other) == old
        ticker.advance(1)
        assert published(other) == before
    finally:
        event.remove(engine, "before_cursor_execute", database_down)


def test_a_timed_reread_without_a_change_is_one_select_and_keeps_the_loaded_keys(
    app, other, ticker
):
    keys.ensure_keys()
    transaction.commit()
    with other.app_context():
        first = keys.signing_key("RS256")
        engine = db.engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        ticker.advance(INTERVAL)
        with other.app_context():
            again = keys.signing_key("RS256")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [s.split()[0] for s in statements] == ["SELECT"]
    assert again[1] is first[1]  # not decrypted and imported again
