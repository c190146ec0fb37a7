"""The situations of ``legacy_entries.SITUATIONS`` built as data (docs/legacy.md "Every answer
of the legacy login"): ``build(entry, situation)`` stores the legacy accounts (and registers,
users, links) the situation needs and returns what to type at that entry. Shared by the domain
test and the login-page test of the table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import orgkit
from idp.domain.legacy import link as legacy_link
from idp.domain.models import User
from idp.domain.models.user import DEACTIVATED, PENDING_REVIEW
from idp.domain.organisations import registration as organisations
from idp.extensions import db
from legacykit import BEIJING, LEGACY_PASSWORD, make_legacy_account
from orgsupplementkit import (
    AGENCY_NAME,
    FILED_USCC,
    PROFILE_USCC,
    USCC,
    agency_legacy,
    legal_legacy,
)
from supplementkit import ID_NUMBER, natural_legacy
from support import make_user

OTHER_PASSWORD = "Other-legacy-9"
LATE = dt.datetime(2025, 9, 1, tzinfo=BEIJING)
UNKNOWN = {"personal": "NOBODY", "legal": orgkit.uscc(50), "agency": orgkit.uscc(51)}


@dataclass
class Case:
    """What to type: the identifier, the password; ``account`` is the legacy account the
    answer is about (None when none is)."""

    identifier: str
    password: str = LEGACY_PASSWORD
    account: object = None


def _home(entry: str, **kw):
    """The entry's ordinary legacy account and the identifier its own entry names it by."""
    if entry == "personal":
        return natural_legacy(**kw), "L0001"
    if entry == "legal":
        return legal_legacy(**kw), USCC
    return agency_legacy(**kw), FILED_USCC


def _sibling(entry: str, designated: bool | None, password: str = LEGACY_PASSWORD):
    """Another legacy account of the same person or organisation (L4), registered later."""
    later = dt.datetime(2021, 1, 1, tzinfo=BEIJING)
    if entry == "personal":
        return natural_legacy(
            account="L0002",
            kind="simple",
            designated=designated,
            password=password,
            registered_at=later,
        )
    if entry == "legal":
        return legal_legacy("F0009", designated=designated, password=password, registered_at=later)
    return agency_legacy(
        "A0009", filed=False, designated=designated, password=password, registered_at=later
    )


def organisation_user(kind: str, code: str) -> User:
    register = (
        organisations.register_agency if kind == "agency" else organisations.register_legal_person
    )
    org = register(**orgkit.legal_kwargs(code))
    return db.session.get(User, org.user_id)


def _linked(entry: str, status: str | None = None) -> Case:
    account, identifier = _home(entry)
    if entry == "personal":
        user = make_user(id_type="resident_id", id_number=ID_NUMBER)
    else:
        user = organisation_user(entry, FILED_USCC if entry == "agency" else USCC)
    legacy_link.link(user, account)
    if status:
        user.status = status
    db.session.commit()
    return Case(identifier, account=account)


def _every_entry(entry: str, situation: str) -> Case | None:
    if situation == "unknown":
        return Case(UNKNOWN[entry])
    if situation in ("wrong_password", "unusable_hash", "locked", "wrong_captcha"):
        account, identifier = _home(entry)
        if situation == "unusable_hash":  # a malformed imported hash never verifies
            account.password_hash = "$2b$04$not-a-hash"
            db.session.commit()
        password = OTHER_PASSWORD if situation == "wrong_password" else LEGACY_PASSWORD
        return Case(identifier, password, account)
    if situation == "after_cutoff":
        account, identifier = _home(entry, registered_at=LATE)
        return Case(identifier, account=account)
    if situation == "not_designated":  # the password of the other, not designated account
        _home(entry, designated=True)
        other = _sibling(entry, designated=False, password=OTHER_PASSWORD)
        identifier = other.account if entry == "personal" else _home_identifier(entry)
        return Case(identifier, OTHER_PASSWORD, other)
    if situation == "linked":
        return _linked(entry)
    return None


def _home_identifier(entry: str) -> str:
    return {"personal": "L0001", "legal": USCC, "agency": FILED_USCC}[entry]


def _personal(situation: str) -> Case:
    if situation == "natural":
        return Case("L0001", account=natural_legacy())
    if situation == "simple":
        return Case("S0001", account=natural_legacy(account="S0001", kind="simple"))
    if situation == "several_ids_designated":
        designated = natural_legacy(designated=True)
        _sibling("personal", designated=None, password=LEGACY_PASSWORD)
        return Case("L0001", account=designated)
    if situation == "legal_by_id":
        return Case("F0001", account=legal_legacy())
    if situation == "agency_by_id":
        return Case("A0001", account=agency_legacy())
    if situation == "linked_deactivated":  # P4: the user signs in no more
        return _linked("personal", status=DEACTIVATED)
    if situation == "linked_legal_by_id":
        case = _linked("legal")
        return Case("F0001", account=case.account)
    raise KeyError(situation)


def _legal(situation: str) -> Case:
    if situation == "legal_by_uscc":
        return Case(USCC, account=legal_legacy())
    if situation == "dirty_legal_by_id":  # D2: the USCC failed its check and was dropped
        return Case("F0002", account=legal_legacy("F0002", uscc=None))
    if situation == "legal_with_uscc_by_id":
        return Case("F0001", account=legal_legacy())
    if situation == "several_designated":
        chosen = legal_legacy(designated=True)
        _sibling("legal", designated=False, password=OTHER_PASSWORD)
        return Case(USCC, account=chosen)
    if situation == "several_same_password":  # the first registration goes on (legacy.rank)
        first = legal_legacy()
        _sibling("legal", designated=None)
        return Case(USCC, account=first)
    if situation == "linked_pending_review":
        return _linked("legal", status=PENDING_REVIEW)
    if situation == "agency_by_filed_uscc":
        return Case(FILED_USCC, account=agency_legacy())
    if situation == "agency_by_legacy_uscc":
        return Case(PROFILE_USCC, account=agency_legacy(uscc=PROFILE_USCC))
    if situation == "natural_by_id":
        return Case("L0001", account=natural_legacy())
    raise KeyError(situation)


def _agency_row(**kw):
    return make_legacy_account("A0001", kind="agency", name=AGENCY_NAME, id_type=None, **kw)


def _agency(situation: str) -> Case:
    if situation == "filed_on_register":  # its legacy profile holds the same USCC
        return Case(FILED_USCC, account=agency_legacy())
    if situation == "agency_with_uscc_by_id":
        return Case("A0001", account=agency_legacy())
    if situation in ("filed_uscc_differs", "legacy_uscc_differs"):  # Y1: a filing change first
        typed = FILED_USCC if situation == "filed_uscc_differs" else PROFILE_USCC
        return Case(typed, account=agency_legacy(uscc=PROFILE_USCC))
    if situation == "filed_not_on_register":
        return Case(FILED_USCC, account=agency_legacy(filed=False))
    if situation == "legacy_uscc_not_on_register":
        return Case(PROFILE_USCC, account=agency_legacy(filed=False, uscc=PROFILE_USCC))
    if situation == "no_filed_uscc":  # and its legacy USCC is not on the register
        return Case(PROFILE_USCC, account=_agency_row(uscc=PROFILE_USCC))
    if situation == "no_filed_uscc_legacy_on_register":  # an export without filed_uscc
        orgkit.file_agency(FILED_USCC)
        return Case(FILED_USCC, account=_agency_row(uscc=FILED_USCC))
    if situation.startswith("dirty_agency_by_"):  # D2: its legacy USCC was dropped at import
        if situation != "dirty_agency_by_id_not_on_register":
            orgkit.file_agency(FILED_USCC)
        typed = FILED_USCC if situation == "dirty_agency_by_filed_uscc" else "A0001"
        return Case(typed, account=_agency_row(uscc=None, filed_uscc=FILED_USCC))
    if situation == "several_designated":
        chosen = agency_legacy(designated=True)
        _sibling("agency", designated=False, password=OTHER_PASSWORD)
        return Case(FILED_USCC, account=chosen)
    if situation == "legal_by_uscc":
        return Case(USCC, account=legal_legacy())
    if situation == "linked_legal_changed_to_agency":  # P6: its user is an agency now
        orgkit.file_agency(USCC)
        account = legal_legacy()
        legacy_link.link(organisation_user("agency", USCC), account)
        db.session.commit()
        return Case(USCC, account=account)
    if situation == "natural_by_id":
        return Case("L0001", account=natural_legacy())
    raise KeyError(situation)


def build(entry: str, situation: str) -> Case:
    case = _every_entry(entry, situation)
    if case is not None:
        return case
    return {"personal": _personal, "legal": _legal, "agency": _agency}[entry](situation)
