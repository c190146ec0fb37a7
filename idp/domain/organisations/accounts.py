"""What every organisation registration shares: the form's data, the account it becomes, and the
organisation's login identifiers (login table, D2, D3, D5, S4–S6, P4).

An organisation is a ``users`` row (user_type "legal" or "agency") plus an ``Organisation`` row,
built here and committed by the caller (organisations.py) in one transaction. It logs in with:
- its USCC: stored encrypted, found by blind index (purpose "uscc"), shown masked (D5), unique
  among active organisations by a partial unique index (D3; who may take it: enterprise.py);
- a legal person also with its 9-character organisation code (USCC characters 9–17): blind
  index purpose "org-code", set whenever the USCC is set;
- a foreign entity without a USCC (D2, S5) with ``account_no``, a number generated here ("W"
  and nine random digits), unique by a unique index.
The organisation's contact mobile is kept on the organisation, not in ``users.phone`` (a
natural person's login identifier).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from ...extensions import db
from ...services import services
from .. import purposes
from ..accounts import password_policy, passwords
from ..errors import ValidationError
from ..identity import documents, emails, names
from ..identity.identifiers import is_ascii_digits
from ..models import Organisation, User
from ..models._types import from_timestamp
from ..models.organisation import CATEGORIES
from ..registers import lookup as registers

S3_MESSAGE = "uscc.taken"
Y1_MESSAGE = "uscc.not_filed"
P4_MESSAGE = "uscc.deactivated"
FOREIGN_DOCUMENT = "foreign_document"  # a foreign representative's own document (D2, S5)
ORG_CODE_INDEX = purposes.ORG_CODE
ACCOUNT_NO_PREFIX = "W"  # 外: no USCC, mobile or document number starts with it


@dataclass(frozen=True)
class Representative:
    """The legal representative (法定代表人/负责人) as entered on the form (S4, S5)."""

    name: str
    id_type: str
    id_number: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    long_term: bool = False
    nationality: str | None = None


@dataclass(frozen=True)
class Contact:
    """The account's password and contact data; ``*_verified``: the caller checked a code (S7)."""

    password: str
    phone: str | None = None
    email: str | None = None
    phone_verified: bool = False
    email_verified: bool = False
    agreement_version: str | None = None


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def required_text(value: str | None, field: str, label: str, limit: int) -> str:
    """The stripped value, 1 to ``limit`` characters without control or format characters
    (``names.INVISIBLE``), or a ValidationError on ``field``; ``label`` is the key of the
    field's words (web/messages.py LABELS)."""
    value = (value or "").strip()
    if not 1 <= len(value) <= limit:
        raise ValidationError("text.missing", field, label=label, limit=limit)
    if any(unicodedata.category(ch) in names.INVISIBLE for ch in value):
        raise ValidationError("text.invisible", field, label=label)
    return value


def _representative(org: Organisation, rep: Representative, today: dt.date, foreign: bool) -> None:
    org.rep_name = names.check_name(rep.name, "rep_name", "rep_name", 100)
    org.rep_nationality = (rep.nationality or "").strip()[:64] or None
    if foreign and rep.id_type == FOREIGN_DOCUMENT:  # a foreign passport: no national format
        number = documents.normalize(rep.id_number)
        if not re.fullmatch(r"[0-9A-Z]{4,40}", number):
            raise ValidationError("rep_id_number.foreign_format", "rep_id_number")
    elif rep.id_type in documents.ID_TYPES:
        number = documents.validate_id_number(rep.id_type, rep.id_number, today=today)
    else:
        raise ValidationError("rep_id_type.missing", "rep_id_type")
    national = rep.id_type if rep.id_type in documents.ID_TYPES else None
    validity = documents.validate_validity(
        rep.valid_from, rep.valid_to, rep.long_term, today, national
    )
    org.rep_id_type = rep.id_type
    org.rep_id_number_enc = services().cipher.encrypt(number, purposes.ID_NUMBER)
    org.rep_id_number_masked = documents.mask_id_number(number)
    org.rep_valid_from, org.rep_valid_to = validity.start, validity.end
    org.rep_long_term = validity.long_term


def build_account(
    kind: str,
    category: str,
    name: str,
    contact: Contact,
    rep: Representative,
    status: str,
    foreign: bool = False,
) -> Organisation:
    """A new organisation and its account from validated form data, not yet in the session."""
    if category not in CATEGORIES:
        raise ValidationError("category.missing", "category")
    name = names.check_name(name, "name", "unit_name", 200)
    phone = documents.validate_mobile(contact.phone) if contact.phone else None
    email = emails.normalise_email(contact.email) if (contact.email or "").strip() else None
    password_policy.check_password(contact.password, context=[phone, email])
    svc = services()
    now = from_timestamp(svc.clock.now())
    user = User(
        user_type=kind,
        name=name,
        email=email,
        email_verified=bool(email and contact.email_verified),
        password_hash=passwords.hash_password(contact.password),
        status=status,
        agreement_version=contact.agreement_version,
        agreement_accepted_at=now if contact.agreement_version else None,
        created_at=now,
        updated_at=now,
    )
    org = Organisation(
        user=user,
        kind=kind,
        category=category,
        name=name,
        foreign=foreign,
        contact_phone=phone,
        contact_phone_verified=bool(phone and contact.phone_verified),
        active=True,
        created_at=now,
    )
    _representative(org, rep, documents.beijing_date(svc.clock.now()), foreign)
    return org


def org_code_index(code: str) -> str:
    """The blind index of a 9-character organisation code (already validated, no dash)."""
    return services().blind_index(code, ORG_CODE_INDEX)


def set_uscc(org: Organisation, uscc: str) -> None:
    """Store a validated USCC: encrypted, blind-indexed, masked (D5), and the blind index of
    the organisation code it contains (characters 9–17), the legal entry's other identifier."""
    org.uscc_enc = services().cipher.encrypt(uscc, registers.USCC_INDEX)
    org.uscc_bidx = registers.uscc_index(uscc)
    org.uscc_masked = documents.mask_uscc(uscc)
    org.org_code_bidx = org_code_index(uscc[8:17])


def new_account_no() -> str:
    """A foreign entity's login number (S5): "W" and nine digits from ``secrets``, one that no
    organisation holds now. The unique index still decides: callers retry on a clash."""
    while True:
        number = ACCOUNT_NO_PREFIX + f"{secrets.randbelow(10**9):09d}"
        if (
            db.session.scalar(select(Organisation.id).where(Organisation.account_no == number))
            is None
        ):
            return number


def looks_like_account_no(code: str) -> bool:
    """Whether a normalised login identifier has the form of an account number."""
    return code.startswith(ACCOUNT_NO_PREFIX) and is_ascii_digits(code[len(ACCOUNT_NO_PREFIX) :], 9)


def is_account_no_clash(error: Exception) -> bool:
    """Whether an IntegrityError came from the unique index of ``account_no``."""
    return "account_no" in str(getattr(error, "orig", error))


def find_by_uscc(uscc: str, kind: str | None = None) -> Organisation | None:
    """The active organisation with this USCC (for the login page), optionally of one kind."""
    query = select(Organisation).where(
        Organisation.active.is_(True), Organisation.uscc_bidx == registers.uscc_index(uscc)
    )
    org = db.session.scalar(query)
    return org if org is not None and (kind is None or org.kind == kind) else None
