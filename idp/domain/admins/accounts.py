"""Admin accounts: create, list, disable, reset the TOTP enrolment, change the password, check
a password (issue 12, "Administrators").

Roles separate duties: ``system`` (subsystems, keys, registers, admins), ``reviewer`` (reviews,
appeals), ``auditor`` (read-only audit and dashboard). Passwords follow the site's policy
(``accounts.password_policy``) and are argon2id hashes (``accounts.passwords``). Operations
flush, never commit (the request or the command is the transaction).
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...services import services
from .. import transaction
from ..accounts import password_policy, passwords
from ..errors import Conflict, DomainError, ValidationError
from ..models import AdminAccount
from ..models._types import from_timestamp

SYSTEM, REVIEWER, AUDITOR = "system", "reviewer", "auditor"
ROLES = (SYSTEM, REVIEWER, AUDITOR)
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def get(username: str) -> AdminAccount | None:
    name = normalise_username(username)
    return db.session.scalar(select(AdminAccount).where(AdminAccount.username == name))


def get_by_id(admin_id: int) -> AdminAccount | None:
    return db.session.get(AdminAccount, admin_id)


def require(username: str) -> AdminAccount:
    admin = get(username)
    if admin is None:
        raise DomainError("admin.unknown", "username", username=normalise_username(username))
    return admin


def all_admins() -> list[AdminAccount]:
    return list(db.session.scalars(select(AdminAccount).order_by(AdminAccount.username)))


def _touch(admin: AdminAccount) -> None:
    admin.updated_at = from_timestamp(services().clock.now())


def create(username: str, display_name: str, role: str, password: str) -> AdminAccount:
    """A new admin, active, not yet enrolled in TOTP: the first login enrols the authenticator
    and replaces the initial ``password`` (one-time: whoever set it may know it)."""
    name = normalise_username(username)
    if not USERNAME.fullmatch(name):
        raise ValidationError("admin.username_invalid", "username")
    display_name = (display_name or "").strip()
    if not display_name or len(display_name) > 100:
        raise ValidationError("admin.display_name_invalid", "display_name")
    if role not in ROLES:
        raise ValidationError("admin.role_invalid", "role", choices=list(ROLES))
    password_policy.check_password(password, context=(name,))
    now = from_timestamp(services().clock.now())
    admin = AdminAccount(
        username=name,
        display_name=display_name,
        role=role,
        password_hash=passwords.hash_password(password),
        totp_enrolled=False,
        active=True,
        created_at=now,
        updated_at=now,
    )
    if get(name) is not None:
        raise Conflict("admin.username_taken", "username")
    try:
        with transaction.savepoint():  # the unique username decides a race
            db.session.add(admin)
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict("admin.username_taken", "username") from exc
    return admin


def disable(admin: AdminAccount, *, by: AdminAccount | None = None) -> None:
    """Switch the account off: it cannot sign in, and its sessions end at their next request
    (the admin session checks ``active`` on every request)."""
    if by is not None and by.id == admin.id:
        raise DomainError("admin.self_disable")
    admin.active = False
    _touch(admin)
    db.session.flush()


def reset_totp(admin: AdminAccount) -> None:
    """Forget the TOTP secret: the next login enrols a new one, and sets a new password as
    every enrolment does; sessions end (they stand on an enrolled factor)."""
    admin.totp_secret_enc = None
    admin.totp_enrolled = False
    admin.last_totp_step = None
    _touch(admin)
    db.session.flush()


def check_password(admin: AdminAccount | None, password: str) -> bool:
    """One argon2id verification whatever the account (an unknown or disabled one verifies the
    dummy hash), so timing does not tell which usernames exist."""
    if admin is None or not admin.active:
        passwords.burn(password)
        return False
    return passwords.verify(password, admin.password_hash)


def check_new_password(admin: AdminAccount, new_password: str) -> None:
    """Refuse a new password that is the current one or that the policy refuses."""
    if passwords.verify(new_password, admin.password_hash):
        raise ValidationError("password.unchanged", "new_password")
    password_policy.check_password(new_password, context=(admin.username,))


def change_password(admin: AdminAccount, new_password: str) -> None:
    """A new password (``check_new_password``); also the enrolment's step: the initial password
    set by ``idp admin create`` is one-time, the first login replaces it."""
    check_new_password(admin, new_password)
    admin.password_hash = passwords.hash_password(new_password)
    _touch(admin)
    db.session.flush()
