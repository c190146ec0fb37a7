"""The legal entry's other login identifiers (domain.md login table: "USCC (or organisation code)",
Y1, D2, S5): the 9-character organisation code of a legal person, and the account number
generated for a foreign entity without a USCC; plus the 0006 migration that adds and backfills
them.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import idp
from idp.domain.accounts import users as accounts
from idp.domain.identity.identifiers import gb11714_check, gb32100_check
from idp.domain.models import Organisation, ReviewCase
from idp.domain.organisations import accounts as org_accounts
from idp.domain.organisations import registration as organisations
from idp.domain.organisations.registration import Representative, Upload
from idp.extensions import db
from idp.services import services
from orgkit import contact, file_agency, legal_kwargs, pdf_bytes, uscc
from support import PASSWORD


@pytest.fixture
def settings_overrides(tmp_path):
    return {"files": {"upload_dir": str(tmp_path / "uploads"), "max_size": 64 * 1024}}


def org_code(code: str, dash: bool = False) -> str:
    return code[8:16] + ("-" if dash else "") + code[16]


def with_prefix(code: str, prefix: str) -> str:
    """Another valid USCC holding the same organisation code (characters 9–17)."""
    first = prefix + code[8:17]
    return first + gb32100_check(first)


def register_foreign(**kw) -> Organisation:
    rep = Representative(
        name="John Smith",
        id_type="foreign_document",
        id_number="X1234567",
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2030, 1, 1),
    )
    data = dict(
        category="enterprise",
        country="英国",
        name="示例（英国）有限公司",
        name_en="Example UK Ltd",
        registration_number="UK-0012345",
        representative=rep,
        contact=contact(),
        identity_proof=Upload("p.pdf", pdf_bytes()),
        qualification=Upload("q.pdf", pdf_bytes()),
    )
    return organisations.register_foreign_legal_person(**{**data, **kw})


def test_g_registration_stores_the_organisation_code_index(app):
    org = organisations.register_legal_person(**legal_kwargs())
    assert org.org_code_bidx == services().blind_index(uscc()[8:17], "org-code")
    assert uscc()[8:17] not in (org.org_code_bidx or "")  # a keyed digest, never the code (D5)
    assert org.account_no is None


def test_g_legal_entry_accepts_organisation_code(app):
    org = organisations.register_legal_person(**legal_kwargs())
    for typed in (org_code(uscc()), org_code(uscc(), dash=True), f" {org_code(uscc())} "):
        assert accounts.authenticate_organisation(typed, "legal", PASSWORD).id == org.user_id
    assert accounts.authenticate_organisation(org_code(uscc()), "legal", "Wrong-pass-1") is None
    assert accounts.authenticate_organisation(uscc(), "legal", PASSWORD).id == org.user_id


def test_g_organisation_code_with_wrong_check_character_finds_nothing(app):
    organisations.register_legal_person(**legal_kwargs())
    code = org_code(uscc())
    wrong = code[:8] + ("1" if code[8] != "1" else "2")
    assert gb11714_check(code[:8]) != wrong[8]
    assert accounts.find_organisation_login(wrong, "legal") is None
    assert accounts.authenticate_organisation(wrong, "legal", PASSWORD) is None


def test_y1_agency_entry_refuses_organisation_code(app):
    file_agency(uscc(2))
    agency = organisations.register_agency(**legal_kwargs(uscc(2), name="示例代理有限公司"))
    assert accounts.authenticate_organisation(org_code(uscc(2)), "agency", PASSWORD) is None
    assert accounts.authenticate_organisation(org_code(uscc(2)), "legal", PASSWORD) is None
    assert accounts.authenticate_organisation(uscc(2), "agency", PASSWORD).id == agency.user_id


def test_g_organisation_code_of_two_accounts_finds_neither(app):
    one = organisations.register_legal_person(**legal_kwargs())
    other = organisations.register_legal_person(
        **legal_kwargs(
            with_prefix(uscc(), "91310000"), name="另一家公司", contact=contact("13900139001")
        )
    )
    assert one.org_code_bidx == other.org_code_bidx
    assert accounts.find_organisation_login(org_code(uscc()), "legal") is None
    assert accounts.authenticate_organisation(uscc(), "legal", PASSWORD).id == one.user_id


def test_s5_foreign_entity_gets_an_account_number(app):
    first, second = register_foreign(), register_foreign(name="第二家（英国）有限公司")
    assert re.fullmatch(r"W\d{9}", first.account_no) and re.fullmatch(r"W\d{9}", second.account_no)
    assert first.account_no != second.account_no
    assert first.uscc_bidx is None and first.org_code_bidx is None


def test_s5_account_number_is_unique_in_the_database(app):
    first = register_foreign()
    second = register_foreign(name="第二家（英国）有限公司")
    second.account_no = first.account_no
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_s5_account_number_drawn_twice_is_drawn_again(app, monkeypatch):
    taken = register_foreign().account_no
    draws = iter([int(taken[1:]), 123456789])
    monkeypatch.setattr(org_accounts.secrets, "randbelow", lambda _n: next(draws))
    assert register_foreign(name="第二家（英国）有限公司").account_no == "W123456789"


def test_s5_account_number_clash_at_commit_is_retried(app, monkeypatch):
    """Two registrations that draw the same free number at once: the unique index refuses the
    second commit, and the registration is tried again with a new number (one transaction)."""
    taken = register_foreign().account_no
    numbers = iter([taken, "W000000001"])
    monkeypatch.setattr(organisations, "new_account_no", lambda: next(numbers))
    org = register_foreign(name="第二家（英国）有限公司")
    assert org.account_no == "W000000001" and org.name == "第二家（英国）有限公司"
    assert len(db.session.scalars(select(ReviewCase)).all()) == 2
    assert len(db.session.scalars(select(Organisation)).all()) == 2


def test_s5_pending_foreign_entity_found_by_account_number_with_its_password(app):
    org = register_foreign()
    found = accounts.authenticate_organisation(org.account_no.lower(), "legal", PASSWORD)
    assert found.id == org.user_id and not found.active
    assert accounts.authenticate_organisation(org.account_no, "legal", "Wrong-pass-1") is None
    assert accounts.authenticate_organisation(org.account_no, "agency", PASSWORD) is None


def test_g_migration_0006_backfills_organisation_code_index(app):
    org = organisations.register_legal_person(**legal_kwargs())
    org_id = org.id
    org.org_code_bidx = None
    db.session.commit()
    db.session.remove()
    try:
        downgrade(revision="0005")
    finally:
        upgrade()
    backfilled = db.session.get(Organisation, org_id)
    assert backfilled.org_code_bidx == services().blind_index(uscc()[8:17], "org-code")
    assert accounts.authenticate_organisation(org_code(uscc()), "legal", PASSWORD) is not None


def test_g_migration_backfill_fills_only_missing_indexes(app):
    path = Path(idp.__file__).parent / "migrations/versions/0006_organisation_login_codes.py"
    spec = importlib.util.spec_from_file_location("migration_0006", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    org = organisations.register_legal_person(**legal_kwargs())
    organisations.register_legal_person(**legal_kwargs(uscc(2), name="另一家公司"))
    org.org_code_bidx = None
    db.session.commit()
    with db.engine.begin() as conn:
        assert migration.backfill_org_codes(conn) == 1
    with db.engine.begin() as conn:
        assert migration.backfill_org_codes(conn) == 0
    db.session.expire_all()
    assert org.org_code_bidx == services().blind_index(uscc()[8:17], "org-code")
