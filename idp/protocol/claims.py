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

L6, L7, R2 with the ``trademark`` scope: ``legacy_account``, the id of the legacy account linked
to the user, so a subsystem can join its legacy business data. A link exists only once the
legacy account is completed (supplementation or 旧账号管理, L3), so before completion no claim
is released (L7). A handler acting for an organisation with a linked legacy account also gets
``acting_for.legacy_account`` (R2: the organisation's data is what the handler works on).
"""
from __future__ import annotations

from sqlalchemy import select

from ..domain import legacy
from ..domain.models import Organisation, User
from ..extensions import db

SCOPE_CLAIMS = {
    "openid": ["sub"],
    "profile": ["name", "updated_at", "user_type", "verified", "organisation", "acting_for"],
    "email": ["email", "email_verified"],
    "phone": ["phone_number", "phone_number_verified"],
    "address": ["address"],
    "trademark": ["legacy_account"],
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
    "trademark": "关联的商标网上申请系统历史账号",
}


def _organisation(user_id: int) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.user_id == user_id))


def _organisation_claim(org: Organisation) -> dict:
    claim = {"name": org.name, "type": org.kind}
    if org.uscc_masked:
        claim["uscc"] = org.uscc_masked
    return claim


def _legacy_account(user: User) -> str | None:
    """L6/L7: the linked legacy account's id; no link (not completed) means no claim."""
    account = legacy.linked_account(user)
    return account.account if account is not None else None


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
    if "trademark" in scopes:
        _add_legacy_claims(claims, user, acting_for_id)
    return claims


def _add_legacy_claims(claims: dict, user: User, acting_for_id: int | None) -> None:
    own = _legacy_account(user)
    if own is not None:
        claims["legacy_account"] = own
    if acting_for_id and "acting_for" in claims:
        org_user = db.session.get(User, acting_for_id)
        org_legacy = _legacy_account(org_user) if org_user is not None else None
        if org_legacy is not None:
            claims["acting_for"] = {**claims["acting_for"], "legacy_account": org_legacy}
