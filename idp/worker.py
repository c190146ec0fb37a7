"""The background worker thread: back-channel logout deliveries, the session-expiry sweep and
the scheduled retention purge (``idp.protocol.retention``, one process per interval).

One daemon thread per process; several processes share the work safely because taking a job
is an atomic ``zrem`` in the store.
"""

from __future__ import annotations

import logging
import threading

from .adapters.outage import OutageLog

log = logging.getLogger(__name__)


def run_pass(app) -> None:
    """One pass is one transaction, like a request (``idp.domain.transaction``); a purge that
    is due follows it, in transactions of its own (one per batch)."""
    from .domain import transaction
    from .protocol import logout, retention

    with app.app_context():
        try:
            logout.sweep_expired_sessions()
            logout.deliver_due()
            transaction.commit()
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


def start(app, interval: float) -> threading.Thread:
    stop = threading.Event()
    outage = OutageLog(log, "background worker pass", traceback=True)

    def loop():
        while not stop.wait(interval):
            run_logged(app, outage)

    thread = threading.Thread(target=loop, name="idp-worker", daemon=True)
    thread.stop = stop
    thread.start()
    return thread


def start_worker(app) -> threading.Thread | None:
    """Start the background worker when the settings ask for it (servers, not tests)."""
    settings = app.extensions["idp"].settings
    if settings.logout.background_worker:
        return start(app, settings.logout.worker_interval)
    return None
