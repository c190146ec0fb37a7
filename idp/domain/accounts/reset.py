"""Forgotten password of an account of this system (issue 13): a one-time code to a verified
contact, then a new password. Nothing here tells a stranger whether an account exists.

- ``find_account``: the account an identifier names at a login entry, through the login's own
  look-ups: at 自然人 the mobile or any document number (``users.find_by_login``); at 法人 the
  USCC, its organisation code or a foreign entity's account number, at 代理机构 the filed USCC
  (``users.find_organisation_login``). Only an ACTIVE account may reset here: one under review,
  rejected, deactivated or unknown is answered like a mismatch and sent nothing. A legacy
  account never supplemented has no account here: its password is reset as 历史账号 (L8).
- ``destinations``: where a code may go. A person: their verified mobile and verified e-mail.
  An organisation: its verified contact mobile and e-mail, or the verified mobile of a handler
  bound to it now (P3).
- ``match``: the user types the destination in full and it must be one of those (the page never
  shows a masked one, which would tell a stranger that the account exists).
- ``request_code``: counts the request (``ResetLimits``, whatever matches), then sends a 6-digit
  code (purpose ``password_reset``) only to the matched destination, the delivery handed to the
  Dispatch port so a match answers as fast as a mismatch. The code is bound to the entry, the
  account, the destination and the flow; a send the limits or the gateway refused is answered
  like any other request.
- ``reset``: the password policy (checked before the code, so a weak password does not burn it;
  its context is what was typed, never stored data, which a guesser could otherwise probe), the
  confirmation, then the code (single use, expiring, limited tries: verification.codes); every
  code refusal and a request that matched nothing read the same ``CODE_REFUSED``. The password
  changes in the request's transaction; the caller ends every session and grant and sends the
  notices (``flows.account_events.password_reset``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ...extensions import db
from ...services import services
from .. import purposes
from ..errors import DomainError, ValidationError
from ..identity import documents, emails
from ..models import User
from ..models.user import NATURAL
from ..organisations import handlers
from ..signin import login_keys
from . import profile
from . import users as accounts

log = logging.getLogger(__name__)
PURPOSE = "password_reset"
CODE_REFUSED = "password_reset.code_refused"
MISMATCH = "password.confirm_mismatch"
ENTRIES = ("personal", "legal", "agency")
OWN, ORGANISATION, HANDLER = "own", "organisation", "handler"  # Target.via
# requests per clock hour counted whether or not they match: from one client address for one
# account (so one address cannot use up a destination's hourly codes, codes.per_destination_hour
# = 5, nor block the owner elsewhere), and from one client address over all accounts
PER_ACCOUNT_ADDRESS_HOUR = 3
PER_ADDRESS_HOUR = 10


@dataclass(frozen=True)
class Target:
    """A destination a reset code of ``user_id`` may go to: ``via`` says whose it is (the
    account's own, the organisation's contact, or the bound handler ``handler_id``)."""

    user_id: int
    channel: str  # "sms" or "mail"
    destination: str
    via: str
    handler_id: int | None = None


def find_account(entry: str, identifier: str) -> User | None:
    """The active account ``identifier`` names at ``entry`` (the login's look-ups), or None."""
    if entry not in ENTRIES or not identifier or len(identifier) > 64:
        return None
    if entry == "personal":
        user = accounts.find_by_login(identifier)
    else:
        user = accounts.find_organisation_login(identifier, entry)
    return user if user is not None and user.active else None


def destinations(user: User) -> list[Target]:
    """Every destination a reset code of ``user`` may go to (all verified)."""
    found: list[Target] = []
    own = OWN if user.user_type == NATURAL else ORGANISATION
    mobile, email = profile.verified_mobile(user), profile.verified_email(user)
    if mobile:
        found.append(Target(user.id, "sms", mobile, own))
    if email:
        found.append(Target(user.id, "mail", email, own))
    organisation = profile.organisation_of(user)
    if organisation is not None:
        for binding in handlers.bindings_of(organisation):
            person = binding.handler
            if person.active and person.phone and person.phone_verified:
                found.append(Target(user.id, "sms", person.phone, HANDLER, person.id))
    return found


def _typed(contact: str) -> tuple[str, str] | None:
    """(channel, normalised destination) of what was typed, or None when it is neither a
    mobile nor an e-mail address."""
    if documents.looks_like_mobile(contact or ""):
        return "sms", documents.validate_mobile(contact)
    if "@" not in (contact or "") or len(contact) > 254:
        return None
    try:
        return "mail", emails.normalise_email(contact)
    except ValidationError:
        return None


def match(entry: str, identifier: str, contact: str) -> Target | None:
    """The destination of the account named at ``entry`` that ``contact`` spells, or None."""
    return _match(find_account(entry, identifier), contact)


def _match(user: User | None, contact: str) -> Target | None:
    typed = _typed(contact)
    if user is None or typed is None:
        return None
    for target in destinations(user):
        if (target.channel, target.destination) == typed:
            return target
    return None


def _binding(flow_id: str, entry: str, target: Target) -> str:
    """The flow a code is bound to: the page's flow, the entry and the account (the code module
    adds the channel, the destination and the purpose)."""
    return f"{flow_id}:{entry}:{target.user_id}"


class ResetLimits:
    """Counts every reset request per (account, client address) and per client address, per
    clock hour; ``take`` is False past either limit. An identifier that names no account is
    counted under a key of its own, so both cases do the same work."""

    def __init__(self) -> None:
        svc = services()
        self.store, self.clock = svc.store, svc.clock

    def take(self, account: str, ip: str) -> bool:
        hour = int(self.clock.now() // 3600)
        address = services().blind_index(f"reset:{ip or '-'}", purposes.THROTTLE)
        pair = self.store.incr(f"pr:pair:{account}:{address}:{hour}", 3660)
        alone = self.store.incr(f"pr:ip:{address}:{hour}", 3660)
        return pair <= PER_ACCOUNT_ADDRESS_HOUR and alone <= PER_ADDRESS_HOUR


def _limit_key(entry: str, identifier: str, user: User | None) -> str:
    if user is not None:
        return login_keys.of_user(user.id)
    spelling = documents.login_key(identifier or "")[:64]
    return services().blind_index(f"unknown:reset:{entry}:{spelling}", purposes.THROTTLE)


def request_code(entry: str, identifier: str, contact: str, flow_id: str, ip: str) -> None:
    """Send a code when ``contact`` is a destination of the account (and the limits allow);
    otherwise nothing, and nothing tells the caller which."""
    user = find_account(entry, identifier)
    allowed = ResetLimits().take(_limit_key(entry, identifier, user), ip)
    target = _match(user, contact)
    if target is None or not allowed:
        return
    try:
        services().codes.send(
            target.channel,
            target.destination,
            PURPOSE,
            _binding(flow_id, entry, target),
            ip,
            later=True,
        )
    except DomainError as exc:  # send limits or the gateway: answered like any other request
        log.info("password reset code not sent: %s", type(exc).__name__)


def reset(
    entry: str,
    identifier: str,
    contact: str,
    flow_id: str,
    code: str,
    password: str,
    password_confirm: str,
) -> Target:
    """Set the new password after the code; returns the destination that proved it, or raises
    ValidationError (field given)."""
    target = match(entry, identifier, contact)
    accounts.validate_password(password, context=[identifier, contact])
    if password != password_confirm:
        raise ValidationError(MISMATCH, "password_confirm")
    if target is None:
        raise ValidationError(CODE_REFUSED, "code")
    try:
        services().codes.verify(
            target.channel,
            target.destination,
            PURPOSE,
            _binding(flow_id, entry, target),
            code or "",
        )
    except DomainError:  # wrong, expired, burnt: one message, like a request that matched nothing
        raise ValidationError(CODE_REFUSED, "code") from None
    profile.set_password(db.session.get_one(User, target.user_id), password)
    db.session.flush()
    return target
