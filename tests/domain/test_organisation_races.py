"""Concurrency of the uniqueness rules (domain.md D3, S3, Y2), on PostgreSQL only.

Two threads each run the domain function in their own app context (own session and
connection). A barrier in ``before_commit`` holds both until each has passed the domain's own
checks, so the database's partial unique indexes (uq_organisations_active_uscc,
uq_handler_one_agency) must decide: exactly one wins, the other gets a Conflict.
SQLite serialises writers on one file (the second would wait or fail with "database is
locked" rather than race), so these tests are skipped there; the same indexes are exercised
sequentially in test_organisations.py and test_handlers.py on both back ends.
"""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from idp.domain import transaction
from idp.domain.errors import Conflict
from idp.domain.models import HandlerBinding, Organisation, User
from idp.domain.organisations import handlers
from idp.domain.organisations import registration as organisations
from idp.extensions import db
from orgkit import file_agency, file_practitioner, legal_kwargs, make_handler, resident_id, uscc
from wordkit import said

pytestmark = pytest.mark.skipif(
    os.environ.get("IDP_TEST_DATABASE", "sqlite") != "postgres",
    reason="SQLite cannot run concurrent writers; races are tested on PostgreSQL",
)


def race(app, *jobs):
    """Run the jobs in parallel threads, meeting at commit; return their results/exceptions."""
    barrier = threading.Barrier(len(jobs), timeout=10)
    results: list = [None] * len(jobs)
    racing = threading.local()

    def hold(session):
        if getattr(racing, "on", False):
            racing.on = False
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass  # the other thread failed its checks before commit; commit anyway

    def run(i, job):
        with app.app_context():
            racing.on = True
            try:
                results[i] = job()
                transaction.commit()  # the request's edge
            except Exception as exc:  # collected and asserted by the test
                results[i] = exc
                barrier.abort()
            finally:
                db.session.remove()

    event.listen(Session, "before_commit", hold)
    try:
        threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        event.remove(Session, "before_commit", hold)
    return results


def test_d3_concurrent_registrations_one_uscc(app):
    results = race(
        app,
        lambda: organisations.register_legal_person(**legal_kwargs()).id,
        lambda: organisations.register_legal_person(**legal_kwargs(name="同码公司")).id,
    )
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].code == organisations.S3_MESSAGE
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1


def test_y2_concurrent_bindings_to_two_agencies(app):
    orgs = []
    for n in (1, 2):
        file_agency(uscc(n))
        orgs.append(organisations.register_agency(**legal_kwargs(uscc(n), name=f"代理{n}")).id)
    handler_id = make_handler(1).id
    file_practitioner(resident_id(1))

    def bind(org_id):
        def job():
            org = db.session.get(Organisation, org_id)
            return handlers.bind_handler(org, db.session.get(User, handler_id)).id

        return job

    results = race(app, bind(orgs[0]), bind(orgs[1]))
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert said(losers[0]) == "该自然人已是其他代理机构的经办人。"
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count()).select_from(HandlerBinding).where(HandlerBinding.active.is_(True))
        )
        == 1
    )
