"""Parallel consents of one user to one subsystem (issue 11: the losers of the
``uq_consent_user_client`` race got a 500), on PostgreSQL only: SQLite serialises writers.

Each thread is a request: its own app context, session and connection, committing at the end.
"""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import event, select

from idp.domain import transaction
from idp.domain.clients import consents
from idp.domain.models import Consent
from idp.extensions import db
from support import make_relying_party, make_user

pytestmark = pytest.mark.skipif(
    os.environ.get("IDP_TEST_DATABASE", "sqlite") != "postgres",
    reason="SQLite cannot run concurrent writers; races are tested on PostgreSQL",
)


def _request(app, results, i, before=None, after_work=None):
    with app.app_context():
        try:
            if before:
                before()
            results[i] = results[i](), None
            if after_work:
                after_work()
            transaction.commit()
        except Exception as exc:  # asserted by the test
            results[i] = None, exc
        finally:
            db.session.remove()


def _subject(app):
    user, rp = make_user(), make_relying_party()
    transaction.commit()
    return user.id, rp.client_id


def test_consent_that_loses_the_insert_race_merges_into_the_winners_row(app):
    """Deterministic: B reads no row while A's insert is uncommitted, then inserts; A commits;
    B's insert meets the unique index and must merge instead of failing."""
    user_id, client_id = _subject(app)
    a_inserted, b_selected = threading.Event(), threading.Event()
    engine = db.engine

    def b_watches_its_select(conn, cursor, statement, params, context, many):
        if (
            threading.current_thread().name == "B"
            and statement.lstrip().startswith("SELECT")
            and "consents" in statement
        ):
            b_selected.set()

    results: list = [
        lambda: consents.remember(user_id, client_id, {"openid", "profile"}),
        lambda: consents.remember(user_id, client_id, {"openid", "email"}),
    ]
    a = threading.Thread(
        name="A",
        target=_request,
        args=(app, results, 0),
        kwargs={"after_work": lambda: (a_inserted.set(), b_selected.wait(10))},
    )
    b = threading.Thread(
        name="B",
        target=_request,
        args=(app, results, 1),
        kwargs={"before": lambda: a_inserted.wait(10)},
    )
    event.listen(engine, "after_cursor_execute", b_watches_its_select)
    try:
        a.start(), b.start()
        a.join(30), b.join(30)
    finally:
        event.remove(engine, "after_cursor_execute", b_watches_its_select)
    assert b_selected.is_set()
    assert [error for _, error in results] == [None, None]
    rows = db.session.scalars(select(Consent).where(Consent.user_id == user_id)).all()
    assert [row.scope for row in rows] == ["email openid profile"]


def test_sixteen_parallel_consents_of_one_user_all_succeed_with_every_scope(app):
    user_id, client_id = _subject(app)
    start = threading.Barrier(16, timeout=10)
    results: list = [
        (lambda n=n: consents.remember(user_id, client_id, {f"s{n}"})) for n in range(16)
    ]
    threads = [
        threading.Thread(target=_request, args=(app, results, i), kwargs={"before": start.wait})
        for i in range(16)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [error for _, error in results] == [None] * 16
    rows = db.session.scalars(select(Consent).where(Consent.user_id == user_id)).all()
    assert len(rows) == 1 and set(rows[0].scope.split()) == {f"s{n}" for n in range(16)}
