"""Login lookups of the domain (domain.md login table, G1, D3, D5, S5, Y1): a natural person by
mobile or by any of the five document numbers, an organisation by its USCC at the entry of its
kind. Unknown, wrong and inactive all come back as ``None`` (no enumeration).
"""

from __future__ import annotations

import datetime as dt

import pytest

from idp.domain.accounts import passwords
from idp.domain.accounts import users as accounts
from idp.domain.identity import documents
from idp.domain.models import Organisation, User
from idp.domain.models.user import DEACTIVATED, PENDING_REVIEW, REJECTED
from idp.extensions import db
from idp.services import services
from support import PASSWORD, make_user

USCC = "91350100M000100Y43"
DOCUMENTS = [
    ("resident_id", "11010519491231002X", "11010519491231002x"),
    ("hk_macau_permit", "M12345678", "m 1234 5678"),
    ("taiwan_permit", "87654321", "8765 4321"),
    ("passport", "EA1234567", "ea1234567"),
    ("foreign_permanent_residence", "USA123456789012", "usa 123456789012"),
]


def organisation(kind: str, status: str = "active", uscc: str = USCC) -> User:
    now = dt.datetime.fromtimestamp(services().clock.now(), dt.UTC)
    user = User(
        user_type=kind,
        name="甲公司",
        password_hash=passwords.hash_password(PASSWORD),
        status=status,
        created_at=now,
        updated_at=now,
    )
    db.session.add(
        Organisation(
            user=user,
            kind=kind,
            category="enterprise",
            name="甲公司",
            uscc_bidx=services().blind_index(uscc, "uscc"),
            uscc_masked=documents.mask_uscc(uscc),
            rep_name="王五",
            rep_id_type="resident_id",
            rep_id_number_enc="x",
            rep_id_number_masked="x",
            active=True,
            created_at=now,
        )
    )
    db.session.commit()
    return user


@pytest.mark.parametrize("id_type, number, typed", DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_g1_authenticate_with_each_document_type(app, id_type, number, typed):
    person = make_user(id_type=id_type, id_number=number)
    assert accounts.authenticate(typed, PASSWORD).id == person.id
    assert accounts.authenticate(typed, "Wrong-password-1") is None


def test_d3_personal_lookup_finds_natural_persons_only(app):
    organisation("legal")
    assert accounts.find_by_login(USCC) is None
    assert accounts.authenticate(USCC, PASSWORD) is None


def test_g_organisation_found_by_uscc_at_the_entry_of_its_kind(app):
    org = organisation("legal")
    assert accounts.authenticate_organisation(USCC.lower(), "legal", PASSWORD).id == org.id
    assert accounts.authenticate_organisation(f" {USCC} ", "legal", PASSWORD).id == org.id
    assert accounts.authenticate_organisation(USCC, "agency", PASSWORD) is None
    assert accounts.authenticate_organisation(USCC, "legal", "Wrong-password-1") is None
    assert accounts.authenticate_organisation("", "legal", PASSWORD) is None


def test_s5_pending_review_account_found_only_with_its_password(app):
    pending = organisation("agency", PENDING_REVIEW)
    found = accounts.authenticate_organisation(USCC, "agency", PASSWORD)
    assert found.id == pending.id and not found.active
    assert accounts.authenticate_organisation(USCC, "agency", "Wrong-password-1") is None


@pytest.mark.parametrize("status", [REJECTED, DEACTIVATED])
def test_g_rejected_or_deactivated_organisation_cannot_log_in(app, status):
    organisation("legal", status)
    assert accounts.authenticate_organisation(USCC, "legal", PASSWORD) is None
