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
- The link itself (L3) and 旧账号管理 are in ``legacy_link``.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from sqlalchemy import or_, select

from ..extensions import db
from ..services import services
from . import legacy_hashes, legacy_retire, passwords, registers
from .models import LegacyAccount, User
from .models._types import from_timestamp
from .models.legacy import AGENCY, LEGAL, NATURAL, SIMPLE

L2_MESSAGE = ("该历史账号注册于 2025 年 8 月 1 日之后，暂不能在统一身份认证系统登录或关联。"
              "待新的商标网上申请系统上线后，即可进行关联。")
L4_MESSAGE = ("您在商标网上申请系统有多个账号（含简易用户），只能关联我局已通过邮件和短信通知您的"
              "可绑定历史账号。请使用该账号登录或关联；如有疑问，请拨打服务热线 010-63218500。")
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


def check_password(account: LegacyAccount | None, password: str) -> bool:
    """L5: the legacy password; on success a legacy-format hash becomes argon2id (L1). One
    argon2id verification whether the account exists or not and whatever its hash scheme
    (``legacy_hashes.verify``; docs/legacy.md "Legacy login time")."""
    if not legacy_hashes.verify(password or "", account.password_hash if account else None):
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
    if account is not None and legacy_retire.retired(account):  # L6 after a password change
        user = legacy_retire.user_password_ok(account, password)
        return LegacyLogin(account, user=user) if user is not None else None
    if not check_password(account, password):
        return None
    if account.linked:
        user = db.session.get(User, account.user_id)
        return LegacyLogin(account, user=user)  # L6: linked accounts are past L2/L4 already
    return LegacyLogin(account, refusal=refusal(account))
