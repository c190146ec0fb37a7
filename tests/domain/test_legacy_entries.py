"""The legacy login's entries at the domain level (login table, L1, L4, L5, L6, P6, Y1, D2):
which accounts an identifier names, which of several wins, what each entry answers once the
password matched, what the attempt costs and which counter it counts on."""

from __future__ import annotations

import datetime as dt
import logging

import argon2.low_level
import pytest

import orgkit
from idp.domain.legacy import (
    hashes as legacy_hashes,
)
from idp.domain.legacy import (
    link as legacy_link,
)
from idp.domain.legacy import (
    login as legacy,
)
from idp.domain.legacy import (
    supplement_org,
)
from idp.domain.legacy.entries import SITUATIONS
from idp.domain.legacy.identity import IdentityMismatch
from idp.domain.models import LegacyAccount
from idp.domain.signin import login_keys
from idp.extensions import db
from legacyentrykit import OTHER_PASSWORD, build, organisation_user
from legacykit import BEIJING, LEGACY_PASSWORD, make_legacy_account
from orgsupplementkit import FILED_USCC, PROFILE_USCC, USCC, agency_legacy, legal_legacy
from supplementkit import natural_legacy

WEB_ONLY = {"locked", "wrong_captcha"}  # the throttle and the captcha are the page's (auth)


@pytest.mark.parametrize(
    "row",
    [r for r in SITUATIONS if r.situation not in WEB_ONLY],
    ids=lambda r: f"{r.entry}-{r.situation}",
)
def test_login_table_every_answer_of_legacy_authenticate(app, row):
    case = build(row.entry, row.situation)
    login = legacy.authenticate(row.entry, case.identifier, case.password)
    if row.answer == "failure" and row.situation != "linked_deactivated":
        assert login is None  # one generic answer, before anything else is said
        return
    assert login is not None and login.account.id == case.account.id
    if row.answer == "supplement":
        assert (login.user, login.refusal) == (None, None)
    elif row.answer in ("sign_in", "pending_review", "failure"):  # the page reads the status
        assert login.user is not None and login.refusal is None
    else:
        assert login.refusal == legacy.MESSAGES[row.answer] and login.user is None


@pytest.mark.parametrize("entry", ["legal", "agency"])
def test_l4_several_accounts_under_one_uscc_designated_signs_in(app, entry):
    """A company registered more than once: the designated account signs in with its
    password; another account's correct password gets the L4 explanation."""
    make = legal_legacy if entry == "legal" else agency_legacy
    identifier = USCC if entry == "legal" else FILED_USCC
    chosen = make(designated=True)
    other = make(
        "X0002",
        designated=False,
        password=OTHER_PASSWORD,
        **({"filed": False} if entry == "agency" else {}),
    )
    assert legacy.authenticate(entry, identifier, LEGACY_PASSWORD).account.id == chosen.id
    refused = legacy.authenticate(entry, identifier, OTHER_PASSWORD)
    assert refused.account.id == other.id and refused.refusal == legacy.L4_MESSAGE
    assert legacy.authenticate(entry, identifier, "Neither-pass-1") is None


def test_l4_one_id_number_several_accounts_as_on_the_personal_entry(app):
    chosen = natural_legacy(account="P0001", designated=True)
    natural_legacy(account="P0002", kind="simple", password=OTHER_PASSWORD)
    assert legacy.authenticate("personal", "P0001", LEGACY_PASSWORD).refusal is None
    assert legacy.authenticate("personal", "P0002", OTHER_PASSWORD).refusal == legacy.L4_MESSAGE
    assert chosen.designated is True


def test_l4_same_password_first_registration_goes_on_then_the_other_is_refused(app):
    later = legal_legacy("F0002", registered_at=dt.datetime(2022, 1, 1, tzinfo=BEIJING))
    first = legal_legacy("F0001", registered_at=dt.datetime(2018, 1, 1, tzinfo=BEIJING))
    login = legacy.authenticate("legal", USCC, LEGACY_PASSWORD)
    assert login.account.id == first.id and login.refusal is None
    legacy_link.link(organisation_user("legal", USCC), first)
    db.session.commit()
    assert legacy.designation_refusal(later) == legacy.L4_MESSAGE  # a linked sibling (L3)
    assert legacy.authenticate("legal", USCC, LEGACY_PASSWORD).user is not None  # L6


def test_l1_only_the_chosen_account_is_rehashed(app):
    chosen = legal_legacy("F0001", designated=True)
    other = legal_legacy("F0002")
    legacy.authenticate("legal", USCC, LEGACY_PASSWORD)
    db.session.refresh(chosen)
    db.session.refresh(other)
    assert chosen.password_hash.startswith("$argon2id$")
    assert legacy_hashes.is_legacy(other.password_hash)


@pytest.fixture
def argon2_count(monkeypatch):
    seen = []
    real = argon2.low_level.verify_secret
    monkeypatch.setattr(
        argon2.low_level, "verify_secret", lambda *a, **kw: seen.append(1) or real(*a, **kw)
    )
    return seen


def test_legacy_login_time_several_accounts_cost_one_argon2id_verification(app, argon2_count):
    """docs/legacy.md "Legacy login time": three legacy-format accounts under one USCC cost
    what an unknown USCC costs."""
    for n in range(3):
        legal_legacy(f"F000{n}", password=f"Pass-{n}-legacy")
    assert legacy.authenticate("legal", USCC, "Wrong-pass-1") is None
    several = len(argon2_count)
    assert legacy.authenticate("legal", orgkit.uscc(60), "Wrong-pass-1") is None
    assert several == len(argon2_count) - several == 1


def test_d2_dirty_legal_person_signs_in_by_id_and_goes_the_review_path_only(app):
    """D2: its USCC failed its check at import; its id signs it in, its supplementation is
    the review path (S5), and it can adopt no USCC — not another organisation's either."""
    account = legal_legacy("F0002", uscc=None)
    other = legal_legacy("F0001")  # another organisation with a valid USCC
    login = legacy.authenticate("legal", "f0002", LEGACY_PASSWORD)
    assert login.account.id == account.id and login.refusal is None
    assert supplement_org.variant(account) == "foreign"
    supplement_org.check_uscc(account, None)
    for code in (USCC, orgkit.uscc(61)):
        with pytest.raises(IdentityMismatch):
            supplement_org.check_uscc(account, code)
    assert other.uscc_bidx is not None


def test_d2_dirty_agency_by_id_keeps_its_filed_uscc(app):
    orgkit.file_agency(FILED_USCC)
    account = agency_legacy(filed=False)
    account.uscc_bidx = account.uscc_enc = account.uscc_masked = None  # dropped at import
    db.session.commit()
    assert legacy.authenticate("agency", "A0001", LEGACY_PASSWORD).refusal is None
    supplement_org.check_uscc(account, FILED_USCC)
    with pytest.raises(IdentityMismatch):
        supplement_org.check_uscc(account, PROFILE_USCC)


def test_y1_filed_uscc_differs_one_answer_at_login_and_every_link(app):
    """Y1: the legacy profile holds another valid USCC than the filed one (on the register):
    the filing-change explanation at the 代理机构 entry with either USCC, and the same refusal
    from supplementation and 旧账号管理 (``legacy_identity.agency_refusal``)."""
    account = agency_legacy(uscc=PROFILE_USCC)
    for typed in (FILED_USCC, PROFILE_USCC):
        login = legacy.authenticate("agency", typed, LEGACY_PASSWORD)
        assert login.account.id == account.id and login.user is None
        assert login.refusal == legacy.MESSAGES["y1_filing_change"]
        assert legacy.authenticate("agency", typed, OTHER_PASSWORD) is None  # L5 first
        with pytest.raises(IdentityMismatch) as refused:
            supplement_org.check_uscc(account, typed)
        assert refused.value.code == legacy.MESSAGES["y1_filing_change"]
    user = organisation_user("agency", FILED_USCC)
    with pytest.raises(IdentityMismatch) as refused:
        legacy_link.link_existing(user, "A0001", LEGACY_PASSWORD)
    assert refused.value.code == legacy.MESSAGES["y1_filing_change"]
    db.session.refresh(account)
    assert account.user_id is None


def test_y1_export_without_filed_uscc_agency_on_the_register_by_its_legacy_uscc(app):
    """Y1: an export without ``filed_uscc``: an agency whose valid legacy USCC is on the filing
    register is filed under that very code — it signs in with it and keeps it (S6); one whose
    legacy USCC is not on the register gets the not-filed explanation."""
    orgkit.file_agency(FILED_USCC)
    account = make_legacy_account(
        "A0001", kind="agency", name="甲代理", id_type=None, uscc=FILED_USCC
    )
    login = legacy.authenticate("agency", FILED_USCC, LEGACY_PASSWORD)
    assert login.account.id == account.id and login.refusal is None
    assert legacy.authenticate("agency", FILED_USCC, OTHER_PASSWORD) is None
    supplement_org.check_uscc(account, FILED_USCC)
    assert supplement_org.prefill_org(account)["uscc"] == FILED_USCC
    unfiled = make_legacy_account(
        "A0002", kind="agency", name="乙代理", id_type=None, uscc=PROFILE_USCC
    )
    login = legacy.authenticate("agency", PROFILE_USCC, LEGACY_PASSWORD)
    assert login.account.id == unfiled.id
    assert login.refusal == legacy.MESSAGES["y1_not_filed"]


def test_y1_empty_register_is_logged_not_silent(app, caplog):
    agency_legacy(filed=False)
    with caplog.at_level(logging.WARNING, logger="idp.domain.legacy.entries"):
        login = legacy.authenticate("agency", FILED_USCC, LEGACY_PASSWORD)
    assert login.refusal == legacy.MESSAGES["y1_not_filed"]
    assert "filing register is empty" in caplog.text and FILED_USCC not in caplog.text


def test_p6_legal_person_changed_into_agency_signs_in_at_the_agency_entry(app):
    orgkit.file_agency(USCC)
    account = legal_legacy()
    legacy_link.link(organisation_user("agency", USCC), account)
    db.session.commit()
    assert legacy.authenticate("agency", USCC, LEGACY_PASSWORD).refusal is None
    at_legal = legacy.authenticate("legal", USCC, LEGACY_PASSWORD)
    assert at_legal.refusal == legacy.MESSAGES["use_agency_entry"]


def test_throttle_one_counter_per_account_when_a_uscc_names_several(app):
    """docs/accounts.md: the counter of the account the identifier names first; the same
    account's other identifiers share it."""
    chosen = legal_legacy("F0001", designated=True)
    legal_legacy("F0002", password=OTHER_PASSWORD)
    key = login_keys.for_legacy("legal", USCC)
    assert key == login_keys.of_legacy(chosen) == login_keys.for_legacy("personal", "F0001")
    assert key == login_keys.for_legacy("legal", USCC.lower())
    assert login_keys.for_legacy("legal", orgkit.uscc(62)) != key
    assert db.session.scalar(db.select(db.func.count()).select_from(LegacyAccount)) == 2


@pytest.mark.parametrize("entry", ["legal", "agency"])
def test_g_legacy_uscc_in_other_digits_names_no_account_full_width_names_it(app, entry):
    """A stranger's spelling of an organisation's USCC: other scripts' digits (Arabic-Indic)
    or a NUL byte name no legacy account — the password is never tried against it — while
    full-width forms are the same code (identifiers.normalize)."""
    account = legal_legacy() if entry == "legal" else agency_legacy()
    code = USCC if entry == "legal" else FILED_USCC
    arabic = "".join(chr(0x660 + int(c)) if c.isdigit() else c for c in code)
    for spelling in (arabic, code + "\x00", code[:-1] + "\x00"):
        assert legacy.named(entry, spelling) == []
        assert legacy.authenticate(entry, spelling, LEGACY_PASSWORD) is None
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert legacy.authenticate(entry, full_width, LEGACY_PASSWORD).account.id == account.id
