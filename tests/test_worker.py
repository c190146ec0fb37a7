"""The worker loop and ``idp worker`` (issue 11): passes until a stop event is set, a pass in
progress finishes, SIGTERM and SIGINT stop the command cleanly, and an outage is logged once
with a summary afterwards (``OutageLog``), not a traceback per pass. No test sleeps: the loop's
wait is the stop event's, and the tests hand in their own.
"""

from __future__ import annotations

import logging
import signal
import threading

import pytest

from idp import worker
from idp.adapters.store import StoreUnavailable
from idp.protocol import logout
from idp.services import services
from support import make_relying_party

URI = "http://127.0.0.1:9/backchannel"


class Ticks:
    """A stop event that is set after ``passes`` waits, and records each wait's timeout."""

    def __init__(self, passes: int):
        self.left = passes
        self.waits: list[float | None] = []

    def is_set(self) -> bool:
        return self.left <= 0

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        self.left -= 1
        return self.is_set()


@pytest.fixture
def notice(app, user):
    """One back-channel notice queued for delivery."""
    rp = make_relying_party(name="带后端通道的应用", backchannel_logout_uri=URI)
    from idp.domain import transaction

    logout.queue_notices(user.sub, "sid-1", [rp.client_id])
    transaction.commit()
    return rp


def test_the_loop_runs_a_pass_then_waits_until_stopped(app, notice, sender, monkeypatch):
    ticks = Ticks(passes=3)
    passes = []
    original = worker.run_pass

    def counted(app_):
        passes.append(1)
        original(app_)

    monkeypatch.setattr(worker, "run_pass", counted)
    worker.run_until_stopped(app, ticks, 2.5)
    assert len(passes) == 3 and ticks.waits == [2.5, 2.5, 2.5]
    assert [url for url, _ in sender.sent] == [URI]  # the first pass delivered it


def test_a_stopped_loop_runs_no_pass(app, notice, sender):
    stop = threading.Event()
    stop.set()
    worker.run_until_stopped(app, stop, 1.0)
    assert sender.sent == []


def test_an_outage_is_logged_once_then_recovery_not_a_traceback_per_pass(app, caplog, clock):
    svc = services()
    real = svc.store

    class Down:
        def __getattr__(self, name):
            def refuse(*args, **kwargs):
                raise StoreUnavailable("connection refused")

            return refuse

    svc.store = svc.sessions.store = Down()
    caplog.set_level(logging.INFO, logger="idp.worker")
    outage = worker.new_outage_log()
    try:
        worker.run_until_stopped(app, Ticks(passes=5), 1.0, outage)
    finally:
        svc.store = svc.sessions.store = real
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None  # once, with its traceback
    assert "background worker pass failing: StoreUnavailable" in errors[0].getMessage()

    worker.run_until_stopped(app, Ticks(passes=1), 1.0, outage)
    assert any("recovered after 5 failures" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_set_the_stop_event_and_the_handlers_are_put_back(signum):
    before = signal.getsignal(signum)
    stop = threading.Event()
    restore = worker.stop_on_signals(stop)
    try:
        signal.raise_signal(signum)  # no KeyboardInterrupt, no exit: the loop ends itself
        assert stop.is_set()
    finally:
        restore()
    assert signal.getsignal(signum) is before


def test_idp_worker_delivers_and_stops_after_the_current_pass_on_sigterm(app, notice, sender):
    """The command's loop: SIGTERM arrives while a notice is being sent; that delivery is
    completed and committed (the job leaves the queue), then the command exits 0."""

    class TermWhileSending:
        def __init__(self):
            self.sent = []

        def post_form(self, url, data, timeout):
            if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
                raise SystemExit("idp worker did not handle SIGTERM")  # never kill pytest
            signal.raise_signal(signal.SIGTERM)
            self.sent.append(url)
            return 200

    services().sender = recording = TermWhileSending()
    before = signal.getsignal(signal.SIGTERM)
    result = app.test_cli_runner().invoke(args=["worker", "--interval", "3600"])
    assert result.exit_code == 0, result.output
    assert recording.sent == [URI]
    assert services().store.zdue(logout.QUEUE, 2**62, 10) == []  # delivered and removed
    assert signal.getsignal(signal.SIGTERM) is before
