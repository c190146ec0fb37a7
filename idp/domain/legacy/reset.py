"""Forgotten legacy password (L8): a code to the legacy account's contact, then a new password.

- ``contacts``: where a code may go. An unlinked legacy account: the mobile and email stored in
  the export. A linked one: its user's CURRENT verified mobile and email (profile) — never the
  export's, which may be years old and someone else's by now.
- ``send_code``: the user names the legacy account (the identifier of the entry's legacy login,
  or the legacy account id) and the mobile number OR email address above. Only when that
  matches is a 6-digit code sent, and to the matched contact as stored (purpose
  ``legacy_reset``). When it does not match — unknown account, wrong contact, an account that
  may not be used here (L2 cutoff) — nothing is sent and the caller says the same thing as on
  success, so the answer never tells which part was wrong. A send refused by the code limits is
  answered the same way too (it would otherwise reveal a match); the limits still throttle it.
- ``reset``: the code, bound to the same (account, contact, flow), and the new password (policy
  of accounts.validate_password, checked before the code so a weak password does not burn it).
  Unlinked: the legacy account's ``password_hash`` becomes argon2id (L1). Linked: the USER's
  password is set and the legacy password retires (profile.set_password, legacy_retire): the
  legacy identifier then signs in with that password (L6), and the caller ends the user's
  sessions and revokes their tokens. One transaction (the request's); the code is single use
  (verification.VerificationCodes). Every code refusal, and a non-matching request, reads the
  same ``CODE_REFUSED`` message.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from ...extensions import db
from ...services import services
from ..accounts import passwords, profile
from ..accounts import users as accounts
from ..errors import DomainError, ValidationError
from ..identity import documents
from ..models import LegacyAccount, User
from ..models._types import from_timestamp
from . import login as legacy

log = logging.getLogger(__name__)
PURPOSE = "legacy_reset"
CODE_REFUSED = "legacy_reset.code_refused"
MISMATCH = "password.confirm_mismatch"


def find_account(entry: str, identifier: str) -> LegacyAccount | None:
    """The legacy account named at this entry: its legacy-login identifier, else its account id."""
    account = legacy.find_for_entry(entry, identifier)
    if account is None and identifier and len(identifier) <= 64:
        kinds = legacy.ENTRY_KINDS.get(entry, ())
        account = db.session.scalar(
            select(LegacyAccount).where(
                LegacyAccount.account_key == legacy.account_key(identifier),
                LegacyAccount.kind.in_(kinds),
            )
        )
    return account


def contacts(account: LegacyAccount) -> tuple[str | None, str | None]:
    """(mobile, email) a reset code of this legacy account may go to (L8)."""
    if not account.linked:
        return account.phone, account.email
    user = db.session.get(User, account.user_id)
    if user is None or not user.active:
        return None, None
    return profile.verified_mobile(user), profile.verified_email(user)


def stored_contact(account: LegacyAccount | None, contact: str) -> tuple[str, str] | None:
    """(channel, destination) when ``contact`` is one the account's codes may go to."""
    if account is None or not legacy.before_cutoff(account):
        return None
    phone, email = contacts(account)
    given = documents.normalize(contact or "")
    if documents.looks_like_mobile(given):
        stored = documents.normalize(phone or "")
        if documents.looks_like_mobile(stored) and documents.validate_mobile(
            stored
        ) == documents.validate_mobile(given):
            return "sms", documents.validate_mobile(stored)
        return None
    stored = (email or "").strip()
    if "@" in given and stored and stored.casefold() == given.strip().casefold():
        return "mail", stored
    return None


def send_code(entry: str, identifier: str, contact: str, flow_id: str, ip: str) -> None:
    """Send the code when the contact matches; otherwise nothing (and no hint why)."""
    target = stored_contact(find_account(entry, identifier), contact)
    if target is None:
        return
    try:
        services().codes.send(target[0], target[1], PURPOSE, flow_id, ip)
    except DomainError as exc:  # send limits or gateway failure: answered like any other case
        log.info("legacy reset code not sent: %s", type(exc).__name__)


def reset(
    entry: str,
    identifier: str,
    contact: str,
    flow_id: str,
    code: str,
    password: str,
    password_confirm: str,
) -> LegacyAccount:
    """Set the new legacy password after the code, or raise ValidationError (field given)."""
    account = find_account(entry, identifier)
    target = stored_contact(account, contact)
    # the policy's context is what the user typed (which, on a match, is the stored contact):
    # stored data here would let a guesser learn an account's mobile from the policy's message
    accounts.validate_password(password, context=[contact, identifier])
    if password != password_confirm:
        raise ValidationError(MISMATCH, "password_confirm")
    if target is None:
        raise ValidationError(CODE_REFUSED, "code")
    assert account is not None  # a contact of it matched
    try:
        services().codes.verify(target[0], target[1], PURPOSE, flow_id, code or "")
    except DomainError:  # wrong, expired, burnt: one message, like a non-matching request
        raise ValidationError(CODE_REFUSED, "code") from None
    if account.linked:
        profile.set_password(db.session.get_one(User, account.user_id), password)
    else:
        account.password_hash = passwords.hash_password(password)
        account.updated_at = from_timestamp(services().clock.now())
    db.session.flush()
    return account
