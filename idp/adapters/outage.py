"""Logging a back end's outage once, then a summary (issue 11).

During an outage every request and every worker pass fails the same way; a traceback each time
buries the log. ``OutageLog`` writes the first failure (with its traceback where asked), then
one summary line per ``summary_every`` seconds while failures go on, and one line when the
work succeeds again (``ok``) or, for callers that never hear of success, when failures resume
after a quiet spell (a new outage).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable


class OutageLog:
    def __init__(
        self,
        log: logging.Logger,
        what: str,
        *,
        traceback: bool = False,
        summary_every: float = 60.0,
        now: Callable[[], float] = time.monotonic,
    ):
        self.log, self.what, self.traceback = log, what, traceback
        self.summary_every, self.now = summary_every, now
        self.lock = threading.Lock()
        self.since: float | None = None
        self.count = self.reported = 0
        self.last_failure = self.last_summary = 0.0

    def failed(self, exc: BaseException) -> None:
        t = self.now()
        with self.lock:
            if self.since is not None and t - self.last_failure > self.summary_every:
                self._recovered(self.last_failure)  # quiet for a while: that outage ended
            self.last_failure = t
            if self.since is None:
                self.since, self.count, self.reported, self.last_summary = t, 1, 1, t
                self.log.error(
                    "%s failing: %s",
                    self.what,
                    type(exc).__name__,
                    exc_info=exc if self.traceback else None,
                )
                return
            self.count += 1
            if t - self.last_summary >= self.summary_every:
                self.log.error(
                    "%s still failing: %d failures in %.0f s (last: %s)",
                    self.what,
                    self.count,
                    t - self.since,
                    type(exc).__name__,
                )
                self.last_summary, self.reported = t, self.count

    def ok(self) -> None:
        with self.lock:
            if self.since is not None:
                self._recovered(self.now())

    def _recovered(self, t: float) -> None:
        assert self.since is not None
        self.log.warning(
            "%s recovered after %d failures in %.0f s", self.what, self.count, t - self.since
        )
        self.since = None
