"""``id_token_hint`` verification (OIDC Core §3.1.2.1, RP-Initiated Logout §2).

The hint must be an ID token this OP signed (signature, ``iss``); an expired one is still a
good hint, so ``exp`` is not checked.
"""

from __future__ import annotations

from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError

from ..services import services
from . import keys


class InvalidHint(Exception):
    pass


def verify_id_token_hint(token: str) -> dict[str, Any]:
    if not token or len(token) > 8192:
        raise InvalidHint("empty or oversized")
    try:
        decoded = jwt.decode(token, keys.public_keyset(), algorithms=list(keys.ALGS))
    except (JoseError, ValueError, TypeError) as exc:
        raise InvalidHint(str(exc)) from exc
    claims = decoded.claims
    if claims.get("iss") != services().settings.issuer or not claims.get("sub"):
        raise InvalidHint("not issued here")
    return claims


def audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    return [aud] if isinstance(aud, str) else list(aud or [])
