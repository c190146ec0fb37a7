"""Legacy accounts at login and when linking (L2–L6; login table of domain.md).

- ``find_for_entry``: which legacy account a login names. Personal entry: the legacy account id
  (natural persons and simple users). Legal-person entry: the USCC registered in the legacy
  system, or — for a legal person the legacy system knew without a USCC (a foreign entity, S5) —
  its legacy account id. Agency entry: the USCC on the office's agency filing register — not the one stored in
  the legacy profile (login table; ``filed_uscc_bidx``).
- ``authenticate``: the legacy password (L5), rehashed to argon2id on success (L1); then the
  cutoff (L2) and the designated account (L4). A linked account signs in its user (L6); an
  unlinked one goes on to supplementation (S1). Unknown account and wrong password both give
  ``None`` so the caller says one generic thing.
- ``link``: the irreversible link (L3), written in the caller's transaction; the unique index on
  ``legacy_accounts.user_id`` and the single column make "at most one each way" hold under
  concurrency. ``link_existing`` is 旧账号管理 in the personal center (L3–L5).
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..services import services
from . import legacy_hashes, passwords, registers
from .errors import Conflict, DomainError
from .models import LegacyAccount, Organisation, User
from .models._types import from_timestamp
from .models.legacy import AGENCY, LEGAL, NATURAL, SIMPLE

L2_MESSAGE = ("该历史账号注册于 2025 年 8 月 1 日之后，暂不能在统一身份认证系统登录或关联。"
              "待新的商标网上申请系统上线后，即可进行关联。")
L4_MESSAGE = ("您在商标网上申请系统有多个账号（含简易用户），只能关联我局已通过邮件和短信通知您的"
              "可绑定历史账号。请使用该账号登录或关联；如有疑问，请拨打服务热线 010-63218500。")
L3_USER_HAS_LINK = "您的账号已关联历史账号。一个账号只能关联一个历史账号，且关联后不能解除。"
L3_TAKEN = "该历史账号已被其他用户关联，不能重复关联。如有疑问，请拨打服务热线 010-63218500。"
MISMATCH = "历史账号的证件号码（或统一社会信用代码）与您的账号信息不一致，不能关联。"
WRONG_KIND = "历史账号的用户类型与您的账号不一致，不能关联。代理机构请先在个人中心变更为代理机构。"
ENTRY_KINDS = {"personal": (NATURAL, SIMPLE), "legal": (LEGAL,), "agency": (AGENCY,)}


def account_key(value: str | None) -> str:
    """One spelling per legacy account id: NFKC (full-width becomes ASCII), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", value or "").strip().casefold()


def cutoff() -> dt.datetime:
    return dt.datetime.fromisoformat(str(services().settings["legacy.cutoff"]))


def before_cutoff(account: LegacyAccount) -> bool:
    """L2: registered strictly before the cutoff instant."""
    return account.registered_at < cutoff()


def find_for_entry(entry: str, identifier: str) -> LegacyAccount | None:
    kinds = ENTRY_KINDS.get(entry)
    if kinds is None or not identifier or len(identifier) > 64:
        return None
    if entry == "personal":
        where = LegacyAccount.account_key == account_key(identifier)
    elif entry == "legal":
        # a legal person without a USCC in the legacy system (S5) names its legacy account id
        where = or_(LegacyAccount.uscc_bidx == registers.uscc_index(identifier),
                    (LegacyAccount.account_key == account_key(identifier))
                    & LegacyAccount.uscc_bidx.is_(None))
    else:
        where = LegacyAccount.filed_uscc_bidx == registers.uscc_index(identifier)
    rows = db.session.scalars(select(LegacyAccount).where(
        where, LegacyAccount.kind.in_(kinds)).order_by(LegacyAccount.id)).all()
    return _preferred(rows)


def _preferred(rows: list[LegacyAccount]) -> LegacyAccount | None:
    """Several legacy accounts under one USCC: the linked one, else the designated one (L4)."""
    return (next((r for r in rows if r.linked), None)
            or next((r for r in rows if r.designated), None)
            or (rows[0] if rows else None))


def siblings(account: LegacyAccount) -> list[LegacyAccount]:
    """Other legacy accounts of the same person or organisation (same document number or USCC)."""
    keys = [c == v for c, v in ((LegacyAccount.id_number_bidx, account.id_number_bidx),
                                (LegacyAccount.uscc_bidx, account.uscc_bidx)) if v]
    if not keys:
        return []
    return list(db.session.scalars(select(LegacyAccount).where(
        or_(*keys), LegacyAccount.id != account.id)))


def designation_refusal(account: LegacyAccount) -> str | None:
    """L4: the export's flag decides when it is given (False: not the bindable one); when it is
    not given, the account is refused only if another account of the person is designated."""
    if account.designated is True:
        return None
    if account.designated is False or any(s.designated for s in siblings(account)):
        return L4_MESSAGE
    return None


def refusal(account: LegacyAccount) -> str | None:
    """Why this legacy account may not log in or be linked here (L2, L4), or None."""
    if not before_cutoff(account):
        return L2_MESSAGE
    return designation_refusal(account)


def check_linkable(account: LegacyAccount) -> None:
    """Raise why ``account`` cannot be linked now: linked already (L3), or L2/L4. Read again at
    completion, since the legacy login that opened the supplementation may be an hour old."""
    if account.linked:
        raise Conflict(L3_TAKEN)
    reason = refusal(account)
    if reason:
        raise DomainError(reason)


def check_password(account: LegacyAccount | None, password: str) -> bool:
    """L5: the legacy password; on success a legacy-format hash becomes argon2id (L1)."""
    if account is None:
        passwords.verify(password or "", None)  # the same cost for an unknown account
        return False
    if not legacy_hashes.verify(password or "", account.password_hash):
        return False
    if legacy_hashes.is_legacy(account.password_hash):
        account.password_hash = passwords.hash_password(password)
        account.updated_at = from_timestamp(services().clock.now())
        db.session.commit()
    return True


@dataclass
class LegacyLogin:
    """A legacy password that matched: the account, its linked user (L6), or why not (L2/L4)."""

    account: LegacyAccount
    user: User | None = None
    refusal: str | None = None


def authenticate(entry: str, identifier: str, password: str) -> LegacyLogin | None:
    account = find_for_entry(entry, identifier)
    if not check_password(account, password):
        return None
    if account.linked:
        user = db.session.get(User, account.user_id)
        return LegacyLogin(account, user=user)  # L6: linked accounts are past L2/L4 already
    return LegacyLogin(account, refusal=refusal(account))


def linked_account(user: User) -> LegacyAccount | None:
    return db.session.scalar(select(LegacyAccount).where(LegacyAccount.user_id == user.id))


def link(user: User, account: LegacyAccount) -> None:
    """L3: record the link in the caller's transaction; the caller commits.

    The link is written by a conditional UPDATE (``... WHERE user_id IS NULL``), so of two
    concurrent links of one legacy account only the first changes the row and the second gets
    ``Conflict(L3_TAKEN)`` here — a link is never overwritten. The unique index on ``user_id``
    stops one user taking two accounts (IntegrityError at flush or commit: the caller maps it
    to ``Conflict``)."""
    if account.user_id is not None and account.user_id != user.id:
        raise Conflict(L3_TAKEN)
    if user.id is not None and linked_account(user) not in (None, account):
        raise Conflict(L3_USER_HAS_LINK)
    db.session.add(user)
    db.session.flush()  # the new user's id, and the unique indexes of users checked now
    now = from_timestamp(services().clock.now())
    try:
        claimed = db.session.execute(
            update(LegacyAccount).where(LegacyAccount.id == account.id,
                                        LegacyAccount.user_id.is_(None))
            .values(user_id=user.id, linked_at=now, updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
    except IntegrityError:  # this user linked another legacy account meanwhile
        db.session.rollback()
        raise Conflict(L3_USER_HAS_LINK) from None
    if claimed != 1:
        db.session.rollback()
        raise Conflict(L3_TAKEN)
    db.session.refresh(account)


def _identity_refusal(user: User, account: LegacyAccount) -> str | None:
    """L3/L5 with the personal center: the legacy identity must be the user's own. A legacy
    account without a document number (some simple users) is proven by its password alone."""
    if account.kind in (NATURAL, SIMPLE):
        if user.user_type != NATURAL:
            return WRONG_KIND
        ok = account.id_number_bidx in (None, user.id_number_bidx)
        return None if ok else MISMATCH
    if user.user_type != account.kind:
        return WRONG_KIND
    org = db.session.scalar(select(Organisation).where(Organisation.user_id == user.id))
    if org is None or org.uscc_bidx is None:
        return MISMATCH
    return None if org.uscc_bidx in (account.uscc_bidx, account.filed_uscc_bidx) else MISMATCH


def link_existing(user: User, legacy_id: str, password: str) -> LegacyAccount | None:
    """旧账号管理: link the legacy account ``legacy_id`` to the signed-in ``user``.

    ``None`` when the account is unknown or the password is wrong (a failed login, L5: the
    caller counts it); DomainError/Conflict with the reason for every other refusal."""
    account = find_for_entry("personal", legacy_id) or db.session.scalar(
        select(LegacyAccount).where(LegacyAccount.account_key == account_key(legacy_id)))
    if not check_password(account, password):
        return None
    if linked_account(user) is not None:
        raise Conflict(L3_USER_HAS_LINK)
    if account.linked:
        raise Conflict(L3_TAKEN)
    reason = refusal(account) or _identity_refusal(user, account)
    if reason:
        raise DomainError(reason)
    link(user, account)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent link won (L3)
        db.session.rollback()
        raise Conflict(L3_TAKEN) from None
    return account
