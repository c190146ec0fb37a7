"""The ephemeral store adapters (``idp.domain.ports.Store``): one contract, two back ends.

The same tests run on ``MemoryStore`` and on ``RedisStore`` (the latter when
``IDP_TEST_STORE=redis``). ``pop`` must be atomic — it is what makes authorization codes single
use (RFC 6749 §4.1.2, §10.5). A store that cannot be reached fails closed: ``StoreUnavailable``
inside, HTTP 503 outside (RFC 6749 §4.1.2.1 ``temporarily_unavailable`` on the token endpoint).
"""

from __future__ import annotations

import os
import secrets
import threading

import pytest

from idp import create_app
from idp.adapters.store import MemoryStore, RedisStore, StoreUnavailable, make_store
from support import TEST_SETTINGS, pkce_pair

REDIS_URL = os.environ.get("IDP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
DEAD_REDIS = "redis://127.0.0.1:1/0"


class FakeNow:
    def __init__(self, start: float = 1_800_000_000.0):
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def redis_kv():
    """A RedisStore under a random prefix, cleared afterwards; skipped without Redis."""
    if os.environ.get("IDP_TEST_STORE") != "redis":
        pytest.skip("RedisStore runs with IDP_TEST_STORE=redis")
    store = RedisStore(REDIS_URL, f"idp-test-store-{secrets.token_hex(6)}:")
    store.ping()  # fail, don't skip, when Redis was asked for and is down
    yield store
    store.clear_prefix()
    store.r.close()


@pytest.fixture(params=["memory", "redis"])
def kv(request):
    if request.param == "redis":
        return request.getfixturevalue("redis_kv")
    return MemoryStore(now=FakeNow())


@pytest.fixture
def mem():
    now = FakeNow()
    return MemoryStore(now=now), now


# --- the contract, on both back ends ------------------------------------------------------


def test_store_get_set(kv):
    assert kv.get("missing") is None
    assert kv.set("k", "v") is True
    assert kv.get("k") == "v"
    assert kv.set("k", "w") is True
    assert kv.get("k") == "w"
    assert kv.set("unicode", "统一身份认证") and kv.get("unicode") == "统一身份认证"


def test_store_set_nx(kv):
    assert kv.set("k", "first", ttl=60, nx=True) is True
    assert kv.set("k", "second", ttl=60, nx=True) is False
    assert kv.get("k") == "first"


def test_store_pop_is_single_use(kv):
    kv.set("code", "payload", ttl=60)
    assert kv.pop("code") == "payload"
    assert kv.pop("code") is None
    assert kv.get("code") is None
    assert kv.pop("never-set") is None


def test_store_pop_is_atomic_under_concurrency(kv):
    """Of many concurrent redemptions of one code exactly one gets it (RFC 6749 §10.5)."""
    for round_ in range(5):
        kv.set(f"code-{round_}", "payload", ttl=60)
        results: list[str | None] = []
        barrier = threading.Barrier(8)

        def redeem(barrier=barrier, results=results, key=f"code-{round_}"):
            barrier.wait()
            results.append(kv.pop(key))

        threads = [threading.Thread(target=redeem) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results.count("payload") == 1 and results.count(None) == 7


def test_store_delete(kv):
    kv.set("a", "1")
    kv.set("b", "2")
    assert kv.delete("a", "b", "c") == 2
    assert kv.get("a") is None and kv.get("b") is None
    assert kv.delete() == 0


def test_store_incr(kv):
    assert kv.incr("n", 60) == 1
    assert kv.incr("n", 60) == 2
    assert kv.incr("n", 60) == 3
    assert kv.get("n") == "3"
    assert kv.incr("other", 60) == 1


def test_store_sets(kv):
    assert kv.smembers("s") == set()
    kv.sadd("s", "a", ttl=60)
    kv.sadd("s", "b", ttl=60)
    kv.sadd("s", "a", ttl=60)
    assert kv.smembers("s") == {"a", "b"}
    kv.sadd("t", "x")
    assert kv.smembers("t") == {"x"}
    assert kv.delete("s") == 1
    assert kv.smembers("s") == set()


def test_store_sorted_set_due(kv):
    kv.zadd("q", "late", 300)
    kv.zadd("q", "early", 100)
    kv.zadd("q", "middle", 200)
    assert kv.zdue("q", 50, 10) == []
    assert kv.zdue("q", 200, 10) == ["early", "middle"]  # by score, bound inclusive
    assert kv.zdue("q", 1000, 2) == ["early", "middle"]  # limit
    kv.zadd("q", "early", 500)  # re-adding moves a member
    assert kv.zdue("q", 400, 10) == ["middle", "late"]
    assert kv.zrem("q", "middle") is True
    assert kv.zrem("q", "middle") is False  # taking a job succeeds once
    assert kv.zdue("q", 1000, 10) == ["late", "early"]
    assert kv.zdue("no-such-set", 1000, 10) == []
    assert kv.zrem("no-such-set", "x") is False


def test_store_zlease_takes_a_due_member_once_and_moves_it_to_the_lease_end(kv):
    """Taking a job leases it: its score moves to the lease's end, it is not removed, so a
    worker that dies with it leaves it due again afterwards (issue 11)."""
    kv.zadd("q", "job", 100)
    assert kv.zlease("q", "job", 99, 160) is False  # not due yet
    assert kv.zlease("q", "job", 100, 160) is True  # due (bound inclusive): taken
    assert kv.zlease("q", "job", 100, 160) is False  # taken: not due any more
    assert kv.zdue("q", 159, 10) == []
    assert kv.zdue("q", 160, 10) == ["job"]  # visible again when the lease ends
    assert kv.zlease("q", "job", 160, 220) is True
    assert kv.zlease("q", "missing", 1000, 2000) is False
    assert kv.zlease("no-such-set", "job", 1000, 2000) is False
    assert kv.zdue("q", 1000, 10) == ["job"]  # a lease never adds a member


def test_store_zlease_has_one_winner_under_concurrency(kv):
    for round_ in range(5):
        kv.zadd("q", f"job-{round_}", 100)
        results: list[bool] = []
        barrier = threading.Barrier(8)

        def take(barrier=barrier, results=results, member=f"job-{round_}"):
            barrier.wait()
            results.append(kv.zlease("q", member, 100, 160))

        threads = [threading.Thread(target=take) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results.count(True) == 1 and results.count(False) == 7


def test_store_srem(kv):
    kv.sadd("s", "a")
    kv.sadd("s", "b")
    kv.sadd("s", "c")
    assert kv.srem("s", "a", "x") == 1
    assert kv.smembers("s") == {"b", "c"}
    assert kv.srem("s") == 0
    assert kv.srem("s", "b", "c") == 2
    assert kv.smembers("s") == set()
    assert list(kv.scan("s")) == []  # an emptied set is gone
    assert kv.srem("no-such-set", "a") == 0


def test_store_scan_lists_keys_by_prefix(kv):
    kv.sadd("idx:1", "a")
    kv.sadd("idx:2", "b")
    kv.set("idx-other", "v")
    kv.set("other:idx:3", "v")
    kv.set("idx*[x]", "glob characters are literal")
    assert sorted(kv.scan("idx:")) == ["idx:1", "idx:2"]
    assert list(kv.scan("idx*")) == ["idx*[x]"]
    assert list(kv.scan("nothing:")) == []


def test_store_ping(kv):
    assert kv.ping() is None


def test_store_clear_prefix(kv):
    kv.set("a", "1")
    kv.sadd("s", "x")
    kv.zadd("z", "m", 1)
    kv.clear_prefix()
    assert kv.get("a") is None and kv.smembers("s") == set() and kv.zdue("z", 10, 10) == []


# --- expiry -------------------------------------------------------------------------------


def test_memory_store_ttl_follows_now(mem):
    store, now = mem
    store.set("k", "v", ttl=10)
    now.advance(9)
    assert store.get("k") == "v"
    now.advance(1)
    assert store.get("k") is None
    assert store.pop("k") is None
    assert store.set("k", "again", ttl=10, nx=True) is True  # expired keys do not block nx
    store.set("k", "forever")  # a set without ttl clears the old expiry
    now.advance(10_000)
    assert store.get("k") == "forever"


def test_memory_store_pop_after_expiry(mem):
    store, now = mem
    store.set("code", "x", ttl=60)
    now.advance(60)
    assert store.pop("code") is None


def test_memory_store_incr_keeps_first_ttl(mem):
    """A failure counter's window starts at the first failure; later ones don't extend it."""
    store, now = mem
    assert store.incr("n", 10) == 1
    now.advance(5)
    assert store.incr("n", 10) == 2
    now.advance(5)
    assert store.incr("n", 10) == 1  # the first window ended at +10


def test_memory_store_scan_skips_expired_keys(mem):
    store, now = mem
    store.set("p:a", "1", ttl=10)
    store.set("p:b", "1")
    now.advance(10)
    assert list(store.scan("p:")) == ["p:b"]


def test_memory_store_set_ttl(mem):
    store, now = mem
    store.sadd("s", "a", ttl=10)
    now.advance(10)
    assert store.smembers("s") == set()
    store.sadd("s", "b", ttl=10)
    assert store.smembers("s") == {"b"}


def test_redis_store_ttls_and_prefix(redis_kv):
    kv = redis_kv
    kv.set("k", "v", ttl=100)
    assert 0 < kv.r.ttl(kv.prefix + "k") <= 100
    kv.set("plain", "v")
    assert kv.r.ttl(kv.prefix + "plain") == -1
    kv.incr("n", 100)
    kv.incr("n", 5000)
    assert 0 < kv.r.ttl(kv.prefix + "n") <= 100  # the first ttl stays
    kv.sadd("s", "a", ttl=100)
    assert 0 < kv.r.ttl(kv.prefix + "s") <= 100
    # Keys live under the prefix, and clear_prefix leaves other prefixes alone.
    assert kv.r.get(kv.prefix + "k") == "v"
    neighbour = f"idp-test-neighbour-{secrets.token_hex(6)}:k"
    kv.r.set(neighbour, "keep", ex=60)
    try:
        kv.clear_prefix()
        assert kv.r.get(neighbour) == "keep"
        assert kv.get("k") is None
    finally:
        kv.r.delete(neighbour)


def test_make_store_chooses_adapter():
    assert isinstance(make_store("memory://", "p:"), MemoryStore)
    redis_store = make_store("redis://127.0.0.1:6379/0", "p:")
    assert isinstance(redis_store, RedisStore) and redis_store.prefix == "p:"
    redis_store.r.close()
    with pytest.raises(ValueError):
        make_store("postgres://nope", "p:")


# --- fail closed --------------------------------------------------------------------------


def test_redis_store_unreachable_raises_store_unavailable():
    store = RedisStore(DEAD_REDIS, "x:")
    try:
        for call in (
            lambda: store.ping(),
            lambda: store.get("k"),
            lambda: store.set("k", "v"),
            lambda: store.pop("k"),
            lambda: store.incr("k", 10),
            lambda: store.zdue("q", 1, 1),
            lambda: store.zlease("q", "m", 1, 2),
            lambda: store.srem("s", "m"),
            lambda: list(store.scan("s")),
        ):
            with pytest.raises(StoreUnavailable):
                call()
    finally:
        store.r.close()


@pytest.fixture
def dead_store_app(app, database_url):
    """A second app on the same database whose store is down."""
    from idp.extensions import db

    broken = create_app(
        {**TEST_SETTINGS, "database_url": database_url}, store=RedisStore(DEAD_REDIS, "x:")
    )
    broken.config["TESTING"] = True
    yield broken
    with broken.app_context():
        db.session.remove()
        db.engine.dispose()
    broken.extensions["idp"].store.r.close()


def test_store_down_token_endpoint_answers_503_json(dead_store_app, rp):
    data, headers = rp.auth(
        {
            "grant_type": "authorization_code",
            "code": "whatever",
            "redirect_uri": rp.redirect_uri,
            "code_verifier": "v" * 43,
        }
    )
    response = dead_store_app.test_client().post("/token", data=data, headers=headers)
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert response.get_json()["error"] == "temporarily_unavailable"
    assert response.headers.get("Retry-After")


def test_store_down_authorize_answers_503_page(dead_store_app, rp):
    _, challenge = pkce_pair()
    response = dead_store_app.test_client().get(
        "/authorize",
        query_string={
            "response_type": "code",
            "client_id": rp.client_id,
            "redirect_uri": rp.redirect_uri,
            "scope": "openid",
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.location is None  # fail closed: no redirect, no code
    assert "服务暂时不可用" in response.get_data(as_text=True)


def test_store_down_sso_cookie_is_not_trusted(dead_store_app, rp):
    """With a session cookie but no store, the IdP neither signs in nor errs open."""
    client = dead_store_app.test_client()
    client.set_cookie("idp_sso", "some-session-cookie")
    response = client.get("/account")
    assert response.status_code == 503


# --- capped lists (the development outbox, S7), on both back ends ---------------------------


def test_store_capped_list_keeps_the_newest_first(kv):
    assert kv.lrange("log", 10) == []
    for n in range(5):
        kv.lpush_capped("log", f"m{n}", keep=3)
    assert kv.lrange("log", 10) == ["m4", "m3", "m2"]
    assert kv.lrange("log", 2) == ["m4", "m3"]
    kv.lpush_capped("log", "统一身份认证", keep=3)
    assert kv.lrange("log", 1) == ["统一身份认证"]
    kv.delete("log")
    assert kv.lrange("log", 10) == []
    kv.lpush_capped("log", "again", keep=3)
    kv.clear_prefix()
    assert kv.lrange("log", 10) == []
