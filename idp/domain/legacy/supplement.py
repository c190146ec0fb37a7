"""Supplementation (信息补录) of a legacy account after its first legacy login (S1, S2, S3, S7,
L2–L4).

``prefill`` reads what the legacy export knows about a natural person (name, document, mobile,
email, street, postal code) so the page starts filled in (S1). ``complete_natural`` builds the
real-name natural person with every registration check (fields, codes and real-name
verification S7, P4, S3; ``registration.build_natural_person``), links the legacy account to it
(L3) and commits both in ONE transaction (S2): either the user exists and is linked, or nothing
was written. The person must be the legacy account's own (``legacy_identity.owner_refusal``):
that is decided from the typed name and number before any code is used or the real-name
service asked, and again on the built account under the row lock. The legacy refusals (L2, L4)
and the link are read again at completion, because the legacy login that opened the page may be
an hour old.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...services import services
from .. import trail, transaction
from ..accounts import applicant, registration
from ..accounts import users as accounts
from ..accounts.registration import PersonApplication
from ..crypto import DecryptionError
from ..errors import Conflict, DomainError
from ..identity import documents
from ..models import LegacyAccount, User
from ..models.user import ACTIVE, NATURAL
from . import identity as legacy_identity
from . import link as legacy_link
from .identity import Claimant

PURPOSE = "supplement"  # codes of a supplementation are bound to its flow id under this purpose


def prefill(account: LegacyAccount) -> dict[str, str]:
    """The S2 fields the legacy export already holds (S1). The document number is decrypted
    for its owner, who has just proven the legacy password (D5)."""
    data = {"name": account.name or "", "phone": account.phone or "", "email": account.email or ""}
    if account.id_type in documents.ID_TYPES:
        data["id_type"] = account.id_type
    if account.id_number_enc:
        try:
            data["id_number"] = services().cipher.decrypt(account.id_number_enc, accounts.ID_INDEX)
        except DecryptionError:  # an unreadable value is typed again rather than failing the page
            pass
    place = account.address if isinstance(account.address, dict) else {}
    for field, keys in (
        ("street", ("street", "street_address", "address")),
        ("postal_code", ("postal_code", "postcode", "zip")),
    ):
        value = next((place[k] for k in keys if isinstance(place.get(k), str)), "")
        if value:
            data[field] = value
    for field in ("province", "city", "county"):
        if isinstance(place.get(field), str):
            data[field] = place[field]
    return data


def complete_natural(
    account: LegacyAccount, application: PersonApplication, flow_id: str, verified: dict[str, str]
) -> User:
    """S2: create the real-name natural person of ``application`` linked to ``account`` in one
    commit. Raises registration.Refused (fields, codes, real name, P4), IdentityMismatch (S2:
    not the legacy account's person), Conflict (S3 or L3) or DomainError (L2/L4); ``verified``
    gains the codes that verified, as in registration."""
    legacy_link.check_linkable(account)
    _check_typed_person(account, application)
    user = registration.build_natural_person(
        application, flow_id=flow_id, verified=verified, purpose=PURPOSE
    )
    # L3 under concurrency: the unique index on user_id stops one user taking two accounts, but
    # not a second UPDATE overwriting the first link; the row lock (held until commit) makes a
    # parallel completion wait and then see the link.
    db.session.refresh(account, with_for_update=True)
    legacy_link.check_linkable(account)
    legacy_identity.check_owner(
        account, Claimant(NATURAL, name=user.name, id_number_bidx=user.id_number_bidx)
    )
    phone, bidx = user.phone, user.id_number_bidx
    try:
        with transaction.savepoint():
            legacy_link.link(user, account)  # flushes the user: its unique indexes checked here
    except IntegrityError:  # a concurrent completion or registration won
        raise _conflict(phone, bidx) from None
    trail.record(trail.SUPPLEMENT_COMPLETED, subject=user.id, legacy=account.id, kind=NATURAL)
    return user


def _check_typed_person(account: LegacyAccount, application: PersonApplication) -> None:
    """S2 before anything is used up: when the name and number are well-formed, they must be
    the legacy account's person's. Malformed fields are left to the registration checks."""
    clean, errors = applicant.check(application, documents.beijing_date(services().clock.now()))
    if not errors:
        legacy_identity.check_owner(
            account,
            Claimant(
                NATURAL,
                name=clean["name"],
                id_number_bidx=accounts.id_number_index(clean["number"]),
            ),
        )


def completed_in_parallel(
    account: LegacyAccount, phone: str, verified: dict[str, str]
) -> User | None:
    """A double submit: the other request completed ``account`` first. It is ours when the
    account is now linked to an active user with the mobile this supplementation proved by its
    SMS code (S7) — the same person — so the flow goes on as that user instead of showing the L3
    refusal. Nothing is written; the link is the other request's."""
    try:
        phone = documents.validate_mobile(phone)
    except DomainError:
        return None
    if verified.get("sms") != registration.verified_key("sms", phone):
        return None
    db.session.refresh(account)
    user = db.session.get(User, account.user_id) if account.user_id is not None else None
    return user if user is not None and user.active and user.phone == phone else None


def _conflict(phone: str | None, bidx: str | None) -> Conflict:
    """Which unique index decided against us: the mobile or document number (S3), else the
    link (L3)."""
    taken = (
        select(User.id)
        .where(User.status == ACTIVE, or_(User.phone == phone, User.id_number_bidx == bidx))
        .limit(1)
    )
    if db.session.scalar(taken) is not None:
        return Conflict(registration.S3_MESSAGE)
    return Conflict(legacy_link.L3_TAKEN)
