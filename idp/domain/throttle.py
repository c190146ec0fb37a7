"""Login throttling: failures per account and per client IP, with escalating locks.

``max_failures`` failures inside the lock window lock the key for ``lock_seconds``; every further
lock of the same key doubles the wait up to ``lock_max_seconds``. A success clears the account's
counter. Callers show one generic message whatever the reason (no enumeration).
"""
from __future__ import annotations

import math


class LoginThrottle:
    def __init__(self, store, clock, *, max_failures: int, lock_seconds: int,
                 lock_max_seconds: int, ip_factor: int):
        self.store, self.clock = store, clock
        self.max_failures, self.lock_seconds = max_failures, lock_seconds
        self.lock_max_seconds, self.ip_factor = lock_max_seconds, ip_factor

    def _keys(self, account: str, ip: str):
        return [(f"thr:acct:{account}", self.max_failures), (f"thr:ip:{ip}",
                                                              self.max_failures * self.ip_factor)]

    def locked_for(self, account: str, ip: str) -> int:
        """Seconds until a login may be tried again (0: not locked)."""
        now = self.clock.now()
        wait = 0.0
        for key, _ in self._keys(account, ip):
            until = self.store.get(key + ":until")
            if until and float(until) > now:
                wait = max(wait, float(until) - now)
        return math.ceil(wait)

    def failures(self, account: str) -> int:
        """Failures of the account since its last success or lock (the captcha threshold)."""
        return int(self.store.get(f"thr:acct:{account}:n") or 0)

    def failure(self, account: str, ip: str) -> None:
        now = self.clock.now()
        for key, limit in self._keys(account, ip):
            count = self.store.incr(key + ":n", self.lock_max_seconds)
            if count >= limit:
                level = self.store.incr(key + ":level", self.lock_max_seconds * 2)
                wait = min(self.lock_seconds * 2 ** (level - 1), self.lock_max_seconds)
                self.store.set(key + ":until", str(now + wait), ttl=int(wait) + 60)
                self.store.delete(key + ":n")

    def success(self, account: str) -> None:
        key = f"thr:acct:{account}"
        self.store.delete(key + ":n", key + ":until", key + ":level")
