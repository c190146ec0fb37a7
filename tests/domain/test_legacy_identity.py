"""Whose legacy account it is (S2, L3, L5): ``legacy_identity.owner_refusal``, the one rule of
natural-person supplementation, organisation supplementation and 旧账号管理, and the domain's
refusals of organisation supplementation that the pages cannot bypass. Real database; legacy
rows as the import writes them (tests/legacykit.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import orgkit
from idp.domain.legacy import identity as legacy_identity
from idp.domain.legacy import supplement_org
from idp.domain.legacy.identity import Claimant, IdentityMismatch, name_key, owner_refusal
from idp.domain.legacy.importer import import_file
from idp.domain.models import LegacyAccount, Organisation, User
from idp.domain.registers import lookup as registers
from idp.extensions import db
from idp.services import services
from legacykit import make_legacy_account
from wordkit import said

PERSON = orgkit.resident_id(1)


def person(name: str = "张三", number: str | None = PERSON) -> Claimant:
    bidx = services().blind_index(number, registers.ID_INDEX) if number else None
    return Claimant("natural", name=name, id_number_bidx=bidx)


def organisation(kind: str, code: str | None, review: bool = False) -> Claimant:
    return Claimant(kind, uscc_bidx=registers.uscc_index(code) if code else None, review=review)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("typed", ["张三", " 张 三 ", "张　三", "张三\u200b"])
def test_s2_same_person_is_the_owner(app, typed):
    account = make_legacy_account(id_number=PERSON)
    assert owner_refusal(account, person(typed)) is None


def test_s2_mismatched_person_is_refused(app):
    account = make_legacy_account(id_number=PERSON)
    refusal = owner_refusal(account, person(number=orgkit.resident_id(2)))
    assert isinstance(refusal, IdentityMismatch)
    assert refusal.code == legacy_identity.PERSON_MISMATCH and "人工申诉" in said(refusal)


def test_s2_mismatched_name_is_refused(app):
    account = make_legacy_account(id_number=PERSON)
    assert owner_refusal(account, person("李四")).code == legacy_identity.PERSON_MISMATCH


def test_s2_legacy_account_without_document_number_compares_the_name(app):
    account = make_legacy_account(kind="simple", id_number=None)
    assert owner_refusal(account, person("张三", orgkit.resident_id(9))) is None
    assert owner_refusal(account, person("李四", orgkit.resident_id(9))) is not None


def test_s2_organisation_is_never_the_owner_of_a_persons_legacy_account(app):
    account = make_legacy_account(id_number=PERSON)
    assert (
        owner_refusal(account, organisation("legal", orgkit.uscc(1))).code
        == legacy_identity.WRONG_KIND
    )


def test_s2_name_normalisation():
    """NFKC (full-width letters), whitespace and format characters dropped, one middle dot,
    case-folded; anything else is a different name."""
    assert (
        name_key("阿依古丽·买买提") == name_key("阿依古丽•买买提") == name_key("阿依古丽・买买提")
    )
    assert (
        name_key("阿依古丽.买买提") == name_key("阿依古丽．买买提") == name_key("阿依古丽·买买提")
    )
    assert name_key("ＪＯＨＮ　Ｓｍｉｔｈ") == name_key("john smith") == "johnsmith"
    assert name_key("张\u200b三\u202e") == name_key("张三")
    assert name_key("张三") != name_key("张二") and name_key("") == ""


def test_s2_15_digit_legacy_number_matches_its_18_digit_form(app, tmp_path):
    """The import turns a first-generation number into 18 digits (GB 11643-1999); the person
    types today's number, in lower case too: the blind indexes of normalised numbers meet."""
    path = tmp_path / "legacy.csv"
    path.write_text(
        "legacy_id,type,name,registered_at,password_hash,id_type,id_number\n"
        "OLD15,natural,张三,2020-01-01 08:00:00,e10adc3949ba59abbe56e057f20f883e,"
        "resident_id,110105491231002\n",
        encoding="utf-8",
    )
    import_file(str(path))
    account = db.session.scalar(select(LegacyAccount))
    assert account.id_number_bidx is not None
    typed = services().blind_index("11010519491231002X", registers.ID_INDEX)
    assert owner_refusal(account, Claimant("natural", name="张三", id_number_bidx=typed)) is None


def test_s2_legal_person_keeps_its_legacy_uscc(app):
    account = make_legacy_account("F1", kind="legal", id_number=None, uscc=orgkit.uscc(1))
    assert owner_refusal(account, organisation("legal", orgkit.uscc(1))) is None
    refusal = owner_refusal(account, organisation("legal", orgkit.uscc(2)))
    assert refusal.code == legacy_identity.LEGAL_USCC_MISMATCH and refusal.field == "uscc"
    assert owner_refusal(account, organisation("legal", None, review=True)) is not None
    assert (
        owner_refusal(account, organisation("agency", orgkit.uscc(1))).code
        == legacy_identity.WRONG_KIND
    )


def test_s2_agency_keeps_its_filed_uscc_the_same_as_its_legacy_one(app):
    orgkit.file_agency(orgkit.uscc(2))
    account = make_legacy_account(
        "A1", kind="agency", id_number=None, uscc=orgkit.uscc(2), filed_uscc=orgkit.uscc(2)
    )
    assert owner_refusal(account, organisation("agency", orgkit.uscc(2))) is None
    assert (
        owner_refusal(account, organisation("agency", orgkit.uscc(1))).code
        == legacy_identity.AGENCY_USCC_MISMATCH
    )
    unfiled = make_legacy_account("A2", kind="agency", id_number=None, uscc=orgkit.uscc(3))
    assert (
        owner_refusal(unfiled, organisation("agency", orgkit.uscc(3))).code
        == legacy_identity.Y1_NOT_FILED
    )


@pytest.mark.parametrize("typed", [1, 2])
def test_y1_agency_whose_filed_uscc_differs_links_with_neither_uscc(app, typed):
    """Y1: a filing whose USCC differs from the legacy profile's needs a filing change first,
    the login's answer (``agency_refusal``) — whichever USCC the agency names."""
    orgkit.file_agency(orgkit.uscc(2))
    account = make_legacy_account(
        "A1", kind="agency", id_number=None, uscc=orgkit.uscc(1), filed_uscc=orgkit.uscc(2)
    )
    refusal = owner_refusal(account, organisation("agency", orgkit.uscc(typed)))
    assert refusal.code == legacy_identity.Y1_FILING_CHANGE and refusal.field == "uscc"
    assert legacy_identity.agency_refusal(account) == legacy_identity.Y1_FILING_CHANGE
    assert legacy_identity.own_uscc_bidx(account) is None


def test_y1_agency_not_on_the_register_links_no_way(app):
    account = make_legacy_account(
        "A1", kind="agency", id_number=None, uscc=orgkit.uscc(2), filed_uscc=orgkit.uscc(2)
    )
    assert (
        owner_refusal(account, organisation("agency", orgkit.uscc(2))).code
        == legacy_identity.Y1_NOT_FILED
    )


def test_d2_agency_without_a_valid_legacy_uscc_keeps_its_filed_one(app):
    orgkit.file_agency(orgkit.uscc(2))
    account = _with_bad_uscc(
        make_legacy_account("A1", kind="agency", id_number=None, filed_uscc=orgkit.uscc(2))
    )
    assert legacy_identity.agency_refusal(account) is None
    assert owner_refusal(account, organisation("agency", orgkit.uscc(2))) is None


def _with_bad_uscc(account: LegacyAccount) -> LegacyAccount:
    """A stored USCC whose check character is wrong (a row of an older, laxer import)."""
    good = orgkit.uscc(4)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    account.uscc_enc = services().cipher.encrypt(bad, registers.USCC_INDEX)
    account.uscc_bidx = registers.uscc_index(bad)
    db.session.commit()
    return account


@pytest.mark.parametrize("stored", ["missing", "bad checksum"])
def test_s5_legacy_legal_person_without_a_valid_uscc_may_only_go_the_review_path(app, stored):
    account = make_legacy_account("F1", kind="legal", id_number=None)
    if stored == "bad checksum":
        account = _with_bad_uscc(account)
    assert legacy_identity.own_uscc_bidx(account) is None
    assert supplement_org.variant(account) == "foreign"
    assert owner_refusal(account, organisation("legal", None, review=True)) is None
    for code in (orgkit.uscc(4), orgkit.uscc(5)):
        assert owner_refusal(account, organisation("legal", code)).code == legacy_identity.NO_USCC
    assert owner_refusal(account, organisation("legal", None)) is not None  # not reviewed


def test_s2_org_other_uscc_is_refused_by_the_domain_and_nothing_is_written(app):
    """complete_legal / complete_agency / complete_foreign decide the USCC rule themselves,
    whatever the pages let through: another legacy account's USCC, a USCC for a legacy legal
    person without one, the review path for one that has one, an agency without a filing."""
    make_legacy_account("F2", kind="legal", id_number=None, uscc=orgkit.uscc(2))
    with_uscc = make_legacy_account("F1", kind="legal", id_number=None, uscc=orgkit.uscc(1))
    without = make_legacy_account("F3", kind="legal", id_number=None)
    orgkit.file_agency(orgkit.uscc(6))  # filed, but not this agency's: its USCC is not
    unfiled = make_legacy_account("A1", kind="agency", id_number=None, uscc=orgkit.uscc(8))
    data = {k: v for k, v in orgkit.legal_kwargs().items() if k != "uscc"}
    attempts = [
        lambda: supplement_org.complete_legal(with_uscc, uscc=orgkit.uscc(2), **data),
        lambda: supplement_org.complete_legal(without, uscc=orgkit.uscc(2), **data),
        lambda: supplement_org.complete_legal(without, uscc=orgkit.uscc(7), **data),
        lambda: supplement_org.complete_agency(unfiled, uscc=orgkit.uscc(6), **data),
        lambda: supplement_org.complete_foreign(
            with_uscc,
            country="新加坡",
            name_en="Example",
            registration_number="1",
            identity_proof=None,
            qualification=None,
            **data,
        ),
    ]
    for attempt in attempts:
        with pytest.raises(IdentityMismatch):
            attempt()
    db.session.expire_all()
    assert count(Organisation) == 0 and count(User) == 0
    assert all(a.user_id is None for a in db.session.scalars(select(LegacyAccount)))
