"""Review cases of foreign legal persons (S5, P7) and of accounts set aside (enterprise.py).

A foreign organisation without a USCC (D2) is registered with status ``pending_review`` and one
``ReviewCase``: the organisation, its account, the two PDFs (the handler's identity proof and
the entity's qualification) and the status pending/approved/rejected. The admin area decides
later (P7: with the documents; the decision goes out by SMS) through ``approve`` / ``reject``.
An approval is what makes such an organisation verified (R2, ``verified_by = "review"``).

A decision is taken once: ``_decide`` writes it with a conditional UPDATE (``… WHERE status =
'pending'``) and refuses when no row changed, so of two reviewers deciding one case at once only
the first counts (on PostgreSQL the second UPDATE waits for the first's row lock, then finds the
case decided) and the other gets ``review.already_decided``. The applicant learns the result by
SMS to the organisation's contact mobile once the decision commits (P7; user guide: 审核结果将以
短信形式告知); an approved foreign organisation's message carries its login account number (D2).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
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
from ..verification import decision_sms

USCC_HELD = "review.uscc_held"
ALREADY_DECIDED = "review.already_decided"
# The decision SMS (P7); ``template`` names it for gateways that send registered templates.
SMS_APPROVED = "review_approved"
SMS_APPROVED_ACCOUNT = "review_approved_account"
SMS_REJECTED = "review_rejected"
TEXTS = {
    SMS_APPROVED: "【{signature}】您的机构“{name}”注册信息已审核通过，现在可以登录。",
    SMS_APPROVED_ACCOUNT: "【{signature}】您的机构“{name}”注册信息已审核通过，登录账号：{account_no}，"
    "请使用该账号和注册时设置的密码登录。",
    SMS_REJECTED: "【{signature}】您的机构“{name}”注册信息未通过审核，原因：{reason}",
}


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


def pending_cases(kind: str | None = None) -> list[ReviewCase]:
    """The cases waiting for a decision, oldest first; only those of ``kind`` if given."""
    query = select(ReviewCase).where(ReviewCase.status == PENDING)
    if kind is not None:
        query = query.where(ReviewCase.kind == kind)
    return list(db.session.scalars(query.order_by(ReviewCase.created_at, ReviewCase.id)))


def case_for(organisation: Organisation) -> ReviewCase | None:
    """The newest case of this organisation."""
    return db.session.scalar(
        select(ReviewCase)
        .where(ReviewCase.organisation_id == organisation.id)
        .order_by(ReviewCase.id.desc())
        .limit(1)
    )


def _decide(case: ReviewCase, status: str, reason: str | None) -> dt.datetime:
    """Write the decision if the case is still pending, else ``review.already_decided``. The
    UPDATE's WHERE is the guard, not the loaded status: another reviewer may have decided the
    case since this one was read."""
    if case.status != PENDING:
        raise DomainError(ALREADY_DECIDED)
    now = from_timestamp(services().clock.now())
    reason = reason or case.reason
    changed = db.session.execute(
        update(ReviewCase)
        .where(ReviewCase.id == case.id, ReviewCase.status == PENDING)
        .values(status=status, decided_at=now, reason=reason)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError(ALREADY_DECIDED)
    db.session.refresh(case, ["status", "decided_at", "reason"])
    case.organisation.user.updated_at = now
    return now


def _notify(case: ReviewCase, template: str, **params: str) -> None:
    """Queue the decision SMS to the contact mobile; it goes out only if the decision commits
    (``decision_sms``)."""
    org = case.organisation
    values = {"name": org.name, **params}
    decision_sms.send_after_commit(org.contact_phone, TEXTS, template, values, f"review {case.id}")


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
            db.session.flush()
    except IntegrityError:
        raise Conflict(USCC_HELD) from None
    if org.foreign and org.account_no:
        _notify(case, SMS_APPROVED_ACCOUNT, account_no=org.account_no)
    else:
        _notify(case, SMS_APPROVED)


def reject(case: ReviewCase, reason: str) -> None:
    """P7: the office refused the case; the account stays unable to sign in (``rejected``)."""
    _decide(case, REJECTED, reason)
    case.organisation.user.status = ACCOUNT_REJECTED
    db.session.flush()
    _notify(case, SMS_REJECTED, reason=reason)
