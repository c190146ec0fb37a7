"""Account security settings of the personal center (P2, S7) and deactivation (P4).

- Password: the current password, the policy with the user's identifiers as context, argon2id;
  a linked legacy account's own password retires with the old one (L6, legacy_retire).
- Mobile and email: a one-time code sent to the NEW destination (S7, purposes ``change_mobile``
  / ``change_email``, bound to the caller's flow id); a mobile is unique among active accounts
  (D3): the partial unique index decides under concurrency. That a mobile is taken is said only
  after its code was proven, so the form is no way to learn which numbers are registered. An
  organisation's mobile is its contact mobile (organisations.py keeps it off ``users.phone``).
- Deactivation of a natural person (P4): the users row stays (``sub`` is never reused), the
  ID-number blind index is tombstoned (``deactivation.record``, the kind registration checks
  through any kind), personal data are erased and the password can never match again. The
  caller then revokes tokens and ends sessions (protocol layer).
The web layer asks for re-authentication before calling any of these (P2).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...services import services
from .. import trail, transaction
from ..errors import Conflict, DomainError, ValidationError
from ..identity import documents, emails
from ..legacy import retire as legacy_retire
from ..models import HandlerBinding, Organisation, User
from ..models._types import from_timestamp
from ..models.user import ACTIVE, DEACTIVATED, NATURAL
from . import deactivation, passwords
from . import users as accounts

MOBILE_TAKEN = "phone.taken"
ANONYMOUS_NAME = "已注销用户"
UNUSABLE_PASSWORD = "!deactivated"  # no hash scheme matches it: passwords.verify is False
PURPOSE_MOBILE, PURPOSE_EMAIL = "change_mobile", "change_email"


def _now() -> dt.datetime:
    return from_timestamp(services().clock.now())


def organisation_of(user: User) -> Organisation | None:
    if user.user_type == NATURAL:
        return None
    return db.session.scalar(select(Organisation).where(Organisation.user_id == user.id))


def current_mobile(user: User) -> str | None:
    org = organisation_of(user)
    return org.contact_phone if org is not None else user.phone


def verified_mobile(user: User) -> str | None:
    """The account's current mobile when it was proven by code: a person's own, an
    organisation's contact mobile (codes for the account go there, never to a typed one)."""
    org = organisation_of(user)
    if org is not None:
        return org.contact_phone if org.contact_phone and org.contact_phone_verified else None
    return user.phone if user.phone and user.phone_verified else None


def verified_email(user: User) -> str | None:
    return user.email if user.email and user.email_verified else None


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    if not passwords.verify(current or "", user.password_hash):
        raise ValidationError("password.current_wrong", "current_password")
    if new != confirm:
        raise ValidationError("password.confirm_mismatch", "password_confirm")
    if passwords.verify(new, user.password_hash):
        raise ValidationError("password.unchanged", "password")
    try:
        accounts.validate_password(new, context=[current_mobile(user), user.email])
    except ValidationError as exc:
        raise ValidationError(exc.code, "password", **exc.params) from None
    set_password(user, new)
    db.session.flush()


def set_password(user: User, new: str) -> None:
    """The user's new password, in the caller's transaction; a linked legacy account's own
    password retires with the old one (L6, legacy_retire). The caller ends the user's other
    sessions and revokes their tokens (protocol layer)."""
    user.password_hash = passwords.hash_password(new)
    user.updated_at = _now()
    legacy_retire.retire(user)


def _mobile_taken(user: User, phone: str) -> bool:
    if organisation_of(user) is not None:
        return False  # a contact mobile is not a login identifier
    return (
        db.session.scalar(
            select(User.id)
            .where(User.phone == phone, User.status == ACTIVE, User.id != user.id)
            .limit(1)
        )
        is not None
    )


def _new_mobile(user: User, phone: str) -> str:
    try:
        phone = documents.validate_mobile(phone or "")
    except ValidationError as exc:
        raise ValidationError(exc.code, "phone", **exc.params) from None
    if phone == current_mobile(user):
        raise ValidationError("phone.unchanged", "phone")
    return phone


def _new_email(user: User, email: str) -> str:
    email = emails.normalise_email(email)
    if email == user.email:
        raise ValidationError("email.unchanged", "email")
    return email


def send_mobile_code(user: User, phone: str, flow_id: str, ip: str) -> str:
    phone = _new_mobile(user, phone)
    services().codes.send("sms", phone, PURPOSE_MOBILE, flow_id, ip)
    return phone


def send_email_code(user: User, email: str, flow_id: str, ip: str) -> str:
    email = _new_email(user, email)
    services().codes.send("mail", email, PURPOSE_EMAIL, flow_id, ip)
    return email


def _verify(channel: str, destination: str, purpose: str, flow_id: str, code: str) -> None:
    try:
        services().codes.verify(channel, destination, purpose, flow_id, code or "")
    except DomainError as exc:  # verification.CodeRefused: wrong, expired, too many tries
        raise ValidationError(exc.code, "code", **exc.params) from None


def change_mobile(user: User, phone: str, code: str, flow_id: str) -> None:
    phone = _new_mobile(user, phone)
    _verify("sms", phone, PURPOSE_MOBILE, flow_id, code)
    if _mobile_taken(user, phone):  # told only to who proved the number (D3)
        raise Conflict(MOBILE_TAKEN, "phone")
    org = organisation_of(user)
    try:
        with transaction.savepoint():
            if org is not None:
                org.contact_phone, org.contact_phone_verified = phone, True
            else:
                user.phone, user.phone_verified = phone, True
            user.updated_at = _now()
    except IntegrityError:  # a concurrent registration or change took the number (D3)
        raise Conflict(MOBILE_TAKEN, "phone") from None


def change_email(user: User, email: str, code: str, flow_id: str) -> None:
    email = _new_email(user, email)
    _verify("mail", email, PURPOSE_EMAIL, flow_id, code)
    user.email, user.email_verified, user.updated_at = email, True, _now()
    db.session.flush()
    trail.record(trail.EMAIL_CHANGED, subject=user.id)


def deactivate_person(user: User) -> None:
    """P4 for a natural person, in one transaction (the caller warned and re-authenticated)."""
    now = _now()
    deactivation.record(deactivation.ID_NUMBER, user.id_number_bidx)
    for binding in db.session.scalars(
        select(HandlerBinding).where(
            HandlerBinding.handler_id == user.id, HandlerBinding.active.is_(True)
        )
    ):
        binding.active, binding.ended_at = False, now
    user.status, user.deactivated_at, user.updated_at = DEACTIVATED, now, now
    user.name, user.phone, user.phone_verified = ANONYMOUS_NAME, None, False
    user.email, user.email_verified, user.address = None, False, None
    user.id_type = user.id_number_enc = user.id_number_bidx = user.id_number_masked = None
    user.id_valid_from = user.id_valid_to = None
    user.id_long_term = False
    user.password_hash = UNUSABLE_PASSWORD
    db.session.flush()


def deactivate(user: User) -> list[int]:
    """P4: an organisation through deactivation.deactivate_organisation, else a person.
    Returns the handlers whose binding to the organisation ended (none for a person)."""
    org = organisation_of(user)
    if org is None:
        deactivate_person(user)
        return []
    ended = deactivation.deactivate_organisation(org)
    user.password_hash, user.updated_at = UNUSABLE_PASSWORD, _now()
    db.session.flush()
    return ended
