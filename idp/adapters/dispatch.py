"""The ``Dispatch`` port (``idp.domain.ports``): where a message delivery runs.

``inline`` runs it at once: the development outbox is a store write, with no latency to hide.
``BackgroundDispatch`` runs it on a small pool of daemon threads, for the real gateways (SMS over
HTTP, SMTP): a page that sends only on a match (handler binding, P3) must answer as fast as one
that sends nothing, and a gateway taking seconds would tell the two apart. A delivery that fails
there is logged by the domain; one that raises anything else is logged here and never reaches
the request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from ..config import Settings

log = logging.getLogger(__name__)


def inline(job: Callable[[], None]) -> None:
    job()


class BackgroundDispatch:
    def __init__(self, workers: int = 4):
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="idp-deliver")

    def __call__(self, job: Callable[[], None]) -> None:
        self.pool.submit(self._run, job)

    @staticmethod
    def _run(job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:  # already logged by the domain when it was a failed delivery
            log.info("background delivery ended with an error", exc_info=True)


def make_dispatch(settings: Settings) -> Callable[[Callable[[], None]], None]:
    """Background threads as soon as a real gateway is configured, else inline."""
    real = settings.sms.backend != "outbox" or settings.mail.backend != "outbox"
    return BackgroundDispatch() if real else inline
