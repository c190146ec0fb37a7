"""Accounts: creating natural persons and checking passwords at login (G1, D3, D5).

A natural person logs in with the mobile number or the document number (any of the five types,
G1); an organisation with its USCC at the entry of its kind (login table; agencies: the filed
USCC, Y1), a legal person also with its organisation code, a foreign entity (S5) with the
account number it was given.
An unknown identifier, a wrong password and a non-active account all come back as ``None``, so
callers can only say one generic thing (no user enumeration).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import QueryableAttribute

from ...extensions import db
from ...services import services
from .. import purposes, transaction
from ..errors import Conflict, ValidationError
from ..identity import documents, emails, names
from ..models import Organisation, User
from ..models._types import from_timestamp
from ..models.organisation import LEGAL
from ..models.user import ACTIVE, NATURAL, PENDING_REVIEW
from ..organisations import accounts as org_accounts
from . import password_policy, passwords

ID_INDEX = purposes.ID_NUMBER


def id_number_index(number: str) -> str:
    return services().blind_index(documents.normalize(number), ID_INDEX)


def find_by_login(identifier: str) -> User | None:
    ident = documents.normalize(identifier)
    if not ident:
        return None
    column: QueryableAttribute[str | None]
    if documents.looks_like_mobile(ident):
        column, value = User.phone, documents.validate_mobile(ident)
    else:
        column, value = User.id_number_bidx, id_number_index(ident)
    return db.session.scalar(
        select(User).where(column == value, User.status == ACTIVE, User.user_type == NATURAL)
    )


def authenticate(identifier: str, password: str) -> User | None:
    user = find_by_login(identifier)
    if not passwords.verify(password or "", user.password_hash if user else None):
        return None
    assert user is not None  # verify() is False without a stored hash
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        db.session.flush()
    return user


def _organisation_identifier(code: str, kind: str) -> ColumnElement[bool] | None:
    """The condition finding the organisation that logs in with ``code`` (normalised) at the
    entry of ``kind`` (login table): the legal entry takes the USCC, the 9-character
    organisation code (``XXXXXXXX-X`` too; a wrong GB 11714 check character finds nothing) or
    a foreign entity's account number (S5); the agency entry only the filed USCC (Y1)."""
    if kind == LEGAL and len(code.replace("-", "")) == 9:
        try:
            org_code = documents.validate_organization_code(code)
        except ValidationError:
            return None
        return Organisation.org_code_bidx == org_accounts.org_code_index(org_code)
    if kind == LEGAL and org_accounts.looks_like_account_no(code):
        return Organisation.account_no == code
    return Organisation.uscc_bidx == services().blind_index(code, purposes.USCC)


def find_organisation_login(identifier: str, kind: str) -> User | None:
    """The account of kind ``kind`` (legal or agency) that logs in with this identifier (login
    table, Y1, see _organisation_identifier), active or still waiting for review (S5). An
    organisation code held by two accounts finds neither: the USCC tells them apart."""
    code = documents.normalize(identifier)
    if not code or len(code) > 64:
        return None
    condition = _organisation_identifier(code, kind)
    if condition is None:
        return None
    rows = db.session.scalars(
        select(User)
        .join(Organisation, Organisation.user_id == User.id)
        .where(
            condition,
            Organisation.kind == kind,
            Organisation.active.is_(True),
            User.user_type == kind,
            User.status.in_((ACTIVE, PENDING_REVIEW)),
        )
    ).all()
    return rows[0] if len(rows) == 1 else None  # USCC and account number: unique indexes


def authenticate_organisation(identifier: str, kind: str, password: str) -> User | None:
    """The organisation account when the password matches (login table); the caller tells a
    ``pending_review`` account apart only after this, so nothing leaks to a guesser."""
    user = find_organisation_login(identifier, kind)
    if not passwords.verify(password or "", user.password_hash if user else None):
        return None
    return user


def validate_password(password: str, *, context: list[str | None] | None = None) -> None:
    """The password policy (password_policy.check_password); context: the user's identifiers."""
    password_policy.check_password(password, context=context or [])


def create_natural_person(
    *,
    name: str,
    phone: str,
    password: str,
    email: str | None = None,
    id_type: str | None = None,
    id_number: str | None = None,
) -> User:
    """Create an active natural-person account in one transaction; identifiers unique (D3)."""
    name = names.check_name(name)
    phone = documents.validate_mobile(phone)
    validate_password(password, context=[phone, id_number])
    email = emails.normalise_email(email) if (email or "").strip() else None
    svc = services()
    now = from_timestamp(svc.clock.now())
    user = User(
        name=name,
        phone=phone,
        phone_verified=True,
        email=email,
        email_verified=email is not None,
        password_hash=passwords.hash_password(password),
        status=ACTIVE,
        created_at=now,
        updated_at=now,
    )
    if id_number:
        if not id_type:
            raise ValidationError("id_type.missing", "id_type")
        number = documents.validate_id_number(
            id_type, id_number, today=documents.beijing_date(svc.clock.now())
        )
        user.id_type = id_type
        user.id_number_enc = svc.cipher.encrypt(number, ID_INDEX)
        user.id_number_bidx = id_number_index(number)
        user.id_number_masked = documents.mask_id_number(number)
    try:
        with transaction.savepoint():
            db.session.add(user)
    except IntegrityError:
        raise Conflict("person.exists") from None
    return user
