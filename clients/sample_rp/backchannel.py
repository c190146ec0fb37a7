"""Validating logout tokens: OpenID Connect Back-Channel Logout 1.0 §2.6.

The IdP POSTs a signed logout token to ``/backchannel-logout`` when a user's IdP session ends;
this module decides whether to believe it. Each rule below is one step of §2.6 (or §2.4 for
the token's shape); the ``jti`` replay check comes last so a rejected token burns nothing.
"""

from __future__ import annotations

import threading
import time

from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

EVENT = "http://schemas.openid.net/event/backchannel-logout"
TYPES = ("logout+jwt", "application/logout+jwt")


class InvalidLogoutToken(Exception):
    pass


class ReplayCache:
    """``jti`` values already accepted, kept until their token expires (per process)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}

    def first_use(self, jti: str, until: float) -> bool:
        now = time.time()
        with self._lock:
            self._seen = {k: t for k, t in self._seen.items() if t > now}
            if jti in self._seen:
                return False
            self._seen[jti] = until
            return True


def validate(
    token: str,
    *,
    issuer: str,
    client_id: str,
    jwks,
    algorithms,
    replay: ReplayCache,
    max_age: int = 300,
    leeway: int = 60,
) -> dict:
    """The claims of a valid logout token; raises InvalidLogoutToken otherwise.

    ``jwks(force: bool)`` returns the IdP's key set; it is asked again, once, for an unknown
    ``kid`` so a key rotation at the IdP does not break logout.
    """
    if not token or token.count(".") != 2:  # §2.6 step 1: encrypted tokens are not expected
        raise InvalidLogoutToken("not a signed JWT")
    try:
        try:
            decoded = jwt.decode(token, KeySet.import_key_set(jwks(False)), algorithms)
        except InvalidKeyIdError:
            decoded = jwt.decode(token, KeySet.import_key_set(jwks(True)), algorithms)
        now = int(time.time())
        jwt.JWTClaimsRegistry(
            now=now,
            leeway=leeway,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id},
            iat={"essential": True},
            exp={"essential": True},
            jti={"essential": True},
        ).validate(decoded.claims)  # step 3
    except JoseError as exc:  # step 2 (signature, alg) and step 3 (iss, aud, iat, exp)
        raise InvalidLogoutToken(f"{type(exc).__name__}: {exc}") from None
    claims, header = decoded.claims, decoded.header
    typ = header.get("typ")
    if typ is not None and str(typ).lower() not in TYPES:  # §2.4 explicit typing
        raise InvalidLogoutToken("typ is not logout+jwt")
    if claims["iat"] < now - max_age - leeway:
        raise InvalidLogoutToken("iat is too old")
    if not isinstance(claims.get("sid"), str) and not isinstance(claims.get("sub"), str):
        raise InvalidLogoutToken("neither sid nor sub")  # step 4
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(EVENT), dict):
        raise InvalidLogoutToken("no back-channel logout event")  # step 5
    if "nonce" in claims:
        raise InvalidLogoutToken("nonce is forbidden")  # step 6
    if not replay.first_use(claims["jti"], claims["exp"] + leeway):
        raise InvalidLogoutToken("jti replayed")  # step 7
    return claims
