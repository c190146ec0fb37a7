"""实名认证 from the personal center: a natural person's account that was made without a
real-name verification (an operator's ``idp users create``, the demo's 张三, an account from
before S7) becomes a real-name account (S7, D1, D3–D5, P4).

``upgrade`` checks the document (D1, validity D4), then asks the pluggable verifier (S7). The
identity it verifies must be the account's own: where the account already holds a document
number, the typed one must be that number (a real-name check proves a name and a number belong
together, not that they belong to whoever is signed in, so it may never move an account to
another identity); where it holds none, the number must be free (D3: not another active
account's, S3's words) and never deactivated (P4). The name the verifier accepted replaces the
account's. The verifier answers whether a name and a number match, so each account may ask it
at most ``ATTEMPTS`` times a Beijing day (an account is no oracle for other people's data); an
answer of the service that it cannot answer does not count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...services import services
from .. import trail, transaction
from ..errors import Conflict, DomainError, Reason, ValidationError
from ..identity import documents, names
from ..identity.validity import validate_validity
from ..models import User
from ..models._types import from_timestamp
from ..models.user import ACTIVE, NATURAL
from . import users as accounts
from .applicant import parse_date
from .registration import P4_MESSAGE, S3_MESSAGE, Refused, deactivated_identity

ATTEMPTS = 5  # verifier questions per account and Beijing day
NOT_NEEDED = "realname.not_needed"
OTHER_DOCUMENT = "realname.other_document"
TOO_MANY = "realname.too_many"


@dataclass
class Document:
    """What the person types: document type, name, number and validity (S2's first part)."""

    id_type: str = ""
    name: str = ""
    id_number: str = ""
    valid_from: str = ""
    valid_to: str = ""
    long_term: bool = False


def needed(user: User) -> bool:
    """Does this account still lack a real-name verification it could complete here?"""
    return user.user_type == NATURAL and user.status == ACTIVE and not user.realname_verified


def _checked(doc: Document, today: dt.date) -> tuple[str, str, documents.Validity]:
    """(name, number, validity), or Refused with every field's error at once (D1, D4)."""
    errors: dict[str, Reason] = {}
    found: dict[str, object] = {}
    for field, check in (
        ("name", lambda: names.check_name(doc.name)),
        ("id_number", lambda: documents.validate_id_number(doc.id_type, doc.id_number, today)),
        ("valid_from", lambda: parse_date(doc.valid_from, "valid_from")),
        ("valid_to", lambda: None if doc.long_term else parse_date(doc.valid_to, "valid_to")),
    ):
        try:
            found[field] = check()
        except ValidationError as exc:
            errors.setdefault(exc.field or field, exc)
    if "valid_from" not in errors and "valid_to" not in errors:
        try:
            found["validity"] = validate_validity(
                found["valid_from"],  # type: ignore[arg-type]
                found["valid_to"],  # type: ignore[arg-type]
                doc.long_term,
                today,
                doc.id_type if doc.id_type in documents.ID_TYPES else None,
            )
        except ValidationError as exc:
            errors[exc.field or "form"] = exc
    if errors:
        raise Refused(errors)
    return found["name"], found["id_number"], found["validity"]  # type: ignore[return-value]


def _count_attempt(user: User) -> None:
    """One verifier question of this account today; refused past ``ATTEMPTS``."""
    svc = services()
    day = documents.beijing_date(svc.clock.now()).isoformat()
    if svc.store.incr(f"realname-attempts:{user.id}:{day}", ttl=2 * 86400) > ATTEMPTS:
        raise DomainError(TOO_MANY, attempts=ATTEMPTS)


def _refused(user: User, reason: str, id_type: str) -> None:
    """A verifier question that did not make a real-name account is audited too (the entry
    survives the request's rollback)."""
    trail.record(
        trail.REALNAME_VERIFIED,
        result=trail.REFUSED,
        subject=user.id,
        reason=reason,
        id_type=id_type,
    )


def upgrade(user: User, doc: Document) -> User:
    """S7 for an existing account: verify ``doc`` and make ``user`` a real-name account in the
    request's transaction, or refuse (Refused by field, DomainError, Conflict for S3,
    RealNameUnavailable when the verifier cannot answer)."""
    if not needed(user):
        raise DomainError(NOT_NEEDED)
    svc = services()
    name, number, validity = _checked(doc, documents.beijing_date(svc.clock.now()))
    bidx = accounts.id_number_index(number)
    if user.id_number_bidx is not None and user.id_number_bidx != bidx:
        raise Refused({"id_number": OTHER_DOCUMENT})
    _count_attempt(user)
    result = svc.realname.verify(name, doc.id_type, number)
    if not result.ok:
        _refused(user, "mismatch", doc.id_type)
        reason = ValidationError("realname.reason", reason=result.reason)
        raise Refused({"form": reason if result.reason else "realname.mismatch"})
    if user.id_number_bidx is None:
        if deactivated_identity(bidx):
            _refused(user, "deactivated", doc.id_type)
            raise Refused({"form": P4_MESSAGE})
        taken = select(User.id).where(
            User.status == ACTIVE, User.id_number_bidx == bidx, User.id != user.id
        )
        if db.session.scalar(taken.limit(1)) is not None:
            _refused(user, "taken", doc.id_type)
            raise Conflict(S3_MESSAGE)
    user.name = name
    user.id_type = doc.id_type
    user.id_number_enc = svc.cipher.encrypt(number, accounts.ID_INDEX)
    user.id_number_bidx = bidx
    user.id_number_masked = documents.mask_id_number(number)
    user.id_valid_from, user.id_valid_to = validity.start, validity.end
    user.id_long_term = validity.long_term
    user.realname_verified = True
    user.updated_at = from_timestamp(svc.clock.now())
    try:
        with transaction.savepoint():  # the partial unique index decides a race (D3)
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(S3_MESSAGE) from exc
    trail.record(trail.REALNAME_VERIFIED, subject=user.id, id_type=doc.id_type)
    return user
