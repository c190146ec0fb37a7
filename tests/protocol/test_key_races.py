"""At most one current key per algorithm (issue 11): enforced by the database and by a lock
around key creation, so two instances starting at once on a fresh database create one set.
PostgreSQL only: SQLite has one writer at a time."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from idp.domain import transaction
from idp.domain.models import SigningKey
from idp.domain.models.key import CURRENT, NEXT
from idp.extensions import db
from idp.protocol import keys

pytestmark = pytest.mark.skipif(
    os.environ.get("IDP_TEST_DATABASE", "sqlite") != "postgres",
    reason="SQLite cannot run concurrent writers; races are tested on PostgreSQL",
)


def test_concurrent_first_starts_create_one_set_of_keys(app):
    db.session.execute(delete(SigningKey))
    transaction.commit()
    start = threading.Barrier(4, timeout=10)
    errors: list = []

    def first_start():
        with app.app_context():
            try:
                start.wait()
                keys.ensure_keys()
                transaction.commit()
            except Exception as exc:  # asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=first_start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    counts = dict(
        db.session.execute(select(SigningKey.state, func.count()).group_by(SigningKey.state)).all()
    )
    assert counts == {CURRENT: len(keys.ALGS), NEXT: len(keys.ALGS)}


def test_the_database_refuses_a_second_current_key(app):
    keys.ensure_keys()
    transaction.commit()
    current = db.session.scalar(select(SigningKey).where(SigningKey.state == CURRENT).limit(1))
    extra = keys._generate(current.alg, CURRENT, 0)
    db.session.add(extra)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
