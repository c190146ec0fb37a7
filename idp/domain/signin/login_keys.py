"""Which login counter an attempt counts against (docs/accounts.md, "Login throttling and
lockout"): one per ACCOUNT, whatever identifier named it.

The mobile and every document number of a person, the USCC, the organisation code (with or
without its dash) and the account number of an organisation, and the legacy identifiers of a
legacy account linked to either (L6) all resolve to the account first and share its key — so a
guesser gains nothing by switching forms, and the legacy login, 旧账号管理 (L5) and the
password login count together. An identifier that names no account gets a key of its own (its
normalised spelling), counted and answered exactly like a real one. Keys are keyed digests:
the store never holds an identifier.
"""

from __future__ import annotations

from ...services import services
from .. import purposes
from ..accounts import users as accounts
from ..errors import ValidationError
from ..identity import documents
from ..legacy import link as legacy_link
from ..legacy import login as legacy
from ..models import LegacyAccount


def _key(value: str) -> str:
    return services().blind_index(value, purposes.THROTTLE)


def of_user(user_id: int) -> str:
    return _key(f"user:{user_id}")


def of_legacy(account: LegacyAccount) -> str:
    """A linked legacy account counts with its user (L6); an unlinked one on its own."""
    if account.linked:
        return of_user(account.user_id)  # type: ignore[arg-type]  # linked: user_id is set
    return _key(f"legacy:{account.id}")


def _organisation_code_in(value: str) -> str | None:
    """The 9-character organisation code (GB 11714) a dash-free legal-entry identifier names:
    the code itself or characters 9–17 of a USCC; None otherwise."""
    code = value[8:17] if len(value) == 18 else value if len(value) == 9 else None
    try:
        return documents.validate_organization_code(code) if code else None
    except ValidationError:
        return None


def for_login(identifier: str, organisation_entry: str | None = None) -> str:
    """A password login: the person (personal entry and handler logins) or the organisation of
    the entry ``organisation_entry`` (legal, agency)."""
    identifier = identifier or ""
    if organisation_entry is None:
        user = accounts.find_by_login(identifier)
        return (
            of_user(user.id)
            if user is not None
            else _key("unknown:" + documents.login_key(identifier))
        )
    user = accounts.find_organisation_login(identifier, organisation_entry)
    if user is not None:
        return of_user(user.id)
    value = documents.normalize(identifier).replace("-", "")
    if organisation_entry == "legal":  # the USCC and its organisation code: one unknown key
        value = _organisation_code_in(value) or value
    return _key(f"unknown:{organisation_entry}:{value}")


def for_legacy(
    entry: str, identifier: str, accounts_named: list[LegacyAccount] | None = None
) -> str:
    """The 历史账号 method of an entry (login table, L6): the account the identifier names
    first (``legacy.rank``) — one counter even when a USCC names several legacy accounts of a
    company that registered more than once, so every failure with it counts.
    ``accounts_named``: ``legacy.named(entry, identifier)`` when the caller has it."""
    if accounts_named is None:
        accounts_named = legacy.named(entry, identifier)
    if accounts_named:
        return of_legacy(accounts_named[0])
    value = (
        legacy.account_key(identifier)
        if entry == "personal"
        else documents.normalize(identifier or "")
    )
    return _key(f"unknown:legacy:{entry}:{value}")


def for_link(legacy_id: str) -> str:
    """旧账号管理's password check (L5): the same counter as the legacy login of that account."""
    account = legacy_link.named(legacy_id)
    return of_legacy(account) if account is not None else for_legacy("personal", legacy_id)
