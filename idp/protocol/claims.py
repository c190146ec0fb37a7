"""The one claims function: what a relying party learns about a user, by granted scope.

Both the ID token and UserInfo come from ``user_claims`` (OIDC Core §5.4: claims only for the
scopes granted). Domain claims (R2: user type, organisation, handler, legacy link) are added
here as their features land, so a newcomer finds every claim in one place.
"""
from __future__ import annotations

from ..domain.models import User

SCOPE_CLAIMS = {
    "openid": ["sub"],
    "profile": ["name", "updated_at", "user_type"],
    "email": ["email", "email_verified"],
    "phone": ["phone_number", "phone_number_verified"],
    "address": ["address"],
}
CLAIMS_SUPPORTED = ["iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp",
                    "sid", "at_hash"] + [c for claims in SCOPE_CLAIMS.values() for c in claims]

SCOPE_LABELS = {
    "openid": "确认您的身份（唯一用户标识）",
    "profile": "姓名、用户类型",
    "email": "电子邮箱及其验证状态",
    "phone": "手机号码及其验证状态",
    "address": "联系地址",
    "offline_access": "在您离线时保持访问（刷新令牌）",
}


def user_claims(user: User, scope: str) -> dict:
    scopes = set((scope or "").split())
    claims: dict = {"sub": user.sub}
    if "profile" in scopes:
        claims["name"] = user.name
        claims["user_type"] = user.user_type
        claims["updated_at"] = int(user.updated_at.timestamp())
    if "email" in scopes and user.email:
        claims["email"] = user.email
        claims["email_verified"] = bool(user.email_verified)
    if "phone" in scopes and user.phone:
        claims["phone_number"] = "+86" + user.phone
        claims["phone_number_verified"] = bool(user.phone_verified)
    if "address" in scopes and user.address:
        claims["address"] = dict(user.address)
    return claims
