"""Login throttling: a stranger slows down guessing but can never lock the owner out.

Every failure is counted three ways (docs/accounts.md, "Login throttling and lockout"):

- per (account, client IP) pair: ``max_failures`` lock that pair for ``lock_seconds``, each
  further lock of the pair doubling up to ``lock_max_seconds``. Only the guesser's address is
  locked; the owner elsewhere is not.
- per client IP, over every account: ``max_failures * ip_factor`` lock the address the same way.
- per account, over every address, never locking: from ``captcha_after_failures`` on every
  entry asks for the captcha, from ``code_after_failures`` on a correct password must be followed
  by a one-time code to the account's verified mobile (``bar``). The count lives
  ``lock_max_seconds`` from its last failure and ends with a completed sign-in.

``account`` is an opaque key naming the account (callers resolve every identifier of one account
to one key, and an unknown identifier to a key of its own). Callers say one generic thing
whatever the reason (no enumeration).
"""

from __future__ import annotations

import math

from ..ports import Clock, Store

NONE, CAPTCHA, CODE = "none", "captcha", "code"


class LoginThrottle:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        max_failures: int,
        lock_seconds: int,
        lock_max_seconds: int,
        ip_factor: int,
        captcha_after: int = 0,
        code_after: int = 0,
    ) -> None:
        self.store, self.clock = store, clock
        self.max_failures, self.lock_seconds = max_failures, lock_seconds
        self.lock_max_seconds, self.ip_factor = lock_max_seconds, ip_factor
        self.captcha_after, self.code_after = captcha_after, code_after

    def _locks(self, account: str, ip: str) -> list[tuple[str, int]]:
        return [
            (f"thr:pair:{account}:{ip}", self.max_failures),
            (f"thr:ip:{ip}", self.max_failures * self.ip_factor),
        ]

    def locked_for(self, account: str, ip: str) -> int:
        """Seconds until this address may try this account again (0: not locked)."""
        now = self.clock.now()
        wait = 0.0
        for key, _ in self._locks(account, ip):
            until = self.store.get(key + ":until")
            if until and float(until) > now:
                wait = max(wait, float(until) - now)
        return math.ceil(wait)

    def failures(self, account: str) -> int:
        """Failures of the account from every address since its last sign-in."""
        return int(self.store.get(f"thr:acct:{account}:n") or 0)

    def bar(self, account: str) -> str:
        """What the account's own failures ask of the next attempt: nothing, the captcha, or
        (after a correct password) a one-time code to its verified mobile."""
        count = self.failures(account)
        if self.code_after and count >= self.code_after:
            return CODE
        if self.captcha_after and count >= self.captcha_after:
            return CAPTCHA
        return NONE

    def failure(self, account: str, ip: str) -> None:
        now = self.clock.now()
        self.store.incr(f"thr:acct:{account}:n", self.lock_max_seconds)
        for key, limit in self._locks(account, ip):
            count = self.store.incr(key + ":n", self.lock_max_seconds)
            if count >= limit:
                level = self.store.incr(key + ":level", self.lock_max_seconds * 2)
                wait = min(self.lock_seconds * 2 ** (level - 1), self.lock_max_seconds)
                self.store.set(key + ":until", str(now + wait), ttl=int(wait) + 60)
                self.store.delete(key + ":n")

    def success(self, account: str, ip: str) -> None:
        """A completed sign-in: the account's count and this address's pair start again."""
        pair = f"thr:pair:{account}:{ip}"
        self.store.delete(f"thr:acct:{account}:n", pair + ":n", pair + ":until", pair + ":level")
