"""Legacy accounts at login and when linking (L2–L6; login table of domain.md).

- ``named``: every legacy account an identifier names at an entry of the login page — its
  legacy account id at every entry; at the 法人 and 代理机构 entries also the USCC of a legacy
  organisation's profile and an agency's filed USCC. A company that registered more than once
  has several accounts under one USCC. ``find_for_entry`` is the one the entry's own
  identifier names (``legacy_entries.own_form``), for the password reset and 旧账号管理.
- ``authenticate``: the legacy password (L5) against every named account at once
  (``legacy_hashes.matches_any``: the cost of one verification whether or not any exists), the
  matching account chosen by ``rank`` and rehashed to argon2id (L1); then the cutoff (L2), the
  designated account (L4) and the entry (``legacy_entries``: P6, Y1, D2). A linked account
  signs in its user (L6); an unlinked one goes on to supplementation (S1). No match gives
  ``None`` so the caller says one generic thing; every refusal is said only after a match.
- The link itself (L3) and 旧账号管理 are in ``legacy_link``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeGuard

from sqlalchemy import or_, select

from ...extensions import db
from ...services import services
from .. import storable_text
from ..accounts import passwords
from ..models import LegacyAccount, User
from ..models._types import from_timestamp
from ..models.legacy import AGENCY, LEGAL, NATURAL, SIMPLE
from ..registers import lookup as registers
from . import (
    entries as legacy_entries,
)
from . import (
    hashes as legacy_hashes,
)
from . import (
    identity as legacy_identity,
)
from . import (
    retire as legacy_retire,
)
from .entries import Naming
from .ids import account_key as account_key  # re-exported: callers import it here

L2_MESSAGE = "legacy.l2_too_new"
L4_MESSAGE = "legacy.l4_not_bindable"
ENTRY_KINDS = {"personal": (NATURAL, SIMPLE), "legal": (LEGAL,), "agency": (AGENCY,)}
MESSAGES = {"L2": L2_MESSAGE, "L4": L4_MESSAGE, **legacy_entries.MESSAGES}  # every refusal


def cutoff() -> dt.datetime:
    return dt.datetime.fromisoformat(services().settings.legacy.cutoff)


def before_cutoff(account: LegacyAccount) -> bool:
    """L2: registered strictly before the cutoff instant."""
    return account.registered_at < cutoff()


def named(entry: str, identifier: str) -> list[LegacyAccount]:
    """Every legacy account ``identifier`` names at ``entry`` (any kind: after the password
    matched, ``legacy_entries.refusal`` says where another kind belongs), best first (``rank``)."""
    if (
        entry not in ENTRY_KINDS
        or not identifier
        or len(identifier) > 64
        or not storable_text.storable(identifier)
    ):  # a NUL names nothing, on any database
        return []
    where = [LegacyAccount.account_key == account_key(identifier)]
    if entry != "personal":
        bidx = registers.uscc_index(identifier)
        where += [LegacyAccount.uscc_bidx == bidx, LegacyAccount.filed_uscc_bidx == bidx]
    rows = list(db.session.scalars(select(LegacyAccount).where(or_(*where))))
    return sorted(rows, key=lambda row: rank(entry, row, naming(entry, row, identifier)))


def naming(entry: str, account: LegacyAccount, identifier: str) -> Naming:
    """How ``identifier`` names ``account`` (its id, its profile's USCC, its filed USCC)."""
    by_id = account.account_key == account_key(identifier)
    if entry == "personal":
        return Naming(by_id=by_id)
    bidx = registers.uscc_index(identifier)
    return Naming(
        by_id=by_id,
        by_uscc=account.uscc_bidx == bidx,
        by_filed=account.kind == AGENCY and legacy_identity.filed_uscc_bidx(account) == bidx,
    )


def rank(entry: str, account: LegacyAccount, how: Naming) -> tuple[object, ...]:
    """Which of several named accounts counts first (L4, L6): the linked one, the designated
    one, not one the office marked as not bindable, one named the entry's own way, then the
    earliest registered (the first registration of a company that registered again), then
    the first imported."""
    return (
        not account.linked,
        account.designated is not True,
        account.designated is False,
        not legacy_entries.own_form(entry, account, how),
        account.registered_at,
        account.id,
    )


def find_for_entry(entry: str, identifier: str) -> LegacyAccount | None:
    """The legacy account the entry's own identifier names (login table), best first."""
    return next(
        (
            row
            for row in named(entry, identifier)
            if legacy_entries.own_form(entry, row, naming(entry, row, identifier))
        ),
        None,
    )


def siblings(account: LegacyAccount) -> list[LegacyAccount]:
    """Other legacy accounts of the same person or organisation: the same document number, the
    same USCC, or (agencies) the same filed USCC."""
    keys = [
        c == v
        for c, v in (
            (LegacyAccount.id_number_bidx, account.id_number_bidx),
            (LegacyAccount.uscc_bidx, account.uscc_bidx),
            (LegacyAccount.filed_uscc_bidx, account.filed_uscc_bidx),
        )
        if v
    ]
    if not keys:
        return []
    return list(
        db.session.scalars(select(LegacyAccount).where(or_(*keys), LegacyAccount.id != account.id))
    )


def designation_refusal(account: LegacyAccount) -> str | None:
    """L4: the export's flag decides when it is given (False: not the bindable one); when it is
    not given, the account is refused only if another account of the person is designated —
    or already linked (L3: a person or organisation links one legacy account)."""
    if account.designated is True:
        return None
    if account.designated is False or any(s.designated or s.linked for s in siblings(account)):
        return L4_MESSAGE
    return None


def refusal(account: LegacyAccount) -> str | None:
    """Why this legacy account may not log in or be linked here (L2, L4), or None."""
    if not before_cutoff(account):
        return L2_MESSAGE
    return designation_refusal(account)


def check_password(account: LegacyAccount | None, password: str) -> TypeGuard[LegacyAccount]:
    """L5: the legacy password; on success a legacy-format hash becomes argon2id (L1). One
    argon2id verification whether the account exists or not and whatever its hash scheme
    (``legacy_hashes.verify``; docs/legacy.md "Legacy login time")."""
    if not legacy_hashes.verify(password or "", account.password_hash if account else None):
        return False
    assert account is not None  # verify() is False without a stored hash
    _upgrade(account, password)
    return True


def _upgrade(account: LegacyAccount, password: str) -> None:
    """L1: a legacy-format hash that just matched becomes argon2id of the same password."""
    if legacy_hashes.is_legacy(account.password_hash) and not legacy_retire.retired(account):
        account.password_hash = passwords.hash_password(password)
        account.updated_at = from_timestamp(services().clock.now())
        db.session.flush()


@dataclass
class LegacyLogin:
    """A legacy password that matched: the account, its linked user (L6), or why not (L2, L4,
    the entry: ``legacy_entries``)."""

    account: LegacyAccount
    user: User | None = None
    refusal: str | None = None


def _secret_of(account: LegacyAccount) -> str | None:
    """What the password is checked against: the legacy hash, or — the legacy password retired
    after a password change here (L6) — the user's own."""
    if legacy_retire.retired(account):
        user = db.session.get(User, account.user_id)
        return user.password_hash if user is not None else None
    return account.password_hash


def authenticate(
    entry: str, identifier: str, password: str, rows: list[LegacyAccount] | None = None
) -> LegacyLogin | None:
    """The 历史账号 method of ``entry``: None unless the password matched one of the accounts
    the identifier names; else the best matching account (``rank``) and what happens next.
    ``rows``: ``named(entry, identifier)`` when the caller looked them up already (the login
    keys its throttle by the first of them)."""
    rows = named(entry, identifier) if rows is None else rows
    matches = legacy_hashes.matches_any(password or "", [_secret_of(row) for row in rows])
    matched = [row for row, ok in zip(rows, matches) if ok]
    if not matched:
        return None
    account = matched[0]  # ``named`` is in ``rank`` order
    _upgrade(account, password)
    if account.first_login_at is None:  # the migration dashboard's "signed in"
        account.first_login_at = from_timestamp(services().clock.now())
    how = naming(entry, account, identifier)
    if account.linked:  # L6: linked accounts are past L2/L4 already
        wrong_entry = legacy_entries.refusal(entry, account, how)
        user = None if wrong_entry else db.session.get(User, account.user_id)
        return LegacyLogin(account, user=user, refusal=wrong_entry)
    return LegacyLogin(
        account, refusal=refusal(account) or legacy_entries.refusal(entry, account, how)
    )
