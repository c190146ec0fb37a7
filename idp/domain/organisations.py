"""Registering organisations: legal persons, foreign legal persons and agencies (P1, D2, D3, P4,
P5, P6, P7, Y1, S3, S4–S6).

An organisation is a ``users`` row (user_type "legal" or "agency") plus an ``Organisation`` row,
created in one transaction. The USCC is stored encrypted, found by its blind index and shown
masked (D5); it is unique among active organisations by a partial unique index (D3), so two
concurrent registrations cannot both succeed. The organisation's contact mobile is kept on the
organisation, not in ``users.phone`` (a natural person's login identifier). Handlers: handlers.py.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..services import services
from . import deactivation, documents, files, password_policy, passwords, registers, reviews
from .errors import Conflict, DomainError, ValidationError
from .models import HandlerBinding, Organisation, User
from .models._types import from_timestamp
from .models.organisation import AGENCY, CATEGORIES, LEGAL
from .models.user import ACTIVE, PENDING_REVIEW

S3_MESSAGE = ("用户已经存在：该统一社会信用代码已注册。请使用已注册的账号登录，"
              "并在个人中心的“旧账号管理”中关联历史账号。")
Y1_MESSAGE = ("该统一社会信用代码不在商标代理机构备案名单中。如备案时提供的统一社会信用代码有误，"
              "请先办理备案变更，变更通过后再注册。")
P4_MESSAGE = "该统一社会信用代码对应的账号已注销。账号注销后，同一统一社会信用代码不能再次注册或补录。"
FOREIGN_DOCUMENT = "foreign_document"  # a foreign representative's own document (D2, S5)


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


def _text(value: str | None, field: str, label: str, limit: int) -> str:
    value = (value or "").strip()
    if not 1 <= len(value) <= limit:
        raise ValidationError(f"请填写{label}（不超过 {limit} 个字符）。", field)
    return value


def _representative(org: Organisation, rep: Representative, today: dt.date, foreign: bool):
    org.rep_name = _text(rep.name, "rep_name", "法定代表人姓名", 100)
    org.rep_nationality = (rep.nationality or "").strip()[:64] or None
    if foreign and rep.id_type == FOREIGN_DOCUMENT:  # a foreign passport: no national format
        number = documents.normalize(rep.id_number)
        if not 4 <= len(number) <= 40 or not number.isalnum():
            raise ValidationError("证件号码应为 4–40 位字母或数字。", "rep_id_number")
    elif rep.id_type in documents.ID_TYPES:
        number = documents.validate_id_number(rep.id_type, rep.id_number, today=today)
    else:
        raise ValidationError("请选择法定代表人证件类型。", "rep_id_type")
    national = rep.id_type if rep.id_type in documents.ID_TYPES else None
    validity = documents.validate_validity(rep.valid_from, rep.valid_to, rep.long_term, today,
                                           national)
    org.rep_id_type = rep.id_type
    org.rep_id_number_enc = services().cipher.encrypt(number, "id-number")
    org.rep_id_number_masked = documents.mask_id_number(number)
    org.rep_valid_from, org.rep_valid_to = validity.start, validity.end
    org.rep_long_term = validity.long_term


def _account(kind: str, category: str, name: str, contact: Contact, rep: Representative,
             status: str, foreign: bool = False) -> Organisation:
    if category not in CATEGORIES:
        raise ValidationError("请选择法人类型。", "category")
    name = _text(name, "name", "单位名称", 200)
    phone = documents.validate_mobile(contact.phone) if contact.phone else None
    email = (contact.email or "").strip() or None
    if email and ("@" not in email or len(email) > 254 or " " in email):
        raise ValidationError("电子邮箱格式不正确。", "email")
    password_policy.check_password(contact.password, context=[phone, email])
    svc = services()
    now = from_timestamp(svc.clock.now())
    user = User(user_type=kind, name=name, email=email, email_verified=bool(email and
                contact.email_verified), password_hash=passwords.hash_password(contact.password),
                status=status, agreement_version=contact.agreement_version,
                agreement_accepted_at=now if contact.agreement_version else None,
                created_at=now, updated_at=now)
    org = Organisation(user=user, kind=kind, category=category, name=name, foreign=foreign,
                       contact_phone=phone, contact_phone_verified=bool(phone and
                       contact.phone_verified), active=True, created_at=now)
    _representative(org, rep, documents.beijing_date(svc.clock.now()), foreign)
    return org


def _with_uscc(org: Organisation, uscc: str) -> None:
    org.uscc_enc = services().cipher.encrypt(uscc, registers.USCC_INDEX)
    org.uscc_bidx = registers.uscc_index(uscc)
    org.uscc_masked = documents.mask_uscc(uscc)


def _save_unique(org: Organisation) -> Organisation:
    """Commit; an active organisation with this USCC already registered is a Conflict (D3, S3)."""
    db.session.add(org)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(S3_MESSAGE, "uscc") from None
    return org


def check_uscc_may_register(uscc: str) -> str:
    """D3 + P4: the USCC's blind index, or a refusal — deactivated for ever, or already active."""
    bidx = registers.uscc_index(uscc)
    if deactivation.is_deactivated(deactivation.USCC, bidx):
        raise DomainError(P4_MESSAGE, "uscc")
    if find_by_uscc(uscc) is not None:
        raise Conflict(S3_MESSAGE, "uscc")
    return bidx


def find_by_uscc(uscc: str, kind: str | None = None) -> Organisation | None:
    """The active organisation with this USCC (for the login page), optionally of one kind."""
    query = select(Organisation).where(Organisation.active.is_(True),
                                       Organisation.uscc_bidx == registers.uscc_index(uscc))
    org = db.session.scalar(query)
    return org if org is not None and (kind is None or org.kind == kind) else None


def register_legal_person(*, category: str, name: str, uscc: str, representative: Representative,
                          contact: Contact) -> Organisation:
    """P1/S4: a legal person with a USCC, active at once; D3 unique, P4 never after deactivation.

    P5: an individual business (category "individual_business") registers here, as a legal
    person, like any other category.
    """
    uscc = documents.validate_uscc(uscc)
    check_uscc_may_register(uscc)
    org = _account(LEGAL, category, name, contact, representative, ACTIVE)
    _with_uscc(org, uscc)
    return _save_unique(org)


def register_agency(*, category: str, name: str, uscc: str, representative: Representative,
                    contact: Contact) -> Organisation:
    """Y1/S6: an agency registers with the USCC on the agency filing register, and only then."""
    uscc = documents.validate_uscc(uscc)
    if registers.filing_for(registers.uscc_index(uscc)) is None:
        raise DomainError(Y1_MESSAGE, "uscc")
    check_uscc_may_register(uscc)
    org = _account(AGENCY, category, name, contact, representative, ACTIVE)
    _with_uscc(org, uscc)
    return _save_unique(org)


def register_foreign_legal_person(*, category: str, country: str, name: str, name_en: str,
                                  registration_number: str, representative: Representative,
                                  contact: Contact, identity_proof: Upload,
                                  qualification: Upload) -> Organisation:
    """D2/S5/P7: no USCC; the account waits in ``pending_review`` with a ReviewCase holding the
    two PDFs, and cannot log in (login requires status active) until the office approves."""
    org = _account(LEGAL, category, name, contact, representative, PENDING_REVIEW, foreign=True)
    org.country = _text(country, "country", "注册国家（地区）", 64)
    org.name_en = _text(name_en, "name_en", "英文名称", 200)
    org.registration_number = _text(registration_number, "registration_number", "注册号", 64)
    files.check_pdf(identity_proof.data, "identity_proof")
    files.check_pdf(qualification.data, "qualification")
    proof = files.store_pdf(identity_proof.data, identity_proof.filename, "identity_proof")
    qual = files.store_pdf(qualification.data, qualification.filename, "qualification")
    db.session.add(org)
    try:
        reviews.open_case(org, proof, qual)
        db.session.commit()
    except Exception:
        db.session.rollback()
        files.discard(proof, qual)
        raise
    return org


def change_to_agency(organisation: Organisation) -> Organisation:
    """P6 (P2 变更为代理机构): a legal person whose USCC is on the filing register becomes an
    agency; every handler binding ends, so its handlers must be bound again (Y2 then applies)."""
    if organisation.kind == AGENCY:
        raise DomainError("该账号已是代理机构。")
    if organisation.foreign or registers.filing_for(organisation.uscc_bidx) is None:
        raise DomainError(Y1_MESSAGE, "uscc")
    now = from_timestamp(services().clock.now())
    for binding in db.session.scalars(select(HandlerBinding).where(
            HandlerBinding.organisation_id == organisation.id, HandlerBinding.active.is_(True))):
        binding.active, binding.ended_at = False, now
    organisation.kind = AGENCY
    organisation.user.user_type = AGENCY
    organisation.user.updated_at = now
    db.session.commit()
    return organisation
