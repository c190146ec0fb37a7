"""Review cases of foreign legal persons (S5, P7).

A foreign organisation without a USCC (D2) is registered with status ``pending_review`` and one
``ReviewCase``: the organisation, its account, the two PDFs (the handler's identity proof and
the entity's qualification) and the status pending/approved/rejected. The admin area decides
later (P7: with the documents; the decision goes out by SMS); this module only opens and lists.
"""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..services import services
from .models import Organisation, ReviewCase, StoredFile
from .models._types import from_timestamp
from .models.review import PENDING


def open_case(organisation: Organisation, identity_proof: StoredFile,
              qualification: StoredFile) -> ReviewCase:
    """Add a pending case to the session; the caller commits it with the organisation."""
    db.session.flush()  # the ids of the organisation, its account and the files
    case = ReviewCase(user_id=organisation.user_id, organisation_id=organisation.id,
                      identity_proof_id=identity_proof.id, qualification_id=qualification.id,
                      status=PENDING, created_at=from_timestamp(services().clock.now()))
    db.session.add(case)
    return case


def pending_cases() -> list[ReviewCase]:
    """The cases waiting for a decision, oldest first."""
    return list(db.session.scalars(select(ReviewCase).where(ReviewCase.status == PENDING)
                                   .order_by(ReviewCase.created_at, ReviewCase.id)))


def case_for(organisation: Organisation) -> ReviewCase | None:
    """The newest case of this organisation."""
    return db.session.scalar(select(ReviewCase).where(
        ReviewCase.organisation_id == organisation.id).order_by(ReviewCase.id.desc()).limit(1))
