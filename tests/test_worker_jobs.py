"""Back-channel logout notices survive restarts and outages (issue 11, "nothing is lost").

A worker takes a job by leasing it (``logout.job_lease``), not by removing it: a worker that
dies between taking and finishing leaves the job due again once the lease ends, and of several
workers only one holds a job within a lease. The expiry sweep ends a session only after its
notices are queued: a session whose deadline passes while the database (or the store) fails is
ended, and its clients told, by the first pass after the fault.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from idp import worker
from idp.adapters.store import StoreUnavailable
from idp.domain import transaction
from idp.extensions import db
from idp.protocol import logout
from idp.services import services
from support import decode_jwt, make_relying_party

LEASE = 60
IDLE = 300
URI_A = "http://127.0.0.1:9/a/backchannel"
URI_B = "http://127.0.0.1:9/b/backchannel"


@pytest.fixture
def settings_overrides():
    return {
        "logout": {"job_lease": LEASE, "backchannel_max_attempts": 3},
        "session": {"idle_timeout": IDLE},
    }


@pytest.fixture
def bcl_rp(app):
    return make_relying_party(
        name="带后端通道的应用",
        redirect_uri="https://a.example.test/cb",
        backchannel_logout_uri=URI_A,
    )


class WorkerDied(BaseException):
    """The process ends in the middle of a delivery (not an error the worker catches)."""


def signed_out(browser, rp) -> str:
    """Sign in to ``rp``, sign out there; returns the session's sid (a notice is queued)."""
    id_token = browser.tokens_for(rp)["id_token"]
    response = browser.http.get("/logout", query_string={"id_token_hint": id_token})
    assert response.status_code in (200, 302)
    return decode_jwt(id_token)["sid"]


def queued() -> list[str]:
    return services().store.zdue(logout.QUEUE, 2**62, 1000)


def test_a_job_whose_worker_died_while_delivering_is_delivered_after_the_lease(
    browser, user, bcl_rp, sender, clock
):
    sid = signed_out(browser, bcl_rp)

    class Dies:
        def post_form(self, url, data, timeout):
            raise WorkerDied()

    services().sender = Dies()
    with pytest.raises(WorkerDied):
        logout.deliver_due()
    transaction.rollback_quietly()
    services().sender = sender

    assert len(queued()) == 1  # leased, not removed
    assert logout.deliver_due() == 0  # held by the dead worker's lease
    clock.advance(LEASE - 1)
    assert logout.deliver_due() == 0 and sender.sent == []
    clock.advance(1)
    assert logout.deliver_due() == 1
    assert [decode_jwt(form["logout_token"])["sid"] for _, form in sender.sent] == [sid]
    assert queued() == []
    clock.advance(3600)
    assert logout.deliver_due() == 0 and len(sender.sent) == 1


def test_a_job_taken_when_the_database_failed_is_delivered_after_the_lease(
    browser, user, bcl_rp, sender, clock
):
    """The client look-up after taking the job fails (database down): the pass fails, the
    job stays in the queue."""
    signed_out(browser, bcl_rp)
    with database_down(), pytest.raises(OperationalError):
        logout.deliver_due()
    transaction.rollback_quietly()
    clock.advance(LEASE)
    assert logout.deliver_due() == 1 and len(sender.sent) == 1


def test_success_and_abandon_remove_the_job_failure_reschedules_it(
    browser, user, bcl_rp, sender, clock
):
    signed_out(browser, bcl_rp)
    sender.status = 503
    assert logout.deliver_due() == 0
    assert len(queued()) == 1
    clock.advance(10)  # the retry delay, shorter than the lease: failure reschedules
    assert logout.deliver_due() == 0 and len(sender.sent) == 2
    clock.advance(20)
    assert logout.deliver_due() == 0 and len(sender.sent) == 3  # third attempt: abandoned
    assert queued() == []
    store = services().store
    assert list(store.scan("bcl:job:")) == []


@pytest.mark.skipif(
    os.environ.get("IDP_TEST_DATABASE", "sqlite") != "postgres",
    reason="a race of worker threads on one database: PostgreSQL (SQLite serialises writers)",
)
def test_two_workers_never_deliver_the_same_job_twice_within_a_lease(app, bcl_rp, user, clock):
    """Eight workers pass over one queue at once, each delivery held open until every worker
    is inside one: each notice goes out exactly once."""
    jobs = 24
    for n in range(jobs):
        logout.queue_notices(user.sub, f"sid-{n}", [bcl_rp.client_id])
    transaction.commit()
    assert len(queued()) == jobs

    lock = threading.Lock()
    sent: list[str] = []
    inside = threading.Barrier(8, timeout=10)

    class Slow:
        def post_form(self, url, data, timeout):
            with lock:
                sent.append(decode_jwt(data["logout_token"])["sid"])
                first = len(sent) <= 8
            if first:
                inside.wait()  # every worker holds a job at the same time
            return 200

    services().sender = Slow()
    errors: list[BaseException] = []

    def run():
        try:
            with app.app_context():
                logout.deliver_due()
                transaction.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(sent) == sorted(f"sid-{n}" for n in range(jobs))
    assert queued() == []


# --- the expiry sweep through a database or store outage ------------------------------------


@contextmanager
def database_down():
    """Every statement fails as if the server were gone, until the block ends."""

    def refuse(conn, cursor, statement, parameters, context, executemany):
        raise OperationalError(statement, parameters, ConnectionRefusedError("database down"))

    event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse)


def test_a_session_expiring_while_the_database_is_down_is_logged_out_when_it_is_back(
    app, browser, user, bcl_rp, sender, clock
):
    sid = decode_jwt(browser.tokens_for(bcl_rp)["id_token"])["sid"]
    clock.advance(IDLE)  # the deadline passes during the outage
    with database_down():
        for _ in range(3):
            with pytest.raises(OperationalError):
                worker.run_pass(app)
            clock.advance(1)
    assert sender.sent == []
    assert len(services().sessions.due_for_expiry()) == 1  # still there, still due

    worker.run_pass(app)  # the database is back
    assert [decode_jwt(form["logout_token"])["sid"] for _, form in sender.sent] == [sid]
    assert services().sessions.due_for_expiry() == []
    clock.advance(3600)
    worker.run_pass(app)
    assert len(sender.sent) == 1


def test_a_session_is_still_logged_out_after_an_outage_of_hours(
    app, browser, user, bcl_rp, sender, clock
):
    """The session's record outlives its absolute deadline by a day in the store, so an
    outage of hours past it still ends with the notice sent."""
    sid = decode_jwt(browser.tokens_for(bcl_rp)["id_token"])["sid"]
    clock.advance(IDLE)
    with database_down(), pytest.raises(OperationalError):
        worker.run_pass(app)
    clock.advance(services().settings.session.absolute_timeout + 6 * 3600)
    worker.run_pass(app)
    assert [decode_jwt(form["logout_token"])["sid"] for _, form in sender.sent] == [sid]


class FailingStore:
    """The store, failing on demand: ``fail(predicate)`` makes every call it matches raise."""

    def __init__(self, inner):
        self.inner = inner
        self.refuse = lambda name, args: False

    def __getattr__(self, name):
        method = getattr(self.inner, name)

        def call(*args, **kwargs):
            if self.refuse(name, args):
                raise StoreUnavailable(f"{name} refused")
            return method(*args, **kwargs)

        return call


def test_a_store_failure_half_way_through_queueing_retries_the_whole_step_once(
    app, browser, user, bcl_rp, sender, clock
):
    """Two clients to tell; the store fails after the first notice is queued. The session
    stays due; the next pass queues both again, which makes the same two jobs: each client is
    told once."""
    other = make_relying_party(
        name="另一个应用", redirect_uri="https://b.example.test/cb", backchannel_logout_uri=URI_B
    )
    sid = decode_jwt(browser.tokens_for(bcl_rp)["id_token"])["sid"]
    browser.tokens_for(other)
    clock.advance(IDLE)

    flaky = FailingStore(services().store)
    svc = services()
    real = svc.store
    svc.store = flaky
    svc.sessions.store = flaky
    jobs_written = []

    def refuse(name, args):
        if name == "set" and args[0].startswith("bcl:job:"):
            jobs_written.append(args[0])
            return len(jobs_written) == 2
        return False

    flaky.refuse = refuse
    with pytest.raises(StoreUnavailable):
        worker.run_pass(app)
    assert len(queued()) == 1  # one notice queued, the session not ended
    assert len(svc.sessions.due_for_expiry()) == 1

    flaky.refuse = lambda name, args: False
    worker.run_pass(app)
    svc.store = svc.sessions.store = real
    assert sorted(url for url, _ in sender.sent) == [URI_A, URI_B]
    assert {decode_jwt(form["logout_token"])["sid"] for _, form in sender.sent} == {sid}
    clock.advance(3600)
    worker.run_pass(app)
    assert len(sender.sent) == 2 and queued() == []
