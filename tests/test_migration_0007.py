"""Migration 0007 on existing rows (docs/accounts.md "Enterprise verification and squatted
USCCs"): organisations created before enterprise verification were never checked, so they
come out unverified — except those whose review the office approved, verified by review."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_migrate import downgrade, upgrade

from idp.domain.models import Organisation
from idp.domain.models.review import APPROVED
from idp.domain.organisations import registration as organisations
from idp.domain.organisations import reviews
from idp.domain.organisations.registration import Representative, Upload
from idp.extensions import db
from orgkit import contact, legal_kwargs, pdf_bytes


@pytest.fixture
def settings_overrides(tmp_path):
    return {"files": {"upload_dir": str(tmp_path / "uploads")}}


def foreign(n: int) -> Organisation:
    return organisations.register_foreign_legal_person(
        category="enterprise",
        country="英国",
        name=f"境外公司{n}",
        name_en=f"Example {n} Ltd",
        registration_number=f"UK-{n}",
        contact=contact(),
        representative=Representative(
            name="John Smith",
            id_type="foreign_document",
            id_number="X1234567",
            valid_from=dt.date(2020, 1, 1),
            valid_to=dt.date(2030, 1, 1),
        ),
        identity_proof=Upload("p.pdf", pdf_bytes()),
        qualification=Upload("q.pdf", pdf_bytes()),
    )


def test_migration_0007_existing_organisations_unverified_unless_review_approved(app):
    legal = organisations.register_legal_person(**legal_kwargs()).id
    approved, waiting = foreign(1), foreign(2).id
    case = reviews.case_for(approved)
    decided = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
    case.status, case.decided_at = APPROVED, decided
    approved = approved.id
    db.session.commit()
    db.session.remove()
    try:
        downgrade(revision="0006")
    finally:
        upgrade()
    rows = {o.id: o for o in db.session.scalars(db.select(Organisation))}
    assert (rows[legal].verified_at, rows[legal].verified_by) == (None, None)
    assert (rows[waiting].verified_at, rows[waiting].verified_by) == (None, None)
    assert rows[approved].verified_by == "review" and rows[approved].verified_at == decided
    assert reviews.case_for(rows[approved]).kind == "foreign"
