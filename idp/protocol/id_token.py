"""ID tokens (OIDC Core §2, §3.1.3.6, §12.2).

Authlib's ``OpenIDCode`` extension supplies the hooks; the token itself is built here so every
claim comes from our clock, our key ring and the one claims function: ``iss``, ``sub``, ``aud``,
``azp``, ``iat``, ``exp``, ``auth_time``, ``nonce``, ``acr``, ``amr``, ``sid``, ``at_hash``.
On refresh (§12.2) the new ID token keeps the original ``auth_time`` and carries no ``nonce``;
a handler's organisation (R2) comes from the code, then from the refresh token's row.
Prompt handling is not Authlib's here: the interaction policy (``idp.flows``) decides it.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import BaseGrant, OAuth2Request
from authlib.oidc.core import OpenIDCode
from authlib.oidc.core.grants.util import is_openid_scope
from authlib.oidc.core.util import create_half_hash
from flask import g
from joserfc import jwk, jwt

from ..domain.models import Client
from ..services import services
from . import keys
from .claims import acting_for_id, user_claims


def signing_key_for(client: Client) -> tuple[str, str, jwk.Key]:
    alg = client.id_token_signed_response_alg or services().settings.protocol.id_token_default_alg
    cache = g.setdefault("signing_keys", {})
    if alg not in cache:
        cache[alg] = keys.signing_key(alg)
    kid, key = cache[alg]
    return alg, kid, key


class IDToken(OpenIDCode):
    def __init__(self, on_refresh: bool = False) -> None:
        super().__init__(require_nonce=False)
        self.on_refresh = on_refresh

    def __call__(self, grant: BaseGrant) -> None:
        grant.register_hook("after_create_token_response", self.process_token)
        if not self.on_refresh and is_openid_scope(grant.request.payload.scope):
            grant.register_hook(
                "after_validate_authorization_request_payload",
                self.validate_openid_authorization_request,
            )

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return False  # codes are single use; a nonce is the RP's to check (OIDC Core §15.5.2)

    def encode_id_token(self, token: dict[str, Any], request: OAuth2Request) -> str:
        svc = services()
        client = request.client
        alg, kid, key = signing_key_for(client)
        now = svc.now()
        claims: dict[str, Any] = {
            "iss": svc.settings.issuer,
            "aud": client.get_client_id(),
            "azp": client.get_client_id(),
            "iat": now,
            "exp": now + svc.settings.protocol.id_token_ttl,
        }
        code = request.authorization_code
        origin = code if code is not None else request.refresh_token.row
        claims["auth_time"] = origin.auth_time
        if origin.sid:
            claims["sid"] = origin.sid
        if code is not None:
            if code.nonce:
                claims["nonce"] = code.nonce
            amr, acr = code.amr, code.acr
        else:
            amr, acr = (origin.amr or "").split() or None, origin.acr
        if amr:
            claims["amr"] = amr
        if acr:
            claims["acr"] = acr
        if token.get("access_token"):
            claims["at_hash"] = create_half_hash(token["access_token"], alg).decode()
        claims.update(user_claims(request.user, token["scope"], acting_for_id(origin)))
        return jwt.encode({"alg": alg, "kid": kid, "typ": "JWT"}, claims, key, [alg])

    def process_token(
        self, grant: BaseGrant, response: tuple[int, dict[str, Any], object]
    ) -> dict[str, Any]:
        status, token, _ = response
        if status == 200 and is_openid_scope(token.get("scope")):
            token["id_token"] = self.encode_id_token(token, grant.request)
        return token
