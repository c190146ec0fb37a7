"""Mobiles and e-mail addresses at rest (docs/accounts.md, "Personal data at rest"): every table
holds them only as ciphertext and blind index (D5); a query finds them by the blind index of the
normalised value; migration 0008 seals the rows that existed before, and a parked authorization
request keeps its login_hint encrypted. Read back with raw SQL: what a database dump shows."""

from __future__ import annotations

import json

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

import orgkit
from idp.domain.crypto import DecryptionError
from idp.domain.identity import contacts
from idp.domain.legacy import appeals
from idp.domain.models import LegacyAccount, LegacyAppeal, Organisation, User
from idp.domain.organisations import registration as organisations
from idp.domain.organisations.registration import Upload
from idp.extensions import db
from idp.services import services
from legacykit import make_legacy_account
from support import Browser, html_of, make_user

USER_PHONE, USER_MAIL = "13700137001", "zhang.san@example.cn"
LEGACY_PHONE, LEGACY_MAIL = "13700137002", "legacy.li@example.cn"
APPEAL_PHONE, APPEAL_MAIL = "13700137003", "appeal.wang@example.cn"
ORG_PHONE = "13700137004"
PLAIN = (USER_PHONE, USER_MAIL, LEGACY_PHONE, LEGACY_MAIL, APPEAL_PHONE, APPEAL_MAIL, ORG_PHONE)
TABLES = ("users", "legacy_accounts", "legacy_appeals", "organisations")


@pytest.fixture
def settings_overrides(tmp_path):
    return {"files": {"upload_dir": str(tmp_path / "uploads")}}


def one_of_each() -> dict:
    user = make_user(phone=USER_PHONE, email=USER_MAIL)
    legacy = make_legacy_account("L0001", mobile=LEGACY_PHONE, email=LEGACY_MAIL)
    appeal = appeals.open_appeal(
        account="L0001",
        name="张三",
        phone=APPEAL_PHONE,
        email=APPEAL_MAIL,
        content="旧系统登录时提示证件号码不一致。",
        phone_verified=True,
        identity_proof=Upload("id.pdf", orgkit.pdf_bytes()),
        other_proof=None,
    )
    org = organisations.register_legal_person(
        **orgkit.legal_kwargs(contact=orgkit.contact(phone=ORG_PHONE))
    )
    db.session.commit()
    return {
        "users": user.id,
        "legacy_accounts": legacy.id,
        "legacy_appeals": appeal.id,
        "organisations": org.id,
        "org_user": org.user_id,
    }


def raw_dump() -> str:
    """Every row of the four tables as the database returns it."""
    rows = []
    for table in TABLES:
        rows += [repr(tuple(r)) for r in db.session.execute(text(f"SELECT * FROM {table}"))]
    return "\n".join(rows)


def test_d5_mobiles_and_emails_are_encrypted_at_rest(app):
    ids = one_of_each()
    dump = raw_dump()
    assert [value for value in PLAIN if value in dump] == []
    db.session.expire_all()
    user = db.session.get(User, ids["users"])
    assert (user.phone, user.email) == (USER_PHONE, USER_MAIL)
    assert user.phone_bidx == contacts.phone_index(USER_PHONE)
    legacy = db.session.get(LegacyAccount, ids["legacy_accounts"])
    assert (legacy.phone, legacy.email) == (LEGACY_PHONE, LEGACY_MAIL)
    appeal = db.session.get(LegacyAppeal, ids["legacy_appeals"])
    assert (appeal.phone, appeal.email) == (APPEAL_PHONE, APPEAL_MAIL)
    assert db.session.get(Organisation, ids["organisations"]).contact_phone == ORG_PHONE


def test_d5_contacts_are_found_by_the_blind_index_of_the_normalised_value(app):
    ids = one_of_each()
    assert (
        db.session.scalar(select(User.id).where(User.phone == "１３７００１３７００１"))
        == ids["users"]
    )
    assert (
        db.session.scalar(select(User.id).where(User.email == "Zhang.San@EXAMPLE.cn"))
        == ids["users"]
    )
    assert db.session.scalar(select(User.id).where(User.phone == LEGACY_PHONE)) is None
    assert (
        appeals.lookup(
            db.session.get(LegacyAppeal, ids["legacy_appeals"]).case_number, APPEAL_PHONE
        ).id
        == ids["legacy_appeals"]
    )


def test_d5_a_mobile_is_not_a_valid_email_ciphertext(app):
    user = make_user(phone=USER_PHONE, email=USER_MAIL)
    swapped = user.phone_enc
    with pytest.raises(DecryptionError):
        contacts.unseal("email", swapped)


def test_migration_0008_seals_existing_mobiles_and_emails(app):
    ids = one_of_each()
    db.session.remove()
    try:
        downgrade(revision="0007")
        plain = {t: db.session.execute(text(f"SELECT * FROM {t}")).mappings().all() for t in TABLES}
        db.session.remove()
    finally:
        upgrade()
    users = {r["id"]: r for r in plain["users"]}
    assert (users[ids["users"]]["phone"], users[ids["users"]]["email"]) == (USER_PHONE, USER_MAIL)
    assert plain["legacy_appeals"][0]["phone"] == APPEAL_PHONE
    assert plain["organisations"][0]["contact_phone"] == ORG_PHONE
    dump = raw_dump()
    assert [value for value in PLAIN if value in dump] == []
    user = db.session.get(User, ids["users"])
    assert (user.phone, user.email) == (USER_PHONE, USER_MAIL)
    assert db.session.scalar(select(User.id).where(User.phone == USER_PHONE)) == ids["users"]
    legacy = db.session.get(LegacyAccount, ids["legacy_accounts"])
    assert (legacy.phone, legacy.email) == (LEGACY_PHONE, LEGACY_MAIL)
    assert db.session.get(Organisation, ids["organisations"]).contact_phone == ORG_PHONE
    with pytest.raises(IntegrityError):  # the unique index of active mobiles is on the blind index
        db.session.add(
            User(
                name="李四",
                phone=USER_PHONE,
                password_hash="x",
                status="active",
                created_at=user.created_at,
                updated_at=user.created_at,
            )
        )
        db.session.flush()
    db.session.rollback()


def test_parked_authorization_request_keeps_its_login_hint_encrypted(app, rp):
    browser = Browser(app)
    parked = browser.authorize(rp, login_hint=USER_PHONE)
    iid = parked.location.split("/interaction/")[1].split("/")[0]
    raw = services().store.get(f"ia:{iid}")
    assert USER_PHONE not in raw and "login_hint" not in json.loads(raw)["params"]
    page = browser.http.get(parked.location)
    while page.status_code in (301, 302, 303):
        page = browser.http.get(page.location)
    assert USER_PHONE in html_of(page)  # still prefilled on the login page
