"""Review cases of foreign legal persons (S5, P7) and of accounts set aside (enterprise.py).

A foreign organisation without a USCC (D2) is registered with status ``pending_review`` and one
``ReviewCase``: the organisation, its account, the two PDFs (the handler's identity proof and
the entity's qualification) and the status pending/approved/rejected. The admin area decides
later (P7: with the documents; the decision goes out by SMS) through ``approve`` / ``reject``.
An approval is what makes such an organisation verified (R2, ``verified_by = "review"``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...services import services
from .. import transaction
from ..errors import Conflict, DomainError
from ..models import Organisation, ReviewCase, StoredFile
from ..models._types import from_timestamp
from ..models.organisation import BY_REVIEW
from ..models.review import APPROVED, PENDING, REJECTED, SQUATTED_USCC
from ..models.user import ACTIVE
from ..models.user import REJECTED as ACCOUNT_REJECTED

USCC_HELD = "review.uscc_held"


def open_case(
    organisation: Organisation, identity_proof: StoredFile, qualification: StoredFile
) -> ReviewCase:
    """Add a pending case to the session; the caller commits it with the organisation."""
    db.session.flush()  # the ids of the organisation, its account and the files
    case = ReviewCase(
        user_id=organisation.user_id,
        organisation_id=organisation.id,
        identity_proof_id=identity_proof.id,
        qualification_id=qualification.id,
        status=PENDING,
        created_at=from_timestamp(services().clock.now()),
    )
    db.session.add(case)
    return case


def pending_cases() -> list[ReviewCase]:
    """The cases waiting for a decision, oldest first."""
    return list(
        db.session.scalars(
            select(ReviewCase)
            .where(ReviewCase.status == PENDING)
            .order_by(ReviewCase.created_at, ReviewCase.id)
        )
    )


def case_for(organisation: Organisation) -> ReviewCase | None:
    """The newest case of this organisation."""
    return db.session.scalar(
        select(ReviewCase)
        .where(ReviewCase.organisation_id == organisation.id)
        .order_by(ReviewCase.id.desc())
        .limit(1)
    )


def _decide(case: ReviewCase, status: str, reason: str | None) -> dt.datetime:
    if case.status != PENDING:
        raise DomainError("review.already_decided")
    now = from_timestamp(services().clock.now())
    case.status, case.decided_at, case.reason = status, now, reason or case.reason
    case.organisation.user.updated_at = now
    return now


def approve(case: ReviewCase, reason: str | None = None) -> None:
    """P7: the office approved the case: the organisation is verified by review (R2) and its
    account active. A set-aside account (kind "squatted_uscc") gets its USCC back only while no
    active organisation holds it (D3: the partial unique index decides a race)."""
    org = case.organisation
    try:
        with transaction.savepoint():  # a refusal leaves the case undecided
            now = _decide(case, APPROVED, reason)
            if case.kind == SQUATTED_USCC:
                if (
                    db.session.scalar(
                        select(Organisation.id).where(
                            Organisation.active.is_(True),
                            Organisation.uscc_bidx == org.uscc_bidx,
                            Organisation.id != org.id,
                        )
                    )
                    is not None
                ):
                    raise Conflict(USCC_HELD)
                org.active = True
            org.verified_at, org.verified_by = now, BY_REVIEW
            org.user.status = ACTIVE
    except IntegrityError:
        raise Conflict(USCC_HELD) from None


def reject(case: ReviewCase, reason: str) -> None:
    """P7: the office refused the case; the account stays unable to sign in (``rejected``)."""
    _decide(case, REJECTED, reason)
    case.organisation.user.status = ACCOUNT_REJECTED
    db.session.flush()
