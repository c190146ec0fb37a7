"""The background worker thread: back-channel logout deliveries and the session-expiry sweep.

One daemon thread per process; several processes share the work safely because taking a job
is an atomic ``zrem`` in the store.
"""
from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


def run_pass(app) -> None:
    """One pass is one transaction, like a request (``idp.domain.transaction``)."""
    from .domain import transaction
    from .protocol import logout
    with app.app_context():
        try:
            logout.sweep_expired_sessions()
            logout.deliver_due()
            transaction.commit()
        except BaseException:
            transaction.rollback_quietly()
            raise


def start(app, interval: float) -> threading.Thread:
    stop = threading.Event()

    def loop():
        while not stop.wait(interval):
            try:
                run_pass(app)
            except Exception:  # keep the worker alive; the next pass retries
                log.exception("background worker pass failed")

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
