"""The domain's claims about a user (R2, L6, L7), released by scope through protocol/claims.py.

The protocol layer knows the standard OIDC claims only (architecture.md: "the protocol knows
nothing about trademarks, legacy accounts or agencies"); what an account *is* in this domain is
said here, in one function a newcomer can read.

R2 with the ``profile`` scope: ``user_type`` (natural, legal, agency); ``verified`` (a person:
real-name verified, S7; an organisation: matched by the enterprise credit register or approved
after review, and active — ``enterprise.is_verified``; never what was only typed);
``organisation`` {name, type, uscc} for an organisation's own sign-in and for a handler's;
``acting_for`` {sub, name, verified} of the organisation a handler signed in for (its
``verified`` says the same of the organisation; the top-level one is the handler's own).
The USCC is masked (D5: ``9135**********0Y43``) like every identity number: a relying party that
needs the full number asks the organisation account's own data through its business channel. A
handler's organisation travels with the authorization code and is stored on every token of that
grant (``tokens.acting_for_id``, the organisation account's ``users.id``, kept through refresh
rotation), so the ID token of the code exchange, refreshed ID tokens and UserInfo all say it.

L6, L7, R2 with the ``trademark`` scope: ``legacy_account``, the id of the legacy account linked
to the user, so a subsystem can join its legacy business data. A link exists only once the
legacy account is completed (supplementation or 旧账号管理, L3), so before completion no claim
is released (L7). A handler acting for an organisation with a linked legacy account also gets
``acting_for.legacy_account`` (R2: the organisation's data is what the handler works on).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ...extensions import db
from ..legacy import link as legacy_link
from ..models import Organisation, User
from ..models.user import NATURAL
from ..organisations import enterprise

SCOPE_CLAIMS = {
    "profile": ["user_type", "verified", "organisation", "acting_for"],
    "trademark": ["legacy_account"],
}


def _organisation(user_id: int) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.user_id == user_id))


def _organisation_claim(org: Organisation) -> dict[str, str]:
    claim = {"name": org.name, "type": org.kind}
    if org.uscc_masked:
        claim["uscc"] = org.uscc_masked
    return claim


def _legacy_account(user: User | None) -> str | None:
    """L6/L7: the linked legacy account's id; no link (not completed) means no claim."""
    account = legacy_link.linked_account(user) if user is not None else None
    return account.account if account is not None else None


def domain_claims(user: User, scopes: set[str], acting_for_id: int | None = None) -> dict[str, Any]:
    """The R2/L6/L7 claims of ``user`` for the granted ``scopes`` (a handler's organisation:
    ``acting_for_id``, the organisation account's ``users.id``)."""
    claims: dict[str, Any] = {}
    acting = _organisation(acting_for_id) if acting_for_id else None
    if "profile" in scopes:
        claims["user_type"] = user.user_type
        org = _organisation(user.id) if user.user_type != NATURAL else None
        if user.user_type == NATURAL:
            claims["verified"] = bool(user.realname_verified)
        else:
            claims["verified"] = enterprise.is_verified(org)
        if org is not None:
            claims["organisation"] = _organisation_claim(org)
        if acting is not None:
            claims["organisation"] = _organisation_claim(acting)
            claims["acting_for"] = {
                "sub": acting.user.sub,
                "name": acting.name,
                "verified": enterprise.is_verified(acting),
            }
    if "trademark" in scopes:
        own = _legacy_account(user)
        if own is not None:
            claims["legacy_account"] = own
        org_legacy = _legacy_account(acting.user) if acting is not None else None
        if org_legacy is not None and "acting_for" in claims:
            claims["acting_for"] = {**claims["acting_for"], "legacy_account": org_legacy}
    return claims
