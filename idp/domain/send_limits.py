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

from .errors import DomainError
from .ports import Clock, Store

if TYPE_CHECKING:
    from ..config import Settings

BEIJING = 8 * 3600  # China Standard Time has no daylight saving


class SendLimited(DomainError):
    """A send limit was reached; ``retry_after`` is the wait in seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, "code")
        self.retry_after = retry_after


def _wait_text(seconds: int) -> str:
    return f"{seconds} 秒" if seconds < 120 else f"{math.ceil(seconds / 60)} 分钟"


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
            self._count(f"vc:ih:{client}:{hour}", self.ip_hour, to_hour, 3600, "发送过于频繁")
            self._count(f"vc:id:{client}:{day}", self.ip_day, to_day, 86400, None)
            self._count(f"vc:dh:{person}:{hour}", self.dest_hour, to_hour, 3600, "发送次数过多")
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
            raise SendLimited(f"发送过于频繁，请 {wait} 秒后再试。", wait)
        self.store.set(key, repr(until), ttl=self.interval)  # stale by the clock

    def _count(self, key: str, limit: int, wait: float, window: int, what: str | None) -> None:
        if self.store.incr(key, window + 60) <= limit:
            return
        wait = max(1, math.ceil(wait))
        if what is None:
            raise SendLimited("今日发送次数已达上限，请明天再试。", wait)
        raise SendLimited(f"{what}，请 {_wait_text(wait)}后再试。", wait)
