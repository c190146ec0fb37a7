"""Concurrency of supplementation (S2, S3, L3), on PostgreSQL only.

Two threads each run ``supplement.complete_natural`` in their own app context (own session and
connection), started together: the row lock on the legacy account and the unique indexes
(uq_users_active_phone / _id_number, ``legacy_accounts.user_id``) must decide: exactly one
account and one link, the other gets a Conflict. SQLite serialises writers, so these are skipped there; the sequential cases are in
tests/web/test_supplement_natural.py on both back ends.
"""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select

from idp.domain import transaction
from idp.domain.accounts import registration
from idp.domain.errors import Conflict
from idp.domain.legacy import link as legacy_link
from idp.domain.legacy import supplement
from idp.domain.models import LegacyAccount, User
from idp.extensions import db
from legacykit import LEGACY_PASSWORD, make_legacy_account
from supplementkit import EMAIL, ID_NUMBER, MOBILE, NEW_PASSWORD, natural_legacy
from support import make_user

pytestmark = pytest.mark.skipif(
    os.environ.get("IDP_TEST_DATABASE", "sqlite") != "postgres",
    reason="SQLite cannot run concurrent writers; races are tested on PostgreSQL",
)


def race(app, *jobs):
    """Run the jobs in parallel threads started together; return their results/exceptions.

    Unlike the organisation races, the threads are not held at commit: supplementation locks
    the legacy account's row before linking (a bare UPDATE would overwrite a concurrent link,
    which no unique index catches), so the second thread waits there for the first commit.
    Both threads pass the early checks and build their user at the same time."""
    barrier = threading.Barrier(len(jobs), timeout=10)
    results: list = [None] * len(jobs)

    def run(i, job):
        with app.app_context():
            try:
                barrier.wait()
                results[i] = job()
                transaction.commit()  # the request's edge
            except Exception as exc:  # collected and asserted by the test
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def application(**changes) -> registration.PersonApplication:
    data = dict(
        id_type="resident_id",
        name="李四",
        id_number=ID_NUMBER,
        valid_from="2020-01-01",
        valid_to="2040-01-01",
        province="110000",
        city="110100",
        county="110105",
        street="朝阳路 1 号",
        postal_code="100020",
        email=EMAIL,
        phone=MOBILE,
        password=NEW_PASSWORD,
        password_confirm=NEW_PASSWORD,
        agreed=True,
    )
    data.update(changes)
    return registration.PersonApplication(**data)


def completing(account_id: int, app_data: registration.PersonApplication):
    """A job: complete ``account_id`` with codes already proven in its flow (S7)."""
    verified = {
        "sms": registration.verified_key("sms", app_data.phone),
        "mail": registration.verified_key("mail", app_data.email),
    }

    def job():
        account = db.session.get(LegacyAccount, account_id)
        return supplement.complete_natural(account, app_data, "flow", dict(verified)).id

    return job


def counts() -> tuple[int, int]:
    db.session.expire_all()
    users = db.session.scalar(select(func.count()).select_from(User))
    links = db.session.scalar(
        select(func.count()).select_from(LegacyAccount).where(LegacyAccount.user_id.is_not(None))
    )
    return users, links


def test_s2_concurrent_completion_gives_one_account_and_one_link(app):
    account_id = natural_legacy().id
    results = race(
        app, completing(account_id, application()), completing(account_id, application())
    )
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].code in (registration.S3_MESSAGE, legacy_link.L3_TAKEN)
    assert counts() == (1, 1)


def test_l3_concurrent_completion_by_two_people_links_once(app):
    """Two namesakes race for one legacy account without a document number (both are its
    person by S2's rule: the same name): only the link index decides."""
    account_id = natural_legacy(id_number=None, kind="simple").id
    other = application(
        id_number="11010519491231002X", phone="13700137000", email="wang.wu@example.com"
    )
    results = race(app, completing(account_id, application()), completing(account_id, other))
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].code == legacy_link.L3_TAKEN
    assert counts() == (1, 1)


def linking(user_id: int, legacy_id: str):
    """A job: 旧账号管理 for an existing user (L3)."""

    def job():
        user = db.session.get(User, user_id)
        return legacy_link.link_existing(user, legacy_id, LEGACY_PASSWORD).id

    return job


def test_l3_two_users_linking_one_legacy_account_at_once_link_it_once(app):
    """A legacy account without a document number (a simple user) matches every namesake who
    knows its password (S2): the conditional UPDATE lets exactly one of two concurrent links
    through."""
    make_legacy_account("simple1", kind="simple", name="张三", id_type=None)
    first = make_user(phone="13700137001", name="张三").id
    second = make_user(phone="13700137002", name="张三").id
    results = race(app, linking(first, "simple1"), linking(second, "simple1"))
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "int"], results
    db.session.expire_all()
    row = db.session.scalar(select(LegacyAccount).where(LegacyAccount.account == "simple1"))
    assert row.user_id in (first, second)
    assert counts()[1] == 1


def test_l3_one_user_linking_two_legacy_accounts_at_once_keeps_one(app):
    """The unique index on legacy_accounts.user_id: one legacy account per user."""
    make_legacy_account("simple1", kind="simple", name="张三", id_type=None)
    make_legacy_account("simple2", kind="simple", name="张三", id_type=None)
    user = make_user(phone="13700137001", name="张三").id
    results = race(app, linking(user, "simple1"), linking(user, "simple2"))
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "int"], results
    assert counts()[1] == 1


# Organisations (S4, S6, S3): the same row lock, and the USCC's partial unique index.
import orgkit  # noqa: E402
from idp.domain.legacy import supplement_org  # noqa: E402
from idp.domain.models import Organisation  # noqa: E402
from idp.domain.organisations import registration as organisations  # noqa: E402
from orgsupplementkit import AGENCY_NAME, FILED_USCC, LEGAL_NAME, USCC, agency_legacy, legal_legacy  # noqa: E402


def completing_org(account_id: int, kind: str):
    """A job: complete a legacy legal person (S4) or agency (S6) with the form's data."""

    def job():
        account = db.session.get(LegacyAccount, account_id)
        complete = (
            supplement_org.complete_legal if kind == "legal" else supplement_org.complete_agency
        )
        return complete(
            account,
            category="enterprise",
            name=LEGAL_NAME if kind == "legal" else AGENCY_NAME,
            uscc=USCC if kind == "legal" else FILED_USCC,
            representative=orgkit.rep(),
            contact=orgkit.contact(),
        ).id

    return job


def org_counts() -> tuple[int, int]:
    db.session.expire_all()
    orgs = db.session.scalar(select(func.count()).select_from(Organisation))
    return orgs, counts()[1]


@pytest.mark.parametrize("kind", ["legal", "agency"])
def test_s4_s6_concurrent_org_completion_gives_one_organisation_and_one_link(app, kind):
    account_id = (legal_legacy() if kind == "legal" else agency_legacy()).id
    results = race(app, completing_org(account_id, kind), completing_org(account_id, kind))
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert org_counts() == (1, 1)


def test_s3_org_completion_racing_a_registration_of_the_uscc_creates_one(app):
    """The USCC's partial unique index decides between supplementation and registration."""
    account_id = legal_legacy().id

    def registering():
        return organisations.register_legal_person(**orgkit.legal_kwargs(USCC)).id

    results = race(app, completing_org(account_id, "legal"), registering)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "int"], results
    orgs, links = org_counts()
    assert orgs == 1 and links in (0, 1)
