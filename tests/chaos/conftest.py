"""Two IdP instances in one test, each reaching the shared PostgreSQL database and the shared
Redis through its own cuttable proxy (``tests/faults.py``), so that one back end of one instance
can fail while the other instance serves (issue 11).

``instances`` gives ``(a, b)``: two ``create_app`` objects of the test's settings on the run's
database and the test's Redis prefix, with the test's clock and sender; ``a.db`` and ``a.redis``
are A's proxies. The test body runs in the ``app`` fixture's context (its own direct
connections: users and clients are made there, and the tables are emptied after the test).

PostgreSQL + Redis only: the faults are network faults between an instance and shared back
ends, which SQLite (a local file) and the in-process store do not have. ``scripts/chaos`` runs
these tests; the normal suite runs them too when its back ends are PostgreSQL and Redis.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from faults import Proxy
from idp import create_app
from idp.adapters.store import RedisStore
from idp.extensions import db
from support import TEST_SETTINGS, Browser, RequestClient

REDIS_URL = os.environ.get("IDP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ON_PG_AND_REDIS = (
    os.environ.get("IDP_TEST_DATABASE", "sqlite") == "postgres"
    and os.environ.get("IDP_TEST_STORE", "memory") == "redis"
)
# fail within a second or two while a back end is cut (the defaults are for production)
FAST_FAILURE = {"database": {"connect_timeout": 2, "statement_timeout": 5, "pool_timeout": 2}}


@dataclass
class Instance:
    name: str
    app: Flask
    db: Proxy
    redis: Proxy
    store: RedisStore

    def client(self):
        return self.app.test_client()

    def browser(self, cookies_of: Browser | None = None) -> Browser:
        """A browser of this instance; with ``cookies_of``, the same browser behind a load
        balancer (one cookie jar for both instances)."""
        browser = Browser(self.app)
        if cookies_of is not None:
            browser.http._cookies = cookies_of.http._cookies
        return browser

    def heal(self) -> None:
        for proxy in (self.db, self.redis):
            proxy.disarm()
            proxy.passing()


def _through(url: str, proxy: Proxy) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)


def _instance(name, database_url, store_prefix, clock, sender, template_cache) -> Instance:
    pg = make_url(database_url)
    rd = make_url(REDIS_URL)
    db_proxy = Proxy(pg.host or "127.0.0.1", pg.port or 5432)
    redis_proxy = Proxy(rd.host or "127.0.0.1", rd.port or 6379)
    store = RedisStore(_through(REDIS_URL, redis_proxy), store_prefix)
    app = create_app(
        {**TEST_SETTINGS, **FAST_FAILURE, "database_url": _through(database_url, db_proxy)},
        clock=clock,
        store=store,
        sender=sender,
    )
    app.config["TESTING"] = True
    # as in production: an unhandled exception is answered by the error handlers (a 500 page),
    # not raised into the test, so the test sees what a client would
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.test_client_class = RequestClient
    app.jinja_env.bytecode_cache = template_cache
    return Instance(name, app, db_proxy, redis_proxy, store)


@pytest.fixture
def instances(app, database_url, store_prefix, clock, sender, template_cache):
    if not ON_PG_AND_REDIS:
        pytest.skip(
            "two instances on shared back ends: needs IDP_TEST_DATABASE=postgres and "
            "IDP_TEST_STORE=redis (scripts/chaos sets them)"
        )
    pair = [
        _instance(name, database_url, store_prefix, clock, sender, template_cache)
        for name in ("A", "B")
    ]
    yield tuple(pair)
    for instance in pair:
        instance.heal()
        with instance.app.app_context():
            db.session.remove()
            db.engine.dispose()
        instance.store.r.close()
        instance.db.close()
        instance.redis.close()
