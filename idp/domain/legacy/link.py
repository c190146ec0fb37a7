"""The link between a user and a legacy account (L3), and 旧账号管理 (L3–L5).

``legacy_accounts.user_id`` is the link: its unique index allows one legacy account per user,
the single column one user per legacy account, and ``link`` writes it with a conditional
``UPDATE … WHERE user_id IS NULL`` so a concurrent link can never overwrite it. Nothing clears
it: a link is never undone. ``link_existing`` is the personal center's 旧账号管理: the legacy
account and its password (L5), then the refusals of L2, L3, L4 and the identity match
(``legacy_identity.owner_refusal``, the rule supplementation uses too).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...services import services
from .. import trail, transaction
from ..errors import Conflict, DomainError
from ..models import LegacyAccount, User
from ..models._types import from_timestamp
from . import identity as legacy_identity
from .login import account_key, check_password, find_for_entry, refusal

L3_USER_HAS_LINK = "legacy.user_has_link"
L3_TAKEN = "legacy.taken"


def check_linkable(account: LegacyAccount) -> None:
    """Raise why ``account`` cannot be linked now: linked already (L3), or L2/L4. Read again at
    completion, since the legacy login that opened the supplementation may be an hour old."""
    if account.linked:
        raise Conflict(L3_TAKEN)
    reason = refusal(account)
    if reason:
        raise DomainError(reason)


def linked_account(user: User) -> LegacyAccount | None:
    return db.session.scalar(select(LegacyAccount).where(LegacyAccount.user_id == user.id))


def link(user: User, account: LegacyAccount, *, supplemented: bool = True) -> None:
    """L3: record the link in the caller's transaction; a refusal raised here leaves the
    caller's savepoint (or the request) to roll back the rest. ``supplemented``: the link
    completes a supplementation (``supplemented_at`` is set, for the migration dashboard);
    旧账号管理 links an existing account and passes False.

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
        claimed = cast(
            CursorResult[Any],
            db.session.execute(
                update(LegacyAccount)
                .where(LegacyAccount.id == account.id, LegacyAccount.user_id.is_(None))
                .values(
                    user_id=user.id,
                    linked_at=now,
                    updated_at=now,
                    **({"supplemented_at": now} if supplemented else {}),
                )
                .execution_options(synchronize_session=False)
            ),
        ).rowcount
    except IntegrityError:  # this user linked another legacy account meanwhile
        raise Conflict(L3_USER_HAS_LINK) from None
    if claimed != 1:
        raise Conflict(L3_TAKEN)
    trail.record(trail.LEGACY_LINKED, subject=user.id, legacy=account.id, kind=account.kind)
    db.session.refresh(account)


def named(legacy_id: str) -> LegacyAccount | None:
    """The legacy account 旧账号管理 names: the personal legacy login's, else any by its id."""
    return find_for_entry("personal", legacy_id) or db.session.scalar(
        select(LegacyAccount).where(LegacyAccount.account_key == account_key(legacy_id))
    )


def link_existing(user: User, legacy_id: str, password: str) -> LegacyAccount | None:
    """旧账号管理: link the legacy account ``legacy_id`` to the signed-in ``user``.

    ``None`` when the account is unknown or the password is wrong (a failed login, L5: the
    caller counts it); DomainError/Conflict with the reason for every other refusal
    (IdentityMismatch: not the legacy account's person or organisation, S2)."""
    account = named(legacy_id)
    if not check_password(account, password):
        return None
    if linked_account(user) is not None:
        raise Conflict(L3_USER_HAS_LINK)
    if account.linked:
        raise Conflict(L3_TAKEN)
    reason = refusal(account)
    if reason:
        raise DomainError(reason)
    legacy_identity.check_owner(account, legacy_identity.of_user(user))  # S2, L3, L5
    try:
        with transaction.savepoint():
            link(user, account, supplemented=False)
    except IntegrityError:  # a concurrent link won (L3)
        raise Conflict(L3_TAKEN) from None
    return account
