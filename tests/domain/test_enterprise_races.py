"""A squatted USCC under concurrency (D3, S3; docs/accounts.md "Enterprise verification and
squatted USCCs"), on PostgreSQL only, with the barrier of test_organisation_races.py.

Two organisations that both pass enterprise verification register the USCC an unverified
account holds, at the same moment: both set the squatter aside in their own transaction, and
the partial unique index decides — one holds the USCC, the other gets the S3 Conflict, and the
squatter is set aside once, with one review case.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select
from test_organisation_races import race

from enterprisekit import unverified_legal_person
from idp.domain.errors import Conflict
from idp.domain.models import Organisation, ReviewCase
from idp.domain.organisations import registration as organisations
from idp.extensions import db
from orgkit import contact, legal_kwargs

pytestmark = pytest.mark.skipif(
    os.environ.get("IDP_TEST_DATABASE", "sqlite") != "postgres",
    reason="SQLite cannot run concurrent writers; races are tested on PostgreSQL",
)


def test_squatted_uscc_race_of_two_verified_registrations(app):
    squatter_id = unverified_legal_person(**legal_kwargs(contact=contact("13900139009"))).id
    results = race(
        app,
        lambda: organisations.register_legal_person(**legal_kwargs()).id,
        lambda: (
            organisations.register_legal_person(**legal_kwargs(contact=contact("13900139008"))).id
        ),
    )
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].code == organisations.S3_MESSAGE
    db.session.expire_all()
    active = db.session.scalars(select(Organisation).where(Organisation.active.is_(True))).all()
    assert [o.id for o in active] == winners and active[0].verified_by == "register"
    squatter = db.session.get(Organisation, squatter_id)
    assert squatter.active is False and squatter.user.status == "pending_review"
    assert db.session.scalar(select(func.count()).select_from(ReviewCase)) == 1
