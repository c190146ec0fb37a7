"""Supplementation (信息补录) of legacy legal-person and agency accounts (S4, S5, S6, S3, L3, Y1).

``prefill_org`` reads what the legacy export knows (name, USCC, contact mobile and email) so the
page starts filled in (S1). ``complete_legal`` / ``complete_agency`` / ``complete_foreign``
build the organisation with every registration check (``organisations.build_*``: fields, D3/S3,
P4, Y1), link the legacy account to its account (L3) and commit both in ONE transaction:
either the organisation exists and is linked, or nothing was written. The handler (P3, Y2) is
bound afterwards, on the registration's handler pages.

Which USCC (S2, ``legacy_identity.owner_refusal``): the legal person's is the one registered in
the legacy account — the one it logged in with; a legacy legal person without a valid one goes
the review path only (S5) and names no USCC; the agency's is the filed USCC it logged in with,
still on the agency filing register, and no other valid USCC in its legacy profile (Y1,
``legacy_identity.agency_refusal``, the legacy login's rule). Another USCC would link the legacy
account's business data to a different organisation. ``check_uscc`` decides it from the typed
USCC before the page uses any code; each ``complete_*`` decides it again before building
anything.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...services import services
from .. import trail, transaction
from ..accounts import registration
from ..crypto import DecryptionError
from ..errors import Conflict, DomainError
from ..identity import documents
from ..models import LegacyAccount, Organisation
from ..models.legacy import AGENCY, LEGAL
from ..organisations import registration as organisations
from ..organisations.registration import Contact, Representative, Upload
from ..registers import lookup as registers
from . import identity as legacy_identity
from . import link as legacy_link
from .identity import AGENCY_USCC_MISMATCH, LEGAL_USCC_MISMATCH, Claimant

__all__ = [
    "AGENCY_USCC_MISMATCH",
    "LEGAL_USCC_MISMATCH",
    "PURPOSE",
    "check_uscc",
    "complete_agency",
    "complete_foreign",
    "complete_legal",
    "completed_in_parallel",
    "prefill_org",
    "variant",
]
PURPOSE = "supplement"  # codes of a supplementation are bound to its flow id under this purpose


def prefill_org(account: LegacyAccount) -> dict[str, str]:
    """The S4/S6 fields the legacy export already holds (S1); the USCC is decrypted for the
    organisation that has just proven the legacy password (D5). An agency's is the filed USCC
    it logged in with, from the filing register (Y1: its legacy profile holds the same one or
    none)."""
    data = {"name": account.name or "", "phone": account.phone or "", "email": account.email or ""}
    encrypted = account.uscc_enc
    if account.kind == AGENCY:
        filing = registers.filing_for(legacy_identity.filed_uscc_bidx(account))
        encrypted = filing.uscc_enc if filing is not None else None
    if encrypted:
        try:
            data["uscc"] = services().cipher.decrypt(encrypted, registers.USCC_INDEX)
        except DecryptionError:  # an unreadable value is typed again rather than failing the page
            pass
    return data


def variant(account: LegacyAccount) -> str:
    """Which form this legacy organisation completes: the agency's (S6), the legal person's with
    its own USCC (S4), or — no valid USCC stored — the review path's (S5), never a typed USCC."""
    if account.kind == AGENCY:
        return "agency"
    return "legal" if legacy_identity.own_uscc_bidx(account) is not None else "foreign"


def check_uscc(account: LegacyAccount, uscc: str | None) -> None:
    """S2 for organisations: the USCC typed (None: the review path, S5) must be the legacy
    account's own; IdentityMismatch otherwise, ValidationError for a malformed one."""
    bidx = registers.uscc_index(documents.validate_uscc(uscc)) if uscc is not None else None
    kind = AGENCY if account.kind == AGENCY else LEGAL
    legacy_identity.check_owner(account, Claimant(kind, uscc_bidx=bidx, review=uscc is None))


def _add_and_link(account: LegacyAccount, org: Organisation) -> Organisation:
    # L3 under concurrency, as in supplement.complete_natural: the row lock (held until commit)
    # makes a parallel completion wait and then see the link.
    db.session.refresh(account, with_for_update=True)
    legacy_link.check_linkable(account)
    legacy_identity.check_owner(account, Claimant(org.kind, uscc_bidx=org.uscc_bidx))
    bidx = org.uscc_bidx
    try:
        with transaction.savepoint():
            db.session.add(org)
            legacy_link.link(org.user, account)  # flushes: the USCC's unique index checks here
    except IntegrityError:  # a concurrent completion or registration won
        raise _conflict(bidx) from None
    trail.record(trail.SUPPLEMENT_COMPLETED, subject=org.user_id, legacy=account.id, kind=org.kind)
    return org


def completed_in_parallel(
    account: LegacyAccount,
    phone: str,
    verified: dict[str, str],
    *,
    uscc: str = "",
    registration_number: str = "",
) -> Organisation | None:
    """A double submit: the other request completed ``account`` first. It is ours when the
    account is now linked to the organisation this form describes — the USCC typed here (a
    foreign entity: its registration number) — whose contact mobile is the one this
    supplementation proved by its SMS code (S7). Nothing is written."""
    try:
        phone = documents.validate_mobile(phone)
        bidx = registers.uscc_index(documents.validate_uscc(uscc)) if uscc else None
    except DomainError:
        return None
    if verified.get("sms") != registration.verified_key("sms", phone):
        return None
    db.session.refresh(account)
    if account.user_id is None:
        return None
    org = db.session.scalar(select(Organisation).where(Organisation.user_id == account.user_id))
    if org is None or org.contact_phone != phone:
        return None
    same = (
        (org.uscc_bidx == bidx)
        if bidx
        else (org.foreign and org.registration_number == registration_number.strip())
    )
    return org if same else None


def _conflict(uscc_bidx: str | None) -> Conflict:
    """Which unique index decided against us: the USCC (S3), else the link (L3)."""
    taken = (
        select(Organisation.id)
        .where(Organisation.active.is_(True), Organisation.uscc_bidx == uscc_bidx)
        .limit(1)
    )
    if uscc_bidx is not None and db.session.scalar(taken) is not None:
        return Conflict(organisations.S3_MESSAGE, "uscc")
    return Conflict(legacy_link.L3_TAKEN)


def complete_legal(
    account: LegacyAccount,
    *,
    category: str,
    name: str,
    uscc: str,
    representative: Representative,
    contact: Contact,
) -> Organisation:
    """S4: the active legal person linked to ``account`` in one transaction. Raises ValidationError
    (fields), IdentityMismatch (another USCC than the legacy one, or none valid in the legacy
    account: S5), Conflict (S3, L3) or DomainError (L2/L4, P4)."""
    legacy_link.check_linkable(account)
    check_uscc(account, uscc)
    org = organisations.build_legal_person(
        category=category, name=name, uscc=uscc, representative=representative, contact=contact
    )
    return _add_and_link(account, org)


def complete_agency(
    account: LegacyAccount,
    *,
    category: str,
    name: str,
    uscc: str,
    representative: Representative,
    contact: Contact,
) -> Organisation:
    """S6: the active agency linked to ``account`` in one transaction; its USCC is the filed one it
    logged in with (Y1; ``build_agency`` checks the filing register again)."""
    legacy_link.check_linkable(account)
    check_uscc(account, uscc)
    org = organisations.build_agency(
        category=category, name=name, uscc=uscc, representative=representative, contact=contact
    )
    return _add_and_link(account, org)


def complete_foreign(
    account: LegacyAccount,
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
) -> Organisation:
    """S5: a legacy legal person without a USCC becomes a foreign legal person pending review
    (D2, P7) with its two PDFs, linked to ``account`` in the same transaction. It logs in only once
    approved; the link makes its legacy data follow it then (L6, L7)."""
    legacy_link.check_linkable(account)
    check_uscc(account, None)  # it has a valid USCC of its own: S4 is its way

    def link(org: Organisation) -> None:
        db.session.refresh(account, with_for_update=True)
        legacy_link.check_linkable(account)
        check_uscc(account, None)
        legacy_link.link(org.user, account)

    try:
        org = organisations.register_foreign_legal_person(
            category=category,
            country=country,
            name=name,
            name_en=name_en,
            registration_number=registration_number,
            representative=representative,
            contact=contact,
            identity_proof=identity_proof,
            qualification=qualification,
            before_commit=link,
        )
    except IntegrityError:  # not an account-number clash: the link lost a race (L3)
        raise Conflict(legacy_link.L3_TAKEN) from None
    trail.record(trail.SUPPLEMENT_COMPLETED, subject=org.user_id, legacy=account.id, kind="foreign")
    return org
