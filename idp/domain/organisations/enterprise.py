"""Organisations are verified, not self-asserted (R2, S4, S6, D3, S3, P4).

An organisation with a USCC is created (registration, S4/S6; supplementation of a legacy
account) only after ``verify_with_register`` matched its USCC, name and legal representative
against the national enterprise credit register (the ``EnterpriseVerifier`` port), and it is
marked verified by the register. ``take_uscc`` then decides who holds the USCC (D3): a
verified holder blocks (S3); an unverified one — an account from before the check, which
anybody could have opened with somebody else's USCC — is set aside for review in the same
transaction, so a squatter never blocks the real organisation. docs/accounts.md, "Enterprise
verification and squatted USCCs".
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from ...extensions import db
from ...services import services
from ..accounts import deactivation
from ..errors import Conflict, DomainError, ValidationError
from ..identity import documents
from ..models import Organisation, ReviewCase
from ..models._types import from_timestamp
from ..models.organisation import BY_REGISTER
from ..models.review import PENDING, SQUATTED_USCC
from ..models.user import PENDING_REVIEW
from ..ports import EnterpriseRecord
from ..registers import lookup as registers
from .accounts import P4_MESSAGE, S3_MESSAGE, Representative

MISMATCH = "enterprise.mismatch"
log = logging.getLogger(__name__)
SET_ASIDE_REASON = "该统一社会信用代码已由通过企业信息核验的机构注册，本账号待人工审核。"


def verify_with_register(org: Organisation, uscc: str, rep: Representative) -> None:
    """R2/S4/S6: the register must match the USCC, the organisation's name and its legal
    representative's name and document number; then ``org`` is verified by the register.

    A mismatch is a ValidationError shown next to the USCC (the register's own explanation
    goes to the log only: it may describe the real organisation to a stranger); a register
    that cannot answer raises ``EnterpriseUnavailable`` (fail closed: the caller writes nothing).
    """
    record = EnterpriseRecord(
        uscc=uscc,
        name=org.name,
        rep_name=org.rep_name,
        rep_id_type=rep.id_type,
        rep_id_number=documents.normalize(rep.id_number),
    )
    result = services().enterprise.verify(record)
    if not result.ok:
        log.info("enterprise verification refused %s: %s", documents.mask_uscc(uscc), result.reason)
        raise ValidationError(MISMATCH, "uscc")
    org.verified_at = from_timestamp(services().clock.now())
    org.verified_by = BY_REGISTER


def is_verified(org: Organisation | None) -> bool:
    """R2: an active organisation whose account is active and that the register matched or the
    office approved; never one that was only typed in."""
    return bool(org is not None and org.active and org.user.active and org.verified_at is not None)


def take_uscc(org: Organisation, uscc: str) -> None:
    """D3/S3 + P4 for a verified ``org`` about to hold ``uscc``: refused when the USCC was
    deactivated (P4) or is held by a verified organisation (S3); an unverified holder is set
    aside (``set_aside``) in the caller's transaction. The partial unique index over active
    rows still decides a race at commit: of two verified registrations one wins, the other
    gets the S3 Conflict."""
    if org.verified_at is None:
        raise DomainError("uscc.unverified_claim", "uscc")
    bidx = registers.uscc_index(uscc)
    if deactivation.is_deactivated(deactivation.USCC, bidx):
        raise DomainError(P4_MESSAGE, "uscc")
    holder = db.session.scalar(
        select(Organisation).where(Organisation.active.is_(True), Organisation.uscc_bidx == bidx)
    )
    if holder is None:
        return
    if holder.verified_at is not None:
        raise Conflict(S3_MESSAGE, "uscc")
    set_aside(holder)


def set_aside(holder: Organisation) -> ReviewCase:
    """An unverified organisation loses its USCC to a verified one: out of the USCC's unique
    index (``active`` false: no login by USCC, no handler acts for it), its account waiting
    for review (``pending_review``) with a case of kind "squatted_uscc". Added to the session;
    the caller commits it with the organisation that took the USCC."""
    now = from_timestamp(services().clock.now())
    holder.active = False
    holder.user.status, holder.user.updated_at = PENDING_REVIEW, now
    case = ReviewCase(
        user_id=holder.user_id,
        organisation_id=holder.id,
        kind=SQUATTED_USCC,
        status=PENDING,
        created_at=now,
        reason=SET_ASIDE_REASON,
    )
    db.session.add(case)
    log.warning(
        "organisation %s (account %s) set aside for review: its USCC %s was registered "
        "by an organisation the enterprise register matched",
        holder.id,
        holder.user_id,
        holder.uscc_masked,
    )
    return case
