"""Test data for legacy accounts (L1–L10): rows written as the import writes them.

``make_legacy_account`` stores one ``LegacyAccount`` with its identity encrypted, blind-indexed
and masked (D5) under the same purposes as users, organisations and the registers, and its
password in a legacy format (``fmt``: "md5" = unsalted hex MD5, "md5_crypt"; anything else is
taken as already-stored argon2id) so the first legacy login exercises the rehash (L1).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from passlib.hash import hex_md5, md5_crypt

from idp.domain.accounts import passwords
from idp.domain.identity import documents
from idp.domain.legacy import login as legacy
from idp.domain.models import LegacyAccount
from idp.domain.models._types import from_timestamp
from idp.domain.registers.lookup import ID_INDEX, USCC_INDEX, uscc_index
from idp.extensions import db
from idp.services import services

BEIJING = dt.timezone(dt.timedelta(hours=8))
REGISTERED = dt.datetime(2020, 1, 1, tzinfo=BEIJING)
LEGACY_PASSWORD = "Legacy-pass-1"


def _hash(password: str, fmt: str) -> str:
    if fmt == "md5":
        return hex_md5.hash(password)
    if fmt == "md5_crypt":
        return md5_crypt.hash(password)
    return passwords.hash_password(password)


def make_legacy_account(
    account: str = "L0001",
    kind: str = "natural",
    name: str = "张三",
    id_type: str | None = "resident_id",
    id_number: str | None = None,
    uscc: str | None = None,
    filed_uscc: str | None = None,
    mobile: str | None = None,
    email: str | None = None,
    password: str = LEGACY_PASSWORD,
    registered_at: dt.datetime = REGISTERED,
    designated: bool | None = None,
    fmt: str = "md5",
) -> LegacyAccount:
    """One committed legacy account; ``filed_uscc`` is the agency-filing USCC (agency entry)."""
    svc = services()
    now = from_timestamp(svc.clock.now())
    row = LegacyAccount(
        account=account,
        account_key=legacy.account_key(account),
        kind=kind,
        name=name,
        id_type=id_type if id_number else None,
        phone=mobile,
        email=email,
        registered_at=registered_at,
        password_hash=_hash(password, fmt),
        designated=designated,
        row_digest=hashlib.sha256(f"{account}|{kind}|{name}".encode()).hexdigest(),
        imported_at=now,
        updated_at=now,
    )
    if id_number:
        number = documents.normalize(id_number)
        row.id_number_enc = svc.cipher.encrypt(number, ID_INDEX)
        row.id_number_bidx = svc.blind_index(number, ID_INDEX)
        row.id_number_masked = documents.mask_id_number(number)
    if uscc:
        code = documents.normalize(uscc)
        row.uscc_enc = svc.cipher.encrypt(code, USCC_INDEX)
        row.uscc_bidx = uscc_index(code)
        row.uscc_masked = documents.mask_uscc(code)
    if filed_uscc:
        row.filed_uscc_bidx = uscc_index(filed_uscc)
    db.session.add(row)
    db.session.commit()
    return row
