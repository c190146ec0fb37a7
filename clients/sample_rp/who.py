"""Who is signed in, in words, from the claims the IdP released (R2, L6).

UserInfo is read first and the ID token's claims fill what it lacks: both carry the same
claims for the granted scopes. ``user_type`` is natural, legal or agency; ``organisation``
{name, type, uscc (masked)} is the organisation signed in as or acted for; ``acting_for``
{sub, name, verified[, legacy_account]} is present only when a handler signed in for an
organisation.
"""

from __future__ import annotations

USER_TYPES = {"natural": "自然人", "legal": "法人", "agency": "商标代理机构"}


def summary(user: dict) -> dict:
    claims = {**user.get("claims", {}), **user.get("userinfo", {})}
    kind = claims.get("user_type")
    org = claims.get("organisation") or {}
    acting = claims.get("acting_for") or None
    return {
        "name": user["name"],
        "sub": user["sub"],
        "user_type": USER_TYPES.get(kind, kind or "未提供"),
        "verified": claims.get("verified"),
        "organisation": org.get("name"),
        "organisation_type": USER_TYPES.get(org.get("type"), org.get("type")),
        "uscc": org.get("uscc"),
        "acting_for": acting,
        "legacy_account": claims.get("legacy_account"),
    }
