"""Registering organisations: legal persons, foreign legal persons and agencies (P1, D2, D3, P4,
P5, P6, P7, Y1, S3, S4–S6), and changing a legal person into an agency (P6).

Each registration creates the account and its organisation in one transaction; what they share
(the form's data classes, building the account, the login identifiers: USCC, organisation code,
a foreign entity's account number) is in org_accounts.py and importable from here too. The USCC
is unique among active organisations by a partial unique index (D3), so two concurrent
registrations cannot both succeed; an organisation with a USCC is verified against the
enterprise credit register first (enterprise.py). Handlers: handlers.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...services import services
from .. import transaction
from ..errors import Conflict, DomainError
from ..identity import documents, names
from ..models import HandlerBinding, Organisation
from ..models._types import from_timestamp
from ..models.organisation import AGENCY, LEGAL
from ..models.user import ACTIVE, PENDING_REVIEW
from ..registers import lookup as registers
from . import enterprise, files, reviews
from .accounts import (
    FOREIGN_DOCUMENT,
    P4_MESSAGE,
    S3_MESSAGE,
    Y1_MESSAGE,
    Contact,
    Representative,
    Upload,
    build_account,
    find_by_uscc,
    is_account_no_clash,
    new_account_no,
    required_text,
    set_uscc,
)

__all__ = [
    "FOREIGN_DOCUMENT",
    "P4_MESSAGE",
    "S3_MESSAGE",
    "Y1_MESSAGE",
    "Contact",
    "Representative",
    "Upload",
    "build_agency",
    "build_foreign_legal_person",
    "build_legal_person",
    "change_to_agency",
    "find_by_uscc",
    "register_agency",
    "register_foreign_legal_person",
    "register_legal_person",
]
ACCOUNT_NO_ATTEMPTS = 5


def _save_unique(org: Organisation) -> Organisation:
    """Add; an active organisation with this USCC already registered is a Conflict (D3, S3)."""
    try:
        with transaction.savepoint():
            db.session.add(org)
    except IntegrityError:
        raise Conflict(S3_MESSAGE, "uscc") from None
    return org


def _build_with_uscc(
    kind: str,
    *,
    category: str,
    name: str,
    uscc: str,
    representative: Representative,
    contact: Contact,
) -> Organisation:
    """An active organisation of ``kind`` with its USCC, not yet saved: the USCC valid, on the
    agency filing register for an agency (Y1), every field valid, matched by the enterprise
    credit register (R2), never deactivated (P4) and not held by a verified organisation (D3;
    an unverified holder is set aside in this transaction; the index checks again at commit).
    The register is asked before P4/S3 are told, so only someone who knows the legal
    representative's name and number learns that a USCC is taken (docs/accounts.md)."""
    uscc = documents.validate_uscc(uscc)
    if kind == AGENCY and registers.filing_for(registers.uscc_index(uscc)) is None:
        raise DomainError(Y1_MESSAGE, "uscc")
    org = build_account(kind, category, name, contact, representative, ACTIVE)
    enterprise.verify_with_register(org, uscc, representative)
    enterprise.take_uscc(org, uscc)
    set_uscc(org, uscc)
    return org


def build_legal_person(**data: Any) -> Organisation:
    """P1/S4: a legal person with a USCC, active at once, not yet saved.

    P5: an individual business (category "individual_business") registers here, as a legal
    person, like any other category.
    """
    return _build_with_uscc(LEGAL, **data)


def register_legal_person(
    *, category: str, name: str, uscc: str, representative: Representative, contact: Contact
) -> Organisation:
    """P1/S4: ``build_legal_person`` added (legacy supplementation adds its link instead)."""
    return _save_unique(
        build_legal_person(
            category=category, name=name, uscc=uscc, representative=representative, contact=contact
        )
    )


def build_agency(**data: Any) -> Organisation:
    """Y1/S6: an agency registers with the USCC on the agency filing register, and only then.
    Not yet saved."""
    return _build_with_uscc(AGENCY, **data)


def register_agency(
    *, category: str, name: str, uscc: str, representative: Representative, contact: Contact
) -> Organisation:
    """Y1/S6: ``build_agency`` added."""
    return _save_unique(
        build_agency(
            category=category, name=name, uscc=uscc, representative=representative, contact=contact
        )
    )


def register_foreign_legal_person(
    *,
    category: str,
    country: str,
    name: str,
    name_en: str,
    registration_number: str,
    representative: Representative,
    contact: Contact,
    identity_proof: Upload,
    qualification: Upload,
    before_commit: Callable[[Organisation], None] | None = None,
) -> Organisation:
    """D2/S5/P7: no USCC; the account waits in ``pending_review`` with a ReviewCase holding the
    two PDFs, and cannot log in (login requires status active) until the office approves.

    It gets ``account_no``, the number it logs in with at the legal entry once approved; a clash
    on its unique index (two registrations drawing the same number at once) is tried again.
    ``before_commit`` adds to the same transaction (legacy supplementation: the link, S5/L3);
    whatever it raises rolls everything back, stored files included.
    """
    org = build_foreign_legal_person(
        category, country, name, name_en, registration_number, representative, contact
    )
    files.check_pdf(identity_proof.data, "identity_proof")
    files.check_pdf(qualification.data, "qualification")
    for attempt in range(1, ACCOUNT_NO_ATTEMPTS + 1):
        proof = files.store_pdf(identity_proof.data, identity_proof.filename, "identity_proof")
        qual = files.store_pdf(qualification.data, qualification.filename, "qualification")
        try:
            with transaction.savepoint():
                db.session.add(org)
                reviews.open_case(org, proof, qual)
                if before_commit is not None:
                    before_commit(org)
            return org
        except Exception as exc:
            files.discard(proof, qual)
            if attempt == ACCOUNT_NO_ATTEMPTS or not (
                isinstance(exc, IntegrityError) and is_account_no_clash(exc)
            ):
                raise
        org = build_foreign_legal_person(
            category, country, name, name_en, registration_number, representative, contact
        )  # rolled-back objects: not reused
    raise AssertionError("unreachable: the last attempt returns or raises")


def build_foreign_legal_person(
    category: str,
    country: str,
    name: str,
    name_en: str,
    registration_number: str,
    representative: Representative,
    contact: Contact,
) -> Organisation:
    """D2/S5: the unsaved foreign entity (``pending_review``) with a fresh account number."""
    org = build_account(
        LEGAL, category, name, contact, representative, PENDING_REVIEW, foreign=True
    )
    org.country = required_text(country, "country", "country", 64)
    org.name_en = names.check_name(name_en, "name_en", "name_en", 200)
    org.registration_number = required_text(
        registration_number, "registration_number", "registration_number", 64
    )
    org.account_no = new_account_no()
    return org


def change_to_agency(organisation: Organisation) -> list[int]:
    """P6 (P2 变更为代理机构): a legal person whose USCC is on the filing register becomes an
    agency; every handler binding ends, so its handlers must be bound again (Y2 then applies).
    Returns the ids of the handlers whose binding ended (the caller signs them out, R2)."""
    if organisation.kind == AGENCY:
        raise DomainError("agency.already")
    if organisation.foreign or registers.filing_for(organisation.uscc_bidx) is None:
        raise DomainError(Y1_MESSAGE, "uscc")
    now = from_timestamp(services().clock.now())
    ended = []
    for binding in db.session.scalars(
        select(HandlerBinding).where(
            HandlerBinding.organisation_id == organisation.id, HandlerBinding.active.is_(True)
        )
    ):
        binding.active, binding.ended_at = False, now
        ended.append(binding.handler_id)
    organisation.kind = AGENCY
    organisation.user.user_type = AGENCY
    organisation.user.updated_at = now
    db.session.flush()
    return ended
