"""The request is the transaction (issue 10, item 1).

Domain, protocol and flows code adds and flushes, never commits. The edge commits once: a web
request after its view returned a success (status below 400; ``idp.web``), a CLI command after
it ran (``idp.cli``); any exception, and any error answer, rolls the whole unit back, as a
domain refusal always left nothing behind. What must stand although the answer is an error
(the revocation of a reused code's or refresh token's family) says so with ``keep``. Work
that must not be lost with the rest of the unit when one statement fails (a unique index
deciding a race, S3/L3) runs in a ``savepoint``.

Side effects that follow from what the transaction did (ending SSO sessions and their
back-channel logout jobs, cache version bumps) are queued with ``after_commit`` and run by
``commit`` once the commit succeeded; a rollback, including that of a savepoint the job was
queued in, drops them. A job may read through the session (a new transaction, closed with the
request) but must not write through it: nothing commits after it. Its failure is logged
and never undoes the commit. One job writes, on a connection and transaction of its own, on
purpose: the token family re-check (``protocol.tokens._revoke_if_marked``), which revokes a
family whose revocation raced with the commit of its new token and could not see that row.

Work that must be written *because* the unit failed (the audit trail's entry of a refused
login, whose error page rolls the request back) is queued with ``after_rollback``: the edge's
``rollback`` runs those jobs after the rollback and commits them in a short transaction of
their own; a commit drops them (the work they repeat committed with the unit). Such jobs only
add rows; if that commit fails too the failure is logged.

Example::

    binding.active = False
    transaction.after_commit(lambda: notify(mobile))   # sent only if the unbinding commits
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from ..extensions import db

log = logging.getLogger(__name__)
_QUEUE = "idp.after_commit"  # key in Session.info: [(savepoint or None, job), ...]
_READY = "idp.committed"  # the jobs of the transaction that just committed
_RUNNING = "idp.running_jobs"  # set while they run: a job queued by a job runs at once
_KEEP = "idp.keep"
_ON_ROLLBACK = "idp.after_rollback"  # jobs the edge's rollback runs in a transaction of their own

Job = Callable[[], object]  # what a job returns is not used


def after_commit(job: Job) -> None:
    """Run ``job`` once the current transaction commits; never if it rolls back."""
    session = db.session()
    if session.info.get(_RUNNING):
        job()
        return
    session.info.setdefault(_QUEUE, []).append((session.get_nested_transaction(), job))


def after_rollback(job: Job) -> None:
    """Run ``job`` in a transaction of its own if the current unit rolls back (at the edge:
    ``rollback``, ``rollback_quietly``); never if it commits."""
    db.session().info.setdefault(_ON_ROLLBACK, []).append(job)


def keep() -> None:
    """This transaction's work stands even when the request answers with an error."""
    db.session().info[_KEEP] = True


def kept() -> bool:
    return bool(db.session().info.get(_KEEP))


def savepoint() -> SessionTransaction:
    """``with transaction.savepoint():`` — a failure inside rolls back to here only."""
    return db.session.begin_nested()


def commit() -> None:
    """The edge's commit (and the batch commit handed to the bulk imports), then the jobs
    queued for it."""
    session = db.session()
    session.commit()
    session.info[_RUNNING] = True
    try:
        for job in session.info.pop(_READY, []):
            try:
                job()
            except Exception:  # the commit stands; the job's own code logs what it means
                log.exception("after-commit job failed")
    finally:
        session.info.pop(_RUNNING, None)


def rollback() -> None:
    jobs = db.session().info.pop(_ON_ROLLBACK, [])
    db.session.rollback()
    _rescue(jobs)


def rollback_quietly() -> None:
    """Roll back on the way out of a failure; a database that is gone must not hide the
    original exception."""
    jobs = db.session().info.pop(_ON_ROLLBACK, [])
    try:
        db.session.rollback()
    except Exception:
        log.warning("rollback failed", exc_info=True)
    _rescue(jobs)


def _rescue(jobs: list[Job]) -> None:
    """The ``after_rollback`` jobs, committed in one short transaction of their own."""
    if not jobs:
        return
    session = db.session()
    try:
        for job in jobs:
            job()
        session.commit()
    except Exception:
        log.exception("after-rollback jobs failed (%d lost)", len(jobs))
        try:
            session.rollback()
        except Exception:
            log.warning("rollback failed", exc_info=True)


def pending(session: Session | None = None) -> int:
    """How many jobs wait for the commit (tests, diagnostics)."""
    return len((session or db.session()).info.get(_QUEUE, ()))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    """The transaction committed: its jobs may run (``commit`` runs them next). The event
    also fires when a savepoint is released, which commits nothing yet."""
    if session.in_nested_transaction():
        return
    session.info.pop(_KEEP, None)
    session.info.pop(_ON_ROLLBACK, None)
    ready = session.info.setdefault(_READY, [])
    ready.extend(job for _, job in session.info.pop(_QUEUE, []))


@event.listens_for(Session, "after_soft_rollback")
def _drop_queued(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:
        session.info.pop(_KEEP, None)
        session.info.pop(_QUEUE, None)
        return
    queued = session.info.get(_QUEUE)
    if not queued:
        return
    session.info[_QUEUE] = [(where, job) for where, job in queued if not _within(where, previous)]


def _within(where: SessionTransaction | None, savepoint_: SessionTransaction) -> bool:
    while where is not None:
        if where is savepoint_:
            return True
        where = where.parent
    return False
