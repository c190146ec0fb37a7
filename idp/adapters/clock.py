"""Clocks: the system clock, and a settable one for tests and time travel."""

from __future__ import annotations

import time


class SystemClock:
    def now(self) -> float:
        return time.time()


class SettableClock:
    """A clock tests move by hand: ``clock.advance(61)`` instead of ``sleep(61)``."""

    def __init__(self, start: float | None = None):
        self._now = time.time() if start is None else start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    def set(self, when: float) -> None:
        self._now = when
