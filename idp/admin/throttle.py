"""Admin login throttling: the citizens' limiter (``domain.signin.throttle.LoginThrottle``) on
counters of its own (store keys under ``adm:``), with the ``[admin]`` settings.

The choice (issue 12: "a stranger must not be able to lock out an admin forever"): failures —
a wrong password or a wrong TOTP code — count per (username, client IP) pair and per client IP;
``max_failures`` lock the pair for ``lock_seconds``, doubling per further lock up to
``lock_max_seconds`` (one hour by default), and ``max_failures * ip_factor`` lock the address.
Nothing locks the account itself: a guesser elsewhere locks only their own address, and every
lock ends within ``lock_max_seconds``. The username is counted by a keyed digest, so the store
never holds it, and an unknown username is counted like a real one.
"""

from __future__ import annotations

from ..domain import purposes
from ..domain.signin.throttle import LoginThrottle
from ..services import services

PREFIX = "adm:"


class Prefixed:
    """The store with every key under ``prefix``: the admin counters never meet the citizens'."""

    def __init__(self, store, prefix: str) -> None:
        self.store, self.prefix = store, prefix

    def get(self, key):
        return self.store.get(self.prefix + key)

    def set(self, key, value, ttl=None, nx=False):
        return self.store.set(self.prefix + key, value, ttl=ttl, nx=nx)

    def incr(self, key, ttl):
        return self.store.incr(self.prefix + key, ttl)

    def delete(self, *keys):
        return self.store.delete(*(self.prefix + k for k in keys))


def limiter() -> LoginThrottle:
    svc = services()
    admin = svc.settings.admin
    return LoginThrottle(
        Prefixed(svc.store, PREFIX),  # type: ignore[arg-type]
        svc.clock,
        max_failures=admin.max_failures,
        lock_seconds=admin.lock_seconds,
        lock_max_seconds=admin.lock_max_seconds,
        ip_factor=admin.ip_factor,
    )


def key(username: str) -> str:
    return services().blind_index("admin:" + username.strip().lower(), purposes.THROTTLE)
