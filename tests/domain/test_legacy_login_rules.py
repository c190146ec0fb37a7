"""The legacy login rules of idp/domain/legacy/login.py on their own (L1, L2, L4, L5; login table)."""

from __future__ import annotations

import datetime as dt

from idp.domain.legacy import hashes as legacy_hashes
from idp.domain.legacy import login as legacy
from idp.extensions import db
from legacykit import BEIJING, LEGACY_PASSWORD, make_legacy_account

CUTOFF = dt.datetime(2025, 8, 1, tzinfo=BEIJING)
ID_A, ID_B = "110108198805120033", "110105199208150045"
USCC_PROFILE, USCC_FILED = "911101087000000447", "911101087000000522"


def test_l2_cutoff_is_strict_beijing_midnight(app):
    early = make_legacy_account(
        "early", id_number=ID_A, registered_at=CUTOFF - dt.timedelta(seconds=1)
    )
    on_time = make_legacy_account("ontime", id_number=ID_B, registered_at=CUTOFF)
    assert legacy.refusal(early) is None
    assert legacy.refusal(on_time) == legacy.L2_MESSAGE
    # 2025-07-31 16:00 UTC is the cutoff itself
    assert legacy.cutoff() == dt.datetime(2025, 7, 31, 16, tzinfo=dt.UTC)


def test_l2_refusal_only_after_the_password_matched(app):
    make_legacy_account("late", id_number=ID_A, registered_at=CUTOFF + dt.timedelta(days=30))
    assert legacy.authenticate("personal", "late", "wrong-password") is None
    login = legacy.authenticate("personal", "late", LEGACY_PASSWORD)
    assert login.refusal == legacy.L2_MESSAGE and login.user is None


def test_l4_flag_decides_among_several_accounts(app):
    chosen = make_legacy_account("chosen", id_number=ID_A, designated=True)
    simple = make_legacy_account("simple", kind="simple", id_number=ID_A)
    refused = make_legacy_account("refused", id_number=ID_A, designated=False)
    assert legacy.designation_refusal(chosen) is None
    assert legacy.designation_refusal(simple) == legacy.L4_MESSAGE  # a sibling is designated
    assert legacy.designation_refusal(refused) == legacy.L4_MESSAGE


def test_l4_single_account_without_a_flag_is_bindable(app):
    only = make_legacy_account("only", id_number=ID_A)
    assert legacy.refusal(only) is None


def test_l1_successful_legacy_login_rehashes_to_argon2id(app):
    row = make_legacy_account("rehash", id_number=ID_A, fmt="md5_crypt")
    assert legacy_hashes.is_legacy(row.password_hash)
    assert legacy.authenticate("personal", "REHASH", LEGACY_PASSWORD) is not None
    db.session.refresh(row)
    assert row.password_hash.startswith("$argon2id$")
    assert legacy.authenticate("personal", "rehash", LEGACY_PASSWORD) is not None  # same password
    assert legacy.authenticate("personal", "rehash", "Other-pass-1") is None


def test_l5_wrong_password_keeps_the_legacy_hash(app):
    row = make_legacy_account("keep", id_number=ID_A)
    before = row.password_hash
    assert legacy.authenticate("personal", "keep", "not-it") is None
    db.session.refresh(row)
    assert row.password_hash == before


def test_login_table_each_entry_finds_its_own_identifier(app):
    person = make_legacy_account("person1", id_number=ID_A)
    legal = make_legacy_account(
        "legal1", kind="legal", name="北京恒泰科技有限公司", id_type=None, uscc="91110108700000036C"
    )
    foreign = make_legacy_account("globex", kind="legal", name="Globex Ltd", id_type=None)
    agency = make_legacy_account(
        "agency1",
        kind="agency",
        name="北京知信商标代理有限公司",
        id_type=None,
        uscc=USCC_PROFILE,
        filed_uscc=USCC_FILED,
    )
    assert legacy.find_for_entry("personal", "Ｐｅｒｓｏｎ１") == person  # full-width, any case
    assert legacy.find_for_entry("legal", "91110108700000036c") == legal
    assert legacy.find_for_entry("legal", "GLOBEX") == foreign  # no USCC: the account id
    assert legacy.find_for_entry("legal", "legal1") is None  # has a USCC: only the USCC
    assert legacy.find_for_entry("agency", USCC_FILED) == agency
    assert legacy.find_for_entry("agency", USCC_PROFILE) is None  # not the profile's USCC
    assert legacy.find_for_entry("personal", "legal1") is None  # wrong entry
