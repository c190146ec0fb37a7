"""The password of a linked legacy account after its user sets a password here (L6;
docs/legacy.md, "Passwords of linked legacy accounts").

L6 lets a linked legacy account keep signing its user in with the legacy password. Once the
user chooses a password here — a change in the personal center, or a forgotten-legacy-password
reset of the linked account (L8), which sets the user's password — the legacy password is
retired: the stored hash becomes ``RETIRED`` (which no password matches), and the legacy
identifier signs in with the user's current password instead. The link stays (L3, L6): the
legacy identifier still names the same user. So a password change ends every way in that used
the old secret, and a leaked legacy export stops being a key to the account.
"""

from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...services import services
from ..accounts import passwords
from ..models import LegacyAccount, User
from ..models._types import from_timestamp

RETIRED = "!retired:user-password"  # no hash scheme matches it: legacy_hashes.verify is False


def retired(account: LegacyAccount) -> bool:
    return account.linked and account.password_hash == RETIRED


def retire(user: User) -> None:
    """Retire the legacy password linked to ``user``, in the caller's transaction."""
    account = db.session.scalar(select(LegacyAccount).where(LegacyAccount.user_id == user.id))
    if account is not None and account.password_hash != RETIRED:
        account.password_hash = RETIRED
        account.updated_at = from_timestamp(services().clock.now())


def user_password_ok(account: LegacyAccount, password: str) -> User | None:
    """A retired legacy account's sign-in: its user, when ``password`` is the user's."""
    user = db.session.get(User, account.user_id)
    if not passwords.verify(password or "", user.password_hash if user else None):
        return None
    return user
