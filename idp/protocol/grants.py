"""Grant types: authorization code (+ PKCE S256, OIDC ID token), refresh token, client credentials.

Authlib drives each grant; this module supplies storage (``codes``, ``tokens``) and the policy
choices: every client authentication method is offered and the client's registered method
decides (``Client.check_endpoint_auth_method``); PKCE is S256 only and required for public
clients and for confidential clients unless registered otherwise (RFC 9700 §2.1.1).
"""

from __future__ import annotations

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InvalidGrantError,
    InvalidRequestError,
    OAuth2Request,
    grants,
)
from authlib.oauth2.rfc7636 import CodeChallenge

from ..domain import transaction, vocab
from ..domain.models import Client, User
from ..domain.organisations import handlers
from ..extensions import db
from ..services import services
from . import codes, tokens
from .id_token import IDToken

# Authlib takes lists; the words are idp.domain.vocab's
AUTH_METHODS = list(vocab.AUTH_METHODS)
GRANT_TYPES = vocab.GRANT_TYPES


class PKCE(CodeChallenge):
    """RFC 7636 with S256 only; ``plain`` and an absent method (which means plain) are refused."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: grants.BaseGrant, redirect_uri: str | None) -> None:
        data = grant.request.payload.data
        client = grant.request.client
        if not data.get("code_challenge"):
            if data.get("code_challenge_method"):
                raise InvalidRequestError("Missing 'code_challenge'")
            if client.public or client.require_pkce:
                raise InvalidRequestError(
                    "PKCE is required: send code_challenge with code_challenge_method=S256"
                )
            return
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: grants.BaseGrant, result: object) -> None:
        """A code issued with a challenge and redeemed without a verifier is ``invalid_grant``
        (RFC 7636 §4.6): the grant cannot be proven. The code was already taken, so it stays
        spent (RFC 6749 §10.5)."""
        request = grant.request
        if not request.form.get("code_verifier") and self.get_authorization_code_challenge(
            request.authorization_code
        ):
            raise InvalidGrantError("Missing 'code_verifier'")
        super().validate_code_verifier(grant, result)


def still_acts_for(user: User, acting_for_id: int | None) -> bool:
    """R2/P3: a grant acting for an organisation is redeemable only while the handler's binding
    lasts (``handlers.acts_for``); a grant of the user's own is always."""
    return acting_for_id is None or handlers.acts_for(user.id, acting_for_id)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        ctx = request.auth_context
        data = request.payload.data
        codes.save(
            code,
            codes.AuthorizationCode(
                client_id=request.client.get_client_id(),
                user_id=request.user.id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                issued_at=services().now(),
                auth_time=ctx["auth_time"],
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                sid=ctx.get("sid"),
                amr=ctx.get("amr"),
                acr=ctx.get("acr"),
                acting_for=ctx.get("acting_for"),
            ),
        )

    def query_authorization_code(self, code: str, client: Client) -> codes.AuthorizationCode | None:
        data, reused_family = codes.take(code)
        if reused_family:
            tokens.revoke_family(reused_family)
            transaction.keep()  # stands although the answer is invalid_grant (RFC 6749 §4.1.2)
            return None
        if data is None or data.client_id != client.get_client_id():
            return None
        return data

    def delete_authorization_code(self, authorization_code: codes.AuthorizationCode) -> None:
        """Nothing to do: ``codes.take`` consumed the code atomically."""

    def authenticate_user(self, authorization_code: codes.AuthorizationCode) -> User | None:
        user = db.session.get(User, authorization_code.user_id)
        if user is None or not user.active:
            return None
        if still_acts_for(user, (authorization_code.acting_for or {}).get("user_id")):
            return user
        return None  # R2: the binding ended while the code was in flight: invalid_grant


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> tokens.TokenRef | None:
        if self.request.payload.scope:  # a refused scope must not spend a live token
            live = tokens.find(refresh_token, "refresh_token")
            if (
                live is not None
                and live.kind == "refresh_token"
                and live.check_client(self.request.client)
                and live.is_active()
            ):
                self._validate_token_scope(live)
        row = tokens.claim_refresh_token(refresh_token, self.request.client.get_client_id())
        return tokens.TokenRef(row, "refresh_token") if row is not None else None

    def authenticate_user(self, refresh_token: tokens.TokenRef) -> User | None:
        user = refresh_token.get_user()
        if user is not None and not still_acts_for(user, refresh_token.row.acting_for_id):
            tokens.revoke_family(refresh_token.row.family_id)  # R2: it ends with the binding
            transaction.keep()  # the revocation stands although the answer is invalid_grant
            raise InvalidGrantError("The grant ended with the handler's binding.")
        return user

    def revoke_old_credential(self, refresh_token: tokens.TokenRef) -> None:
        """Nothing to do: ``claim_refresh_token`` marked it rotated atomically."""


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(vocab.CONFIDENTIAL_AUTH_METHODS)


def register_grants(server: AuthorizationServer) -> None:
    server.register_grant(AuthorizationCodeGrant, [PKCE(required=True), IDToken()])
    server.register_grant(RefreshTokenGrant, [IDToken(on_refresh=True)])
    server.register_grant(ClientCredentialsGrant)
