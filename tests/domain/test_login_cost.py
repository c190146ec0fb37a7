"""Login time does not tell who is registered (docs/accounts.md "Login time", docs/legacy.md
"Legacy login time"): every password check costs exactly one argon2id verification, whether
the identifier exists and whatever scheme a legacy hash uses. Counted, never timed: the
argon2-cffi verification passlib calls, and the legacy CryptContext's verifications."""

from __future__ import annotations

import argon2.low_level
import pytest
from passlib.hash import bcrypt, hex_md5, hex_sha256

from idp.domain.accounts import passwords
from idp.domain.accounts import users as accounts
from idp.domain.legacy import hashes as legacy_hashes
from idp.domain.legacy import login as legacy
from idp.domain.organisations import registration as organisations
from legacykit import LEGACY_PASSWORD, make_legacy_account
from orgkit import legal_kwargs, uscc
from support import PASSWORD, PHONE, make_user


@pytest.fixture
def count(monkeypatch):
    """Counts of argon2id verifications and of legacy-scheme verifications."""
    seen = {"argon2": 0, "legacy": 0}
    real_argon2, real_legacy = argon2.low_level.verify_secret, legacy_hashes.CONTEXT.verify

    def argon2_verify(*args, **kw):
        seen["argon2"] += 1
        return real_argon2(*args, **kw)

    def legacy_verify(*args, **kw):
        seen["legacy"] += 1
        return real_legacy(*args, **kw)

    monkeypatch.setattr(argon2.low_level, "verify_secret", argon2_verify)
    monkeypatch.setattr(legacy_hashes.CONTEXT, "verify", legacy_verify)

    def take():
        now = dict(seen)
        seen.update(argon2=0, legacy=0)
        return now

    return take


def stored(account, raw: str):
    from idp.extensions import db

    account.password_hash = raw
    db.session.commit()
    return account


def test_dummy_hash_has_the_parameters_of_real_hashes(app):
    real = passwords.hash_password("Some-password-1").split("$")[:4]
    assert passwords._dummy_hash.split("$")[:4] == real and real[1] == "argon2id"


def test_legacy_unknown_id_costs_one_argon2id_verification(app, count):
    assert legacy.authenticate("personal", "no-such-account", LEGACY_PASSWORD) is None
    assert count() == {"argon2": 1, "legacy": 0}
    assert legacy.authenticate("legal", uscc(5), LEGACY_PASSWORD) is None
    assert count() == {"argon2": 1, "legacy": 0}


@pytest.mark.parametrize(
    "raw",
    [
        hex_md5.hash(LEGACY_PASSWORD),
        hex_sha256.hash(LEGACY_PASSWORD),
        f"$legacy-md5-prefix${b'salt'.hex()}$" + hex_md5.hash("salt" + LEGACY_PASSWORD),
        bcrypt.using(rounds=4).hash(LEGACY_PASSWORD),
    ],
    ids=["md5", "sha256", "salted_md5", "bcrypt"],
)
def test_legacy_hash_costs_one_argon2id_verification_right_or_wrong(app, count, raw):
    account = stored(make_legacy_account("L0001"), raw)
    assert legacy.authenticate("personal", "L0001", "Wrong-pass-1") is None
    wrong = count()
    assert legacy.authenticate("personal", "L0001", LEGACY_PASSWORD).account.id == account.id
    assert count() == wrong == {"argon2": 1, "legacy": 1}
    assert account.password_hash.startswith("$argon2id$")  # L1: rehashed on success


def test_legacy_argon2id_hash_costs_one_verification(app, count):
    make_legacy_account("L0001", fmt="argon2")
    assert legacy.authenticate("personal", "L0001", "Wrong-pass-1") is None
    assert count() == {"argon2": 1, "legacy": 0}
    assert legacy.authenticate("personal", "L0001", LEGACY_PASSWORD) is not None
    assert count() == {"argon2": 1, "legacy": 0}


def test_legacy_broken_hash_costs_the_same(app, count):
    stored(make_legacy_account("L0001"), "$legacy-md5-prefix$zz$not-hex")
    assert legacy.authenticate("personal", "L0001", LEGACY_PASSWORD) is None
    assert count()["argon2"] == 1


def test_password_login_costs_one_argon2id_verification_known_or_not(app, count):
    make_user()
    organisations.register_legal_person(**legal_kwargs(uscc(1)))
    for identifier, password in (
        (PHONE, "Wrong-pass-1"),
        (PHONE, PASSWORD),
        ("13900000000", PASSWORD),
        ("x" * 200, PASSWORD),
        ("", ""),
    ):
        accounts.authenticate(identifier, password)
        assert count()["argon2"] == 1, identifier
    for identifier in (uscc(1), uscc(2), "x" * 200):
        accounts.authenticate_organisation(identifier, "legal", PASSWORD)
        assert count()["argon2"] == 1, identifier


def test_unusable_stored_password_costs_one_verification(app, count):
    assert passwords.verify(PASSWORD, "!deactivated") is False  # a deactivated account (P4)
    assert count()["argon2"] == 1
    assert passwords.verify(PASSWORD, "$argon2id$broken") is False
    assert count()["argon2"] >= 1  # a full verification, besides the library's quick refusal
