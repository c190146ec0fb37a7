"""The one claims function: what a relying party learns about a user, by granted scope.

Both the ID token and UserInfo come from ``user_claims`` (OIDC Core §5.4: claims only for the
scopes granted). Domain claims (R2: user type, organisation, handler, legacy link) are added
here as their features land, so a newcomer finds every claim in one place.

R2 with the ``profile`` scope: ``user_type`` (natural, legal, agency); ``verified`` (a person:
real-name verified, S7; an organisation: its account is active, i.e. registered or approved
after review, S5); ``organisation`` {name, type, uscc} for an organisation's own sign-in and for
a handler's; ``acting_for`` {sub, name} of the organisation a handler signed in for. The USCC is
masked (D5: ``9135**********0Y43``) like every identity number: a relying party that needs the
full number asks the organisation account's own data through its business channel. A handler's
organisation travels with the authorization code and is stored on every token of that grant
(``tokens.acting_for_id``, the organisation account's ``users.id``, kept through refresh
rotation), so the ID token of the code exchange, refreshed ID tokens and UserInfo all say it.
Without ``profile`` none of these claims is released, only ``sub``.
"""
from __future__ import annotations

from sqlalchemy import select

from ..domain.models import Organisation, User
from ..extensions import db

SCOPE_CLAIMS = {
    "openid": ["sub"],
    "profile": ["name", "updated_at", "user_type", "verified", "organisation", "acting_for"],
    "email": ["email", "email_verified"],
    "phone": ["phone_number", "phone_number_verified"],
    "address": ["address"],
}
CLAIMS_SUPPORTED = ["iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp",
                    "sid", "at_hash"] + [c for claims in SCOPE_CLAIMS.values() for c in claims]

SCOPE_LABELS = {
    "openid": "确认您的身份（唯一用户标识）",
    "profile": "姓名、用户类型、认证状态、所代表的机构",
    "email": "电子邮箱及其验证状态",
    "phone": "手机号码及其验证状态",
    "address": "联系地址",
    "offline_access": "在您离线时保持访问（刷新令牌）",
}


def _organisation(user_id: int) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.user_id == user_id))


def _organisation_claim(org: Organisation) -> dict:
    claim = {"name": org.name, "type": org.kind}
    if org.uscc_masked:
        claim["uscc"] = org.uscc_masked
    return claim


def acting_for_id(origin) -> int | None:
    """The organisation account a grant acts for: from an authorization code (its
    ``acting_for`` dict) or a token row (``acting_for_id``)."""
    if hasattr(origin, "acting_for_id"):
        return origin.acting_for_id
    return (getattr(origin, "acting_for", None) or {}).get("user_id")


def user_claims(user: User, scope: str, acting_for_id: int | None = None) -> dict:
    scopes = set((scope or "").split())
    claims: dict = {"sub": user.sub}
    if "profile" in scopes:
        claims["name"] = user.name
        claims["user_type"] = user.user_type
        claims["updated_at"] = int(user.updated_at.timestamp())
        org = _organisation(user.id) if user.user_type != "natural" else None
        if user.user_type == "natural":
            claims["verified"] = bool(user.realname_verified)
        else:
            claims["verified"] = bool(user.active and org is not None and org.active)
        if org is not None:
            claims["organisation"] = _organisation_claim(org)
        acting = _organisation(acting_for_id) if acting_for_id else None
        if acting is not None:
            claims["organisation"] = _organisation_claim(acting)
            claims["acting_for"] = {"sub": acting.user.sub, "name": acting.name}
    if "email" in scopes and user.email:
        claims["email"] = user.email
        claims["email_verified"] = bool(user.email_verified)
    if "phone" in scopes and user.phone:
        claims["phone_number"] = "+86" + user.phone
        claims["phone_number_verified"] = bool(user.phone_verified)
    if "address" in scopes and user.address:
        claims["address"] = dict(user.address)
    return claims
