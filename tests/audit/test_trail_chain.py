"""The audit trail's seal and its check (issue 12, "Audit"): entries are sealed into one hash
chain after they commit; ``verify`` (and ``idp audit verify``) catches an altered, deleted or
reordered entry, a cut head, and entries left unsealed."""

from __future__ import annotations

import importlib
import logging
import os
import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from idp.domain import transaction
from idp.domain.models import AuditEntry
from idp.domain.trail import chain, events
from idp.domain.trail.record import record
from idp.extensions import db
from trailkit import commit, entries, tamper

ON_PG = os.environ.get("IDP_TEST_DATABASE", "sqlite") == "postgres"


def _five(sealed: bool = True) -> list[AuditEntry]:
    for n in range(5):
        record(events.LOGIN_SUCCEEDED, subject=n + 1, entry="personal", method="password")
    commit()
    if sealed:
        chain.seal(commit)
    return entries()


def test_sealer_numbers_and_chains_committed_entries_oldest_first(app):
    rows = _five()
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == chain.GENESIS
    for before, after in zip(rows, rows[1:]):
        assert after.prev_hash == before.hash
    assert chain.verify() == []


def test_an_ok_entry_falls_with_its_transaction_a_refusal_stands(app):
    """A success that rolled back did not happen; a refused login's error page rolls the
    request back, and its entry must still be stored (``transaction.after_rollback``)."""
    record(events.LOGIN_SUCCEEDED, subject=1, entry="personal", method="password")
    record(events.LOGIN_FAILED, result=events.REFUSED, entry="personal", method="password")
    transaction.rollback()
    assert [(e.event, e.result) for e in entries()] == [("login.failed", "refused")]
    chain.seal(commit)
    assert chain.verify() == []


def test_verify_catches_an_altered_entry(app, clock):
    rows = _five()
    tamper("UPDATE audit_trail SET result = 'refused' WHERE id = :id", id=rows[2].id)
    problems = chain.verify()
    assert [(p.kind, p.seq) for p in problems] == [("altered", 3)]


def test_verify_catches_a_deleted_entry(app):
    rows = _five()
    tamper("DELETE FROM audit_trail WHERE id = :id", id=rows[2].id)
    assert [(p.kind, p.seq) for p in chain.verify()] == [("deleted", 4)]


def test_verify_catches_a_deleted_head_without_a_purge_checkpoint(app):
    rows = _five()
    tamper("DELETE FROM audit_trail WHERE id = :id", id=rows[0].id)
    assert [(p.kind, p.seq) for p in chain.verify()] == [("head", 2)]


def test_verify_catches_a_swapped_order(app):
    rows = _five()
    tamper(
        "UPDATE audit_trail SET seq = CASE WHEN id = :a THEN -1 ELSE seq END WHERE id = :a",
        a=rows[1].id,
    )
    tamper("UPDATE audit_trail SET seq = 2 WHERE id = :b", b=rows[2].id)
    tamper("UPDATE audit_trail SET seq = 3 WHERE id = :a", a=rows[1].id)
    assert [(p.kind, p.seq) for p in chain.verify()] == [("reordered", 2)]


def test_verify_reports_entries_left_unsealed_past_the_grace(app, clock):
    _five(sealed=False)
    assert chain.verify() == []
    clock.advance(app.extensions["idp"].settings.audit.seal_grace + 1)
    assert [p.kind for p in chain.verify()] == ["unsealed"] * 5


def test_cli_seal_and_verify(app, clock):
    runner = app.test_cli_runner()
    _five(sealed=False)
    assert runner.invoke(args=["audit", "seal"]).output == "sealed: 5\n"
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    tamper("UPDATE audit_trail SET detail = '{}' WHERE seq = 4")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert result.output.startswith("altered\tseq=4")


def test_worker_pass_seals(app):
    from idp import worker

    _five(sealed=False)
    worker.run_pass(app)
    assert [r.seq for r in entries()] == [1, 2, 3, 4, 5]


@pytest.mark.skipif(not ON_PG, reason="the append-only trigger exists on PostgreSQL only")
def test_postgres_trigger_refuses_changing_a_sealed_entry_or_deleting_a_young_one(app):
    rows = _five()
    for sql in (
        "UPDATE audit_trail SET result = 'refused' WHERE id = :id",
        "DELETE FROM audit_trail WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="audit_trail"):
            with db.engine.begin() as conn:
                conn.execute(text(sql), {"id": rows[0].id})


@pytest.mark.skipif(not ON_PG, reason="SQLite serialises writers; races are tested on PostgreSQL")
def test_two_sealers_at_once_produce_one_chain(app):
    for n in range(300):
        record(events.CODE_SENT, subject=n, channel="sms", purpose="register", recipient="1")
    commit()
    db.session.remove()
    start = threading.Barrier(2)
    sealed: list = []

    def sealer():
        with app.app_context():
            try:
                start.wait(10)
                sealed.append(chain.seal(transaction.commit))
            except Exception as exc:  # asserted below
                sealed.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sealer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(isinstance(n, int) for n in sealed) and sum(sealed) == 300, sealed
    seqs = list(db.session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
    assert seqs == list(range(1, 301))
    assert chain.verify() == []


def test_a_refusal_whose_own_transaction_fails_too_is_logged_not_raised(app, caplog, monkeypatch):
    """The database gone at the rollback: the entry is lost (its idp.audit line remains) and
    the edge's rollback does not raise over the original answer."""
    recording = importlib.import_module("idp.domain.trail.record")  # the module, not record()
    caplog.set_level(logging.INFO, logger="idp.audit")
    record(events.LOGIN_FAILED, result=events.REFUSED, entry="personal", method="password")

    def gone(values):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(recording, "_insert", gone)
    transaction.rollback()
    assert "after-rollback jobs failed (1 lost)" in caplog.text
    assert "event=login.failed result=refused" in caplog.text
    assert entries() == []
