"""The one claims function: what a relying party learns about a user, by granted scope.

Both the ID token and UserInfo come from ``user_claims`` (OIDC Core §5.4: claims only for the
scopes granted). This module releases the standard claims (OIDC Core §5.1); the domain's own
claims — user type, organisation, handler, legacy link (R2, L6, L7) — come from
``domain.clients.claims.domain_claims`` and are documented there. Without ``profile`` none of the R2
claims is released, only ``sub``.
"""

from __future__ import annotations

from typing import Any

from ..domain.clients import claims as domain
from ..domain.models import User

SCOPE_CLAIMS = {
    "openid": ["sub"],
    "profile": ["name", "updated_at"] + domain.SCOPE_CLAIMS["profile"],
    "email": ["email", "email_verified"],
    "phone": ["phone_number", "phone_number_verified"],
    "address": ["address"],
    **{scope: names for scope, names in domain.SCOPE_CLAIMS.items() if scope != "profile"},
}
CLAIMS_SUPPORTED = [
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "sid",
    "at_hash",
] + [c for claims in SCOPE_CLAIMS.values() for c in claims]


def acting_for_id(origin: object) -> int | None:
    """The organisation account a grant acts for: from an authorization code (its
    ``acting_for`` dict) or a token row (``acting_for_id``)."""
    if hasattr(origin, "acting_for_id"):
        found: int | None = origin.acting_for_id
        return found
    found = (getattr(origin, "acting_for", None) or {}).get("user_id")
    return found


def user_claims(user: User, scope: str, acting_for_id: int | None = None) -> dict[str, Any]:
    scopes = set((scope or "").split())
    claims: dict[str, Any] = {"sub": user.sub}
    if "profile" in scopes:
        claims["name"] = user.name
        claims["updated_at"] = int(user.updated_at.timestamp())
    if "email" in scopes and user.email:
        claims["email"] = user.email
        claims["email_verified"] = bool(user.email_verified)
    if "phone" in scopes and user.phone:
        claims["phone_number"] = "+86" + user.phone
        claims["phone_number_verified"] = bool(user.phone_verified)
    if "address" in scopes and user.address:
        claims["address"] = dict(user.address)
    claims.update(domain.domain_claims(user, scopes, acting_for_id))
    return claims
