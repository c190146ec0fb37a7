"""How often verification codes may be sent (rule S7), counted in the store on the clock.

- One send per ``codes.resend_interval`` seconds per destination and purpose.
- Per destination: ``per_destination_hour`` per clock hour and ``per_destination_day`` per
  Beijing calendar day ("今日"); per client IP: ``per_ip_hour`` and ``per_ip_day``.
The IP is counted first, so a client over its own limit cannot use up a number's quota. Counters
are fixed windows incremented atomically (``incr``); the resend wait is an ``nx`` key whose
deadline is read against the clock, so a settable clock governs it on every store.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..errors import DomainError
from ..ports import Clock, Store

if TYPE_CHECKING:
    from ...config import Settings

BEIJING = 8 * 3600  # China Standard Time has no daylight saving
TOO_FREQUENT = ("send.too_frequent.seconds", "send.too_frequent.minutes")
TOO_MANY = ("send.too_many.seconds", "send.too_many.minutes")


class SendLimited(DomainError):
    """A send limit was reached; ``retry_after`` is the wait in seconds."""

    def __init__(self, code: str, retry_after: int, **params: int):
        super().__init__(code, "code", **params)
        self.retry_after = retry_after


def _limited(codes: tuple[str, str], wait: int) -> SendLimited:
    """The wait told in seconds (``codes[0]``) under two minutes, in minutes rounded up
    (``codes[1]``) from then on."""
    if wait < 120:
        return SendLimited(codes[0], wait, seconds=wait)
    return SendLimited(codes[1], wait, minutes=math.ceil(wait / 60))


class SendLimits:
    def __init__(self, store: Store, clock: Clock, settings: Settings) -> None:
        self.store, self.clock = store, clock
        codes = settings.codes
        self.interval = codes.resend_interval
        self.dest_hour, self.dest_day = codes.per_destination_hour, codes.per_destination_day
        self.ip_hour, self.ip_day = codes.per_ip_hour, codes.per_ip_day

    def take(self, target: str, person: str, client: str) -> str:
        """Count one send (``target``: destination+purpose, ``person``: destination, ``client``:
        IP, all opaque digests) or raise ``SendLimited``. Returns the resend-wait key, which
        ``release`` drops when the message could not be sent."""
        now = self.clock.now()
        gap = f"vc:gap:{target}"
        self._check_gap(gap, now)
        hour, day = int(now // 3600), int((now + BEIJING) // 86400)
        to_hour, to_day = (hour + 1) * 3600 - now, (day + 1) * 86400 - BEIJING - now
        try:
            self._count(f"vc:ih:{client}:{hour}", self.ip_hour, to_hour, 3600, TOO_FREQUENT)
            self._count(f"vc:id:{client}:{day}", self.ip_day, to_day, 86400, None)
            self._count(f"vc:dh:{person}:{hour}", self.dest_hour, to_hour, 3600, TOO_MANY)
            self._count(f"vc:dd:{person}:{day}", self.dest_day, to_day, 86400, None)
        except SendLimited:
            self.release(gap)  # the limit, not the resend wait, is what the user must hear
            raise
        return gap

    def release(self, gap: str) -> None:
        self.store.delete(gap)

    def _check_gap(self, key: str, now: float) -> None:
        until = now + self.interval
        if self.store.set(key, repr(until), ttl=self.interval, nx=True):
            return
        held = float(self.store.get(key) or 0)
        if held > now:
            wait = math.ceil(held - now)
            raise SendLimited("send.resend_wait", wait, seconds=wait)
        self.store.set(key, repr(until), ttl=self.interval)  # stale by the clock

    def _count(
        self, key: str, limit: int, wait: float, window: int, what: tuple[str, str] | None
    ) -> None:
        if self.store.incr(key, window + 60) <= limit:
            return
        wait = max(1, math.ceil(wait))
        if what is None:
            raise SendLimited("send.daily_limit", wait)
        raise _limited(what, wait)
