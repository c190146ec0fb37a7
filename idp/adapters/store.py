"""The ephemeral store: Redis in production, an in-process dictionary on a bare machine.

Both implement ``idp.domain.ports.Store``. ``pop`` is atomic in both (Redis GETDEL, a lock in
memory), which is what makes authorization codes single-use under concurrent redemption.
``zlease`` is atomic likewise (a Lua script, a lock): of the workers that try to take one due
job, exactly one moves it to the end of its lease (issue 11: a taken job is leased, not
removed, so a worker that dies with it leaves it to another once the lease ends).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import redis

# ZSCORE, then ZADD only when the member is still due: one step on the server (issue 11)
_ZLEASE = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  return 1
end
return 0
"""


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


class StoreUnavailable(Exception):
    """The store cannot be reached: callers fail closed (HTTP 503)."""


def _wrap(fn):
    def inner(self, *args, **kwargs):
        try:
            return fn(self, *args, **kwargs)
        except redis.RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc

    inner.__name__ = fn.__name__
    inner.__doc__ = fn.__doc__
    return inner


class RedisStore:
    def __init__(self, url: str, prefix: str):
        self.prefix = prefix
        self.r = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=2,
            socket_connect_timeout=2,
            health_check_interval=30,
        )
        self._zlease = self.r.register_script(_ZLEASE)

    def _k(self, key: str) -> str:
        return self.prefix + key

    @_wrap
    def get(self, key):
        return self.r.get(self._k(key))

    @_wrap
    def set(self, key, value, ttl=None, nx=False):
        return bool(self.r.set(self._k(key), value, ex=ttl, nx=nx))

    @_wrap
    def pop(self, key):
        return self.r.getdel(self._k(key))

    @_wrap
    def delete(self, *keys):
        return self.r.delete(*[self._k(k) for k in keys]) if keys else 0

    @_wrap
    def incr(self, key, ttl):
        pipe = self.r.pipeline()
        pipe.incr(self._k(key))
        pipe.expire(self._k(key), ttl, nx=True)
        return pipe.execute()[0]

    @_wrap
    def sadd(self, key, member, ttl=None):
        pipe = self.r.pipeline()
        pipe.sadd(self._k(key), member)
        if ttl:
            pipe.expire(self._k(key), ttl)
        pipe.execute()

    @_wrap
    def smembers(self, key):
        return set(self.r.smembers(self._k(key)))

    @_wrap
    def zadd(self, key, member, score):
        self.r.zadd(self._k(key), {member: score})

    @_wrap
    def zdue(self, key, max_score, limit):
        return list(self.r.zrangebyscore(self._k(key), "-inf", max_score, start=0, num=limit))

    @_wrap
    def zrem(self, key, member):
        return bool(self.r.zrem(self._k(key), member))

    @_wrap
    def zlease(self, key, member, now, until):
        return bool(self._zlease(keys=[self._k(key)], args=[member, now, until]))

    @_wrap
    def srem(self, key, *members):
        return self.r.srem(self._k(key), *members) if members else 0

    def scan(self, prefix: str) -> Iterator[str]:
        """Every key that starts with ``prefix`` (without the store's own prefix)."""
        try:
            for key in self.r.scan_iter(match=self._k(_glob_escape(prefix)) + "*", count=500):
                yield key[len(self.prefix) :]
        except redis.RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc

    @_wrap
    def lpush_capped(self, key, value, keep):
        pipe = self.r.pipeline()  # MULTI/EXEC: push and trim together
        pipe.lpush(self._k(key), value)
        pipe.ltrim(self._k(key), 0, keep - 1)
        pipe.execute()

    @_wrap
    def lrange(self, key, limit):
        return list(self.r.lrange(self._k(key), 0, limit - 1))

    @_wrap
    def ping(self):
        self.r.ping()

    @_wrap
    def clear_prefix(self):
        batch = []
        for key in self.r.scan_iter(match=self.prefix + "*", count=500):
            batch.append(key)
            if len(batch) >= 500:
                self.r.delete(*batch)
                batch = []
        if batch:
            self.r.delete(*batch)


class MemoryStore:
    """In-process store for one process (``./scripts/run`` and the embedded test run).

    Expiry follows ``now`` (the monotonic wall clock by default) so nothing lingers forever.
    """

    def __init__(self, prefix: str = "", now: Callable[[], float] = time.time):
        self.prefix = prefix
        self._now = now
        self._lock = threading.RLock()
        self._data: dict[str, object] = {}
        self._exp: dict[str, float] = {}

    def _live(self, key):
        exp = self._exp.get(key)
        if exp is not None and exp <= self._now():
            self._data.pop(key, None)
            self._exp.pop(key, None)
        return key in self._data

    def _ttl(self, key, ttl):
        if ttl:
            self._exp[key] = self._now() + ttl
        else:
            self._exp.pop(key, None)

    def get(self, key):
        with self._lock:
            value = self._data.get(key) if self._live(key) else None
            return value if isinstance(value, str) else None

    def set(self, key, value, ttl=None, nx=False):
        with self._lock:
            if nx and self._live(key):
                return False
            self._data[key] = value
            self._ttl(key, ttl)
            return True

    def pop(self, key):
        with self._lock:
            if not self._live(key):
                return None
            self._exp.pop(key, None)
            value = self._data.pop(key)
            return value if isinstance(value, str) else None

    def delete(self, *keys):
        with self._lock:
            n = 0
            for key in keys:
                if self._live(key):
                    n += 1
                self._data.pop(key, None)
                self._exp.pop(key, None)
            return n

    def incr(self, key, ttl):
        with self._lock:
            value = int(self._data[key]) + 1 if self._live(key) else 1
            had_ttl = key in self._exp
            self._data[key] = str(value)
            if not had_ttl:
                self._ttl(key, ttl)
            return value

    def sadd(self, key, member, ttl=None):
        with self._lock:
            members = self._data.get(key) if self._live(key) else None
            if not isinstance(members, set):
                members = set()
                self._data[key] = members
            members.add(member)
            if ttl:
                self._ttl(key, ttl)

    def smembers(self, key):
        with self._lock:
            members = self._data.get(key) if self._live(key) else None
            return set(members) if isinstance(members, set) else set()

    def zadd(self, key, member, score):
        with self._lock:
            zset = self._data.setdefault(key, {})
            zset[member] = score

    def zdue(self, key, max_score, limit):
        with self._lock:
            zset = self._data.get(key) or {}
            due = sorted((s, m) for m, s in zset.items() if s <= max_score)
            return [m for _, m in due[:limit]]

    def zrem(self, key, member):
        with self._lock:
            zset = self._data.get(key) or {}
            return zset.pop(member, None) is not None

    def zlease(self, key, member, now, until):
        """Move ``member`` to score ``until`` if it is still due at ``now``; True if it was."""
        with self._lock:
            zset = self._data.get(key) or {}
            score = zset.get(member)
            if score is None or score > now:
                return False
            zset[member] = until
            return True

    def srem(self, key, *members):
        with self._lock:
            found = self._data.get(key) if self._live(key) else None
            if not isinstance(found, set):
                return 0
            removed = len(found & set(members))
            found.difference_update(members)
            if not found:  # as Redis: an empty set is no key
                self.delete(key)
            return removed

    def scan(self, prefix: str) -> Iterator[str]:
        with self._lock:
            keys = [k for k in list(self._data) if k.startswith(prefix) and self._live(k)]
        yield from keys

    def lpush_capped(self, key, value, keep):
        """Newest first, at most ``keep`` items (a capped log such as the dev outbox)."""
        with self._lock:
            items = self._data.get(key) if self._live(key) else None
            items = [value] + (items if isinstance(items, list) else [])
            self._data[key] = items[:keep]

    def lrange(self, key, limit):
        with self._lock:
            items = self._data.get(key) if self._live(key) else None
            return list(items[:limit]) if isinstance(items, list) else []

    def ping(self):
        return None

    def clear_prefix(self):
        with self._lock:
            self._data.clear()
            self._exp.clear()


def make_store(url: str, prefix: str):
    """Choose the store adapter from the ``store_url`` setting."""
    if url.startswith("memory:"):
        return MemoryStore(prefix)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url, prefix)
    raise ValueError(f"store_url must be memory:// or redis://..., not {url!r}")
