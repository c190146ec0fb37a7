"""Registering a natural person (rules P1 with the data of S2; S3, S7, P4, D1–D5).

``build_natural_person`` checks every field (all errors at once, each on its field), then the
two one-time codes (S7), then real-name verification (S7), then P4 and S3, and returns the
unsaved account with its verified flags, address, validity and agreement acceptance;
``register_natural_person`` adds it to the request's transaction (a savepoint: the unique
indexes decide S3), and legacy supplementation (``domain.legacy.supplement``) adds the link to the
same transaction.

No enumeration beyond what the applicant already proved: "already registered" (S3) or
"deactivated" (P4) is only said after the applicant showed control of the mobile (SMS code),
of the email, and passed real-name verification of the name and document number, so only the
owner of that mobile or identity learns it (docs/accounts.md). Codes that verified are kept by
the caller (``verified``, digests only) so a later refusal does not make the user fetch new ones.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...services import services
from .. import purposes, transaction
from ..errors import Conflict, DomainError, Reason, ValidationError
from ..identity import address, documents, names
from ..models import DeactivatedIdentity, User
from ..models._types import from_timestamp
from ..models.user import ACTIVE, DEACTIVATED
from ..verification.codes import CodeRefused
from . import agreement, passwords
from . import users as accounts
from .applicant import PersonApplication, check

__all__ = [
    "P4_MESSAGE",
    "PURPOSE",
    "PersonApplication",
    "Refused",
    "S3_MESSAGE",
    "check",
    "build_natural_person",
    "register_natural_person",
    "verified_key",
]
PURPOSE = "register"
S3_MESSAGE = "person.taken"
P4_MESSAGE = "person.deactivated"


class Refused(DomainError):
    """Registration refused; ``errors`` maps a field (or "form") to its reason: a code, or the
    error with its parameters (words: idp/web/messages.py)."""

    def __init__(self, errors: dict[str, Reason]):
        field, reason = next(iter(errors.items()))
        super().__init__(reason if isinstance(reason, str) else reason.code, field)
        self.errors = errors


def verified_key(channel: str, destination: str) -> str:
    return services().blind_index(f"{channel}:{destination}", purposes.REGISTER_VERIFIED)


def _proof_key(flow_id: str, key: str) -> str:
    return f"reg-proven:{flow_id}:{key}"


def _remember_proof(flow_id: str, key: str) -> None:
    """This flow proved this destination by its code, kept in the store for the codes' lifetime:
    a second submit of the same form, whose cookie predates the proof, can still show it."""
    svc = services()
    svc.store.set(_proof_key(flow_id, key), "1", ttl=svc.settings.codes.ttl)


def _verify_codes(
    a: PersonApplication,
    clean: dict[str, Any],
    flow_id: str,
    verified: dict[str, str],
    purpose: str,
) -> None:
    codes, errors = services().codes, dict[str, Reason]()
    for channel, dest, code, field in (
        ("sms", clean["phone"], a.sms_code, "sms_code"),
        ("mail", clean["email"], a.email_code, "email_code"),
    ):
        if verified.get(channel) == verified_key(channel, dest):
            continue
        if not (code or "").strip():
            errors[field] = "code.sms_missing" if channel == "sms" else "code.mail_missing"
            continue
        try:
            codes.verify(channel, dest, purpose, flow_id, code)
            verified[channel] = verified_key(channel, dest)
            _remember_proof(flow_id, verified[channel])
        except CodeRefused as exc:
            errors[field] = exc
    if errors:
        raise Refused(errors)


def deactivated_identity(bidx: str) -> bool:
    """P4: this document number belonged to a deactivated account: a deactivated user row or a
    tombstone (``DeactivatedIdentity``, any kind: blind indexes of other purposes never match)."""
    user = select(User.id).where(User.id_number_bidx == bidx, User.status == DEACTIVATED)
    tomb = select(DeactivatedIdentity.id).where(DeactivatedIdentity.bidx == bidx)
    return (
        db.session.scalar(user.limit(1)) is not None or db.session.scalar(tomb.limit(1)) is not None
    )


def build_natural_person(
    a: PersonApplication, *, flow_id: str, verified: dict[str, str], purpose: str = PURPOSE
) -> User:
    """The unsaved real-name natural person of ``a`` (not added to the session), or Refused /
    Conflict (S3) / RealNameUnavailable. ``verified`` gains the codes that verified."""
    svc = services()
    clean, errors = check(a, documents.beijing_date(svc.clock.now()))
    if errors:
        raise Refused(errors)
    _verify_codes(a, clean, flow_id, verified, purpose)
    result = svc.realname.verify(clean["name"], a.id_type, clean["number"])
    if not result.ok:
        raise Refused(
            {
                "form": ValidationError("realname.reason", reason=result.reason)
                if result.reason
                else "realname.mismatch"
            }
        )
    bidx = accounts.id_number_index(clean["number"])
    if deactivated_identity(bidx):
        raise Refused({"form": P4_MESSAGE})
    taken = (
        select(User.id)
        .where(
            User.status == ACTIVE, or_(User.phone == clean["phone"], User.id_number_bidx == bidx)
        )
        .limit(1)
    )
    if db.session.scalar(taken) is not None:
        raise Conflict(S3_MESSAGE)
    now, validity = from_timestamp(svc.clock.now()), clean["validity"]
    user = User(
        name=clean["name"],
        phone=clean["phone"],
        phone_verified=True,
        email=clean["email"],
        email_verified=True,
        id_type=a.id_type,
        id_number_enc=svc.cipher.encrypt(clean["number"], accounts.ID_INDEX),
        id_number_bidx=bidx,
        id_number_masked=documents.mask_id_number(clean["number"]),
        id_valid_from=validity.start,
        id_valid_to=validity.end,
        id_long_term=validity.long_term,
        realname_verified=True,
        address={**address.as_oidc_claim(clean["address"]), "codes": _codes(clean["address"])},
        password_hash=passwords.hash_password(a.password),
        status=ACTIVE,
        created_at=now,
        updated_at=now,
    )
    agreement.record_acceptance(user)
    return user


def register_natural_person(
    a: PersonApplication, *, flow_id: str, verified: dict[str, str]
) -> User:
    """Add the real-name natural person of ``a`` to the request's transaction (P1, S2), or raise as
    ``build_natural_person`` does; a concurrent registration of the same mobile or document
    number loses on the partial unique indexes (S3)."""
    user = build_natural_person(a, flow_id=flow_id, verified=verified)
    try:
        with transaction.savepoint():
            db.session.add(user)
    except IntegrityError:  # a concurrent registration took the number or mobile (S3)
        raise Conflict(S3_MESSAGE) from None
    return user


def registered_just_now(
    a: PersonApplication, flow_id: str, verified: dict[str, str]
) -> User | None:
    """A double submit (issue 11): the other request of the same form created the account first,
    so this one met S3 or found its codes used. It is the same submission when this flow proved
    the mobile by its SMS code (S7: only the mobile's holder can) and an active user made within
    the codes' lifetime has this mobile, document number and name, and the password typed here
    is theirs; the page then shows that account instead of an error. Anyone else gets the
    refusal as before: without the code no password is ever checked here. Nothing is written."""
    svc = services()
    try:
        phone, name = documents.validate_mobile(a.phone), names.check_name(a.name)
        bidx = accounts.id_number_index(documents.validate_id_number(a.id_type, a.id_number))
    except DomainError:
        return None
    proof = verified_key("sms", phone)
    if verified.get("sms") != proof and svc.store.get(_proof_key(flow_id, proof)) is None:
        return None
    since = from_timestamp(svc.clock.now() - svc.settings.codes.ttl)
    user = db.session.scalar(
        select(User).where(
            User.status == ACTIVE,
            User.phone == phone,
            User.id_number_bidx == bidx,
            User.created_at >= since,
        )
    )
    if user is None or user.name != name:
        return None
    return user if passwords.verify(a.password, user.password_hash) else None


def _codes(place: address.Address) -> dict[str, str | None]:
    return {"province": place.province_code, "city": place.city_code, "county": place.county_code}
