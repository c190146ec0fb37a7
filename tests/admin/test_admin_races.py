"""A TOTP code counts once even when two requests bring it at the same moment (RFC 6238 §5.2):
the step is claimed by a conditional UPDATE, so exactly one wins. PostgreSQL only: SQLite has
one writer at a time."""

from __future__ import annotations

import os
import threading

import pytest

from adminkit import code, make_admin
from idp.domain import transaction
from idp.domain.admins import accounts as admins
from idp.domain.admins import totp
from idp.extensions import db
from idp.services import services

pytestmark = pytest.mark.skipif(
    os.environ.get("IDP_TEST_DATABASE", "sqlite") != "postgres",
    reason="SQLite cannot run concurrent writers; races are tested on PostgreSQL",
)


def test_one_code_brought_by_four_requests_at_once_is_accepted_once(app):
    admin_id, secret = make_admin("sysadm")
    services().clock.advance(totp.STEP)
    value = code(secret)
    start = threading.Barrier(4, timeout=10)
    results: list = []

    def bring_code():
        with app.app_context():
            try:
                admin = admins.get_by_id(admin_id)
                start.wait()
                results.append(totp.use_code(admin, value))
                transaction.commit()
            except Exception as exc:  # asserted below
                results.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=bring_code) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results, key=str) == [False, False, False, True]
