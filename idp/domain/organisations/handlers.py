"""Handlers (经办人): natural persons bound to act for an organisation (P3, Y2, P6).

- ``check_handler`` holds the rules: a handler is an active, real-name natural person (P3); an
  agency's handler is on the register of filed practitioners, for this agency when the register
  names one, and is handler of no other agency (Y2). The partial unique index
  ``uq_handler_one_agency`` makes the last rule hold under concurrency as well.
- Two ways to bind (P3): "handler already registered" — the person, named by mobile and
  document, confirms with an SMS code sent to their own mobile (``handler_confirmation``, which
  tells a stranger nothing); "handler not registered" — the natural person is registered from
  the form, then bound (``register_and_bind_handler``).
A binding and its end are told to the organisation's contacts and to the handler
(``verification.notices``, once the change commits).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...services import services
from .. import trail, transaction
from ..accounts import users as accounts
from ..errors import Conflict, DomainError, ValidationError
from ..identity import documents, names
from ..models import HandlerBinding, Organisation, User
from ..models._types import from_timestamp
from ..models.organisation import AGENCY
from ..models.user import ACTIVE, NATURAL, PENDING_REVIEW
from ..registers import lookup as registers
from ..verification import notices

Y2_OTHER_AGENCY = "handler.other_agency"
Y2_NOT_PRACTITIONER = "handler.not_practitioner"
ALREADY_BOUND = "handler.already_bound"
# one answer for "no such person" and "not this organisation's handler" (no enumeration)
NOT_BOUND = "handler.not_bound"


_Query = TypeVar("_Query", bound=Select[Any])


def _active(query: _Query) -> _Query:
    return query.where(HandlerBinding.active.is_(True))


def check_organisation(organisation: Organisation) -> None:
    """P3: may ``organisation`` bind handlers at all (its account active or under review)?"""
    if organisation.user.status not in (ACTIVE, PENDING_REVIEW) or not organisation.active:
        raise DomainError("handler.organisation_unavailable")


def check_handler(organisation: Organisation, handler: User) -> None:
    """P3 + Y2: may ``handler`` be bound to ``organisation``? Raises the reason if not."""
    check_organisation(organisation)
    if handler.user_type != NATURAL or handler.status != ACTIVE:
        raise ValidationError("handler.not_person", "handler")
    if not handler.realname_verified:
        raise ValidationError("handler.not_verified", "handler")
    if db.session.scalar(
        _active(select(HandlerBinding.id)).where(
            HandlerBinding.organisation_id == organisation.id,
            HandlerBinding.handler_id == handler.id,
        )
    ):
        raise Conflict(ALREADY_BOUND, "handler")
    if organisation.kind != AGENCY:
        return
    practitioner = registers.practitioner_for(handler.id_number_bidx)
    if practitioner is None or practitioner.agency_uscc_bidx not in (None, organisation.uscc_bidx):
        raise ValidationError(Y2_NOT_PRACTITIONER, "handler")
    if db.session.scalar(
        _active(select(HandlerBinding.id)).where(
            HandlerBinding.handler_id == handler.id, HandlerBinding.for_agency.is_(True)
        )
    ):
        raise Conflict(Y2_OTHER_AGENCY, "handler")


def bind_handler(organisation: Organisation, handler: User) -> HandlerBinding:
    """P3/Y2: bind after ``check_handler``; a concurrent binding loses with a Conflict."""
    check_handler(organisation, handler)
    binding = HandlerBinding(
        organisation_id=organisation.id,
        handler_id=handler.id,
        for_agency=organisation.kind == AGENCY,
        active=True,
        created_at=from_timestamp(services().clock.now()),
    )
    try:
        with transaction.savepoint():
            db.session.add(binding)
    except IntegrityError:
        same = db.session.scalar(
            _active(select(HandlerBinding.id)).where(
                HandlerBinding.organisation_id == organisation.id,
                HandlerBinding.handler_id == handler.id,
            )
        )
        raise Conflict(ALREADY_BOUND if same else Y2_OTHER_AGENCY, "handler") from None
    trail.record(trail.HANDLER_BOUND, subject=organisation.user_id, handler=handler.id)
    notices.handler_bound(organisation, handler)  # once the binding commits
    return binding


def unbind_handler(organisation: Organisation, handler: User | int) -> list[int]:
    """End the active binding (handler management, P2). Returns the handler ids whose binding
    ended, so the caller can revoke what they hold for the organisation (R2). An id that is
    nobody and a person who is not this organisation's handler get the same ``NOT_BOUND``."""
    handler_id = handler if isinstance(handler, int) else handler.id
    binding = db.session.scalar(
        _active(select(HandlerBinding)).where(
            HandlerBinding.organisation_id == organisation.id,
            HandlerBinding.handler_id == handler_id,
        )
    )
    if binding is None:
        raise DomainError(NOT_BOUND, "handler")
    binding.active, binding.ended_at = False, from_timestamp(services().clock.now())
    db.session.flush()
    return [handler_id]


def register_and_bind_handler(
    organisation: Organisation,
    *,
    name: str,
    phone: str,
    password: str,
    id_type: str,
    id_number: str,
    email: str | None = None,
) -> HandlerBinding:
    """P3 "handler not registered": real-name check, create the natural person, then bind.

    The agency rules (Y2 register) are checked after the real-name check (so the register is
    not probed with bare document numbers) and before the account is created. The binding is
    added in a savepoint after the account, and the account is kept (``transaction.keep``) even
    when the binding then loses a race: it is a valid real-name account of its own, and the
    organisation binds it again through the "handler registered" path.
    """
    name = names.check_name(name)
    number = documents.validate_id_number(
        id_type, id_number, today=documents.beijing_date(services().clock.now())
    )
    result = services().realname.verify(name.strip(), id_type, number)
    if not result.ok:
        raise (
            ValidationError("realname.reason", "name", reason=result.reason)
            if result.reason
            else ValidationError("realname.mismatch_handler", "name")
        )
    if organisation.kind == AGENCY:
        practitioner = registers.practitioner_for(accounts.id_number_index(number))
        if practitioner is None or practitioner.agency_uscc_bidx not in (
            None,
            organisation.uscc_bidx,
        ):
            raise ValidationError(Y2_NOT_PRACTITIONER, "id_number")
    handler = accounts.create_natural_person(
        name=name, phone=phone, password=password, email=email, id_type=id_type, id_number=number
    )
    handler.realname_verified = True
    db.session.flush()
    transaction.keep()
    return bind_handler(organisation, handler)


def bindings_of(organisation: Organisation) -> list[HandlerBinding]:
    """The organisation's active handler bindings, oldest first (P3)."""
    return list(
        db.session.scalars(
            _active(select(HandlerBinding))
            .where(HandlerBinding.organisation_id == organisation.id)
            .order_by(HandlerBinding.created_at, HandlerBinding.id)
        )
    )


def organisations_for_handler(user: User, kind: str | None = None) -> list[HandlerBinding]:
    """The active bindings of ``user`` to active organisations, oldest first; ``kind`` ("legal"
    or "agency") narrows to the login entry used — a legal person's handlers do not reach the
    agency entry until it changed to agency and rebound them (P6)."""
    query = (
        _active(select(HandlerBinding))
        .join(Organisation)
        .where(HandlerBinding.handler_id == user.id, Organisation.active.is_(True))
        .order_by(HandlerBinding.created_at, HandlerBinding.id)
    )
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    return [b for b in db.session.scalars(query).unique() if b.organisation.user.status == ACTIVE]


def acts_for(handler_id: int, org_user_id: int) -> bool:
    """R2/P3: is ``handler_id`` still an active handler of the active organisation whose
    account is ``org_user_id``? (A grant acting for it is valid only while this holds.)"""
    return (
        db.session.scalar(
            select(HandlerBinding.id)
            .join(Organisation)
            .where(
                Organisation.user_id == org_user_id,
                Organisation.active.is_(True),
                HandlerBinding.handler_id == handler_id,
                HandlerBinding.active.is_(True),
            )
            .limit(1)
        )
        is not None
    )
