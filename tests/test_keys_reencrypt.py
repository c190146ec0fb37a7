"""``idp keys reencrypt`` (docs/accounts.md, "Personal data at rest"): after a new field key
becomes current, every ciphertext — ID numbers, USCCs, mobiles, e-mails — moves to it, and the
old key can leave the keyring with every value still readable and every blind index unchanged."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

import orgkit
from idp.domain.crypto import FieldCipher
from idp.domain.models import LegacyAccount, Organisation, User
from idp.domain.organisations import registration as organisations
from idp.extensions import db
from idp.services import services
from legacykit import make_legacy_account
from support import make_user

OLD, NEW = "old", "new"
OLD_KEY, NEW_KEY = base64.b64encode(b"o" * 32).decode(), base64.b64encode(b"n" * 32).decode()


@pytest.fixture
def settings_overrides():
    return {"encryption_keys": {OLD: OLD_KEY, NEW: NEW_KEY}, "encryption_key_current": OLD}


def test_keys_reencrypt_moves_ids_uscc_mobiles_and_emails_to_the_current_key(app):
    user = make_user(
        phone="13700137001",
        email="zhang@example.cn",
        id_type="resident_id",
        id_number="11010519491231002X",
    )
    legacy = make_legacy_account(
        "L0001", mobile="13700137002", email="li@example.cn", id_number=orgkit.resident_id(7)
    )
    org = organisations.register_legal_person(**orgkit.legal_kwargs())
    ids = (user.id, legacy.id, org.id)
    before = db.session.execute(
        select(User.phone_bidx, User.email_bidx, User.id_number_bidx).where(User.id == ids[0])
    ).one()
    # the operator makes the new key current, runs the command, then takes the old key out
    services().cipher = FieldCipher({OLD: OLD_KEY, NEW: NEW_KEY}, NEW)

    result = app.test_cli_runner().invoke(args=["keys", "reencrypt"])
    assert result.exit_code == 0, result.output
    assert "users.phone_enc: 1 re-encrypted" in result.output

    services().cipher = FieldCipher({NEW: NEW_KEY}, NEW)
    db.session.expire_all()
    user, legacy, org = (
        db.session.get(User, ids[0]),
        db.session.get(LegacyAccount, ids[1]),
        db.session.get(Organisation, ids[2]),
    )
    assert (user.phone, user.email) == ("13700137001", "zhang@example.cn")
    assert all(
        v.startswith(NEW + ":")
        for v in (
            user.phone_enc,
            user.email_enc,
            user.id_number_enc,
            legacy.phone_enc,
            legacy.email_enc,
            legacy.id_number_enc,
            org.uscc_enc,
            org.rep_id_number_enc,
            org.contact_phone_enc,
        )
    )
    assert (legacy.phone, legacy.email) == ("13700137002", "li@example.cn")
    assert org.contact_phone == "13900139000"
    assert (user.phone_bidx, user.email_bidx, user.id_number_bidx) == tuple(before)
    again = app.test_cli_runner().invoke(args=["keys", "reencrypt"])
    assert "done: 0 re-encrypted" in again.output


def test_keys_reencrypt_reports_its_progress_page_by_page(app, monkeypatch):
    """A run over a million rows takes minutes: the operator sees how far it got."""
    from idp.cli import operators

    monkeypatch.setattr(operators, "PROGRESS_EVERY", 0.0)
    make_user(phone="13700137001")
    services().cipher = FieldCipher({OLD: OLD_KEY, NEW: NEW_KEY}, NEW)

    result = app.test_cli_runner().invoke(args=["keys", "reencrypt"])

    assert result.exit_code == 0, result.output
    assert "... users.phone_enc: 1 rows checked; " in result.output
