"""Deactivation (注销) is final for an identity (P4, P2).

When an account is deactivated, the blind index of its identity number (USCC or ID number) is
kept in ``deactivated_identities`` for ever; registration and supplementation ask
``is_deactivated`` and refuse. The account row stays (status deactivated) for the record.
"""

from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...services import services
from .. import purposes
from ..models import DeactivatedIdentity, HandlerBinding, Organisation
from ..models._types import from_timestamp
from ..models.user import DEACTIVATED

USCC, ID_NUMBER = purposes.USCC, purposes.ID_NUMBER


def record(kind: str, bidx: str | None) -> None:
    """Add the tombstone to the session (idempotent); the caller commits."""
    if bidx and not is_deactivated(kind, bidx):
        db.session.add(
            DeactivatedIdentity(
                kind=kind, bidx=bidx, deactivated_at=from_timestamp(services().clock.now())
            )
        )


def is_deactivated(kind: str, bidx: str | None) -> bool:
    return (
        bidx is not None
        and db.session.scalar(
            select(DeactivatedIdentity.id).where(
                DeactivatedIdentity.kind == kind, DeactivatedIdentity.bidx == bidx
            )
        )
        is not None
    )


def deactivate_organisation(organisation: Organisation) -> list[int]:
    """P4: the organisation account ends, its handler bindings end, and its USCC is tombstoned
    so it can never register again. The caller has warned the user and confirmed (P2).
    Returns the ids of the handlers whose binding ended (the caller signs them out, R2)."""
    now = from_timestamp(services().clock.now())
    ended = []
    for binding in db.session.scalars(
        select(HandlerBinding).where(
            HandlerBinding.organisation_id == organisation.id, HandlerBinding.active.is_(True)
        )
    ):
        binding.active, binding.ended_at = False, now
        ended.append(binding.handler_id)
    organisation.active = False
    user = organisation.user
    user.status, user.deactivated_at, user.updated_at = DEACTIVATED, now, now
    record(USCC, organisation.uscc_bidx)
    db.session.flush()
    return ended
