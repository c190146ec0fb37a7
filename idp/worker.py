"""The background worker: back-channel logout deliveries, the session-expiry sweep, the audit
trail's sealer (``idp.domain.trail.chain.seal``) and the scheduled retention purge.

It runs either as a daemon thread inside each web process (``logout.background_worker``, the
embedded default) or as a process of its own (``idp worker``, for deployments whose web
processes set ``background_worker = false``). Several of either share the work safely: a
back-channel job is leased, not removed, when taken (``idp.protocol.logout``), so a worker that
stops or dies with it leaves it to another; the expiry sweep ends a session only after its
notices are queued; the purge runs in one process per interval (``retention.due``).

``run_until_stopped`` is the loop of both: a pass, then a wait that a stop event cuts short;
``idp worker`` sets the event on SIGTERM or SIGINT, so it stops after the current pass.
Failures are logged through ``OutageLog`` (once, then a summary), and the next pass retries.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Protocol

from .adapters.outage import OutageLog

log = logging.getLogger(__name__)


class Stop(Protocol):
    """What the loop needs of its stop event (``threading.Event``; tests pass their own)."""

    def is_set(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...


def run_pass(app) -> None:
    """One pass is one transaction, like a request (``idp.domain.transaction``); a purge that
    is due follows it, in transactions of its own (one per batch)."""
    from .domain import transaction
    from .domain.trail import chain, context
    from .protocol import logout, retention

    with app.app_context(), context.origin_of(context.WORKER):
        try:
            logout.sweep_expired_sessions()
            logout.deliver_due()
            transaction.commit()
            chain.seal(transaction.commit)  # the audit trail's entries of the last pass
            if retention.due():
                purged = retention.purge(transaction.commit)
                transaction.commit()
                log.info("retention purge: %s", "; ".join(purged.lines()))
        except BaseException:
            transaction.rollback_quietly()
            raise


def run_logged(app, outage: OutageLog) -> None:
    """One pass; a failure is logged through ``outage`` (once, then a summary) and the next
    pass retries, so the worker stays alive through an outage."""
    try:
        run_pass(app)
    except Exception as exc:
        outage.failed(exc)
    else:
        outage.ok()


def new_outage_log() -> OutageLog:
    return OutageLog(log, "background worker pass", traceback=True)


def run_until_stopped(app, stop: Stop, interval: float, outage: OutageLog | None = None) -> None:
    """Passes ``interval`` seconds apart until ``stop`` is set; a pass in progress finishes."""
    outage = outage or new_outage_log()
    while not stop.is_set():
        run_logged(app, outage)
        stop.wait(interval)


def stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    """SIGTERM and SIGINT set ``stop`` instead of ending the process mid-pass; returns a
    function that puts the previous handlers back. Main thread only (Python's rule)."""
    previous = {}

    def handler(signum, frame):
        log.info("worker stopping after the current pass (%s)", signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, handler)

    def restore() -> None:
        for signum, old in previous.items():
            signal.signal(signum, old)

    return restore


def start(app, interval: float) -> threading.Thread:
    stop = threading.Event()
    thread = threading.Thread(
        target=run_until_stopped, args=(app, stop, interval), name="idp-worker", daemon=True
    )
    thread.stop = stop
    thread.start()
    return thread


def start_worker(app) -> threading.Thread | None:
    """Start the background worker thread when the settings ask for it (servers, not tests)."""
    settings = app.extensions["idp"].settings
    if settings.logout.background_worker:
        return start(app, settings.logout.worker_interval)
    return None
