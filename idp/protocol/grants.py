"""Grant types: authorization code (+ PKCE S256, OIDC ID token), refresh token, client credentials.

Authlib drives each grant; this module supplies storage (``codes``, ``tokens``) and the policy
choices: every client authentication method is offered and the client's registered method
decides (``Client.check_endpoint_auth_method``); PKCE is S256 only and required for public
clients and for confidential clients unless registered otherwise (RFC 9700 §2.1.1).

Retries (issue 11). The tokens of both grants are derived from what was presented
(``tokens.derive``), so a retry of a lost response can be given the same tokens: a refresh
token within ``protocol.retry_grace`` of its rotation (``tokens.claim_refresh_token``), a code
within the grace of its take (``AuthorizationCodeGrant``). What counts as a retry of a code,
and what as reuse, is decided after Authlib has checked everything a redemption must prove:

- another client presenting a taken code is refused and revokes nothing: it proves nothing
  about the code's holder, and anyone can present a public client's id;
- the code's client with a wrong or missing PKCE verifier, or another redirect URI, is refused
  and revokes nothing: an attacker who stole the code but not the verifier must not be able to
  end the victim's grant by replaying it (PKCE binds the code to the client instance that
  asked for it, RFC 7636 §1, RFC 9700 §4.5.3);
- with all of that proven: within the grace, while the tokens of the exchange are unused (or
  were never committed: the exchange rolled back), the same tokens; otherwise reuse, and the
  family is revoked (RFC 6749 §4.1.2, §10.5);
- the presentation that took the code and was refused spends it for good (``codes.refuse``),
  so a wrong verifier never leaves a code open to another try; one that failed with a fault
  (store or database down: 503) leaves it retryable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InvalidGrantError,
    InvalidRequestError,
    OAuth2Error,
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


class DerivedTokens(grants.BaseGrant):
    """Tokens derived from what was presented (``tokens.derive``): a retry of the same code
    exchange or refresh gets the same values (issue 11). ``PRESENTED`` names the form field,
    ``KIND`` the purposes."""

    PRESENTED: str
    KIND: tuple[str, str]

    def generate_token(
        self,
        user: User | None = None,
        scope: str | None = None,
        grant_type: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        token: dict[str, Any] = super().generate_token(
            user, scope, grant_type, expires_in, include_refresh_token
        )
        return tokens.derive(token, self.request.form[self.PRESENTED], self.KIND)


class AuthorizationCodeGrant(DerivedTokens, grants.AuthorizationCodeGrant):
    PRESENTED, KIND = "code", tokens.CODE
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

    def validate_token_request(self) -> None:
        with self._spent_on_refusal():
            super().validate_token_request()

    def create_token_response(self) -> Any:
        with self._spent_on_refusal():
            return super().create_token_response()

    @contextmanager
    def _spent_on_refusal(self) -> Iterator[None]:
        """A refusal of the presentation that took the code spends it (``codes.refuse``); a
        fault (any other exception) leaves it to a retry."""
        try:
            yield
        except OAuth2Error:
            taken = getattr(self.request, "taken_code", None)
            if taken is not None:
                codes.refuse(*taken)
            raise

    def query_authorization_code(self, code: str, client: Client) -> codes.AuthorizationCode | None:
        data, used = codes.take(code)
        if used is not None:
            return self._presented_again(used, client)
        if data is None:
            return None
        self.request.taken_code = (code, data)
        if data.client_id != client.get_client_id():
            return None
        return data

    def _presented_again(self, used: codes.Used, client: Client) -> codes.AuthorizationCode | None:
        """A code taken before: refused here when another client presents it; otherwise
        Authlib checks the redirect URI and the verifier, and ``authenticate_user`` decides
        between a retry and reuse (module docstring)."""
        if used.code is None:  # a marker without the code's data: reuse, as it always was
            tokens.revoke_family(used.family_id, "reuse")
            transaction.keep()  # stands although the answer is invalid_grant (RFC 6749 §4.1.2)
            return None
        if used.code.client_id != client.get_client_id():
            return None
        self.request.code_replay = used
        return used.code

    def delete_authorization_code(self, authorization_code: codes.AuthorizationCode) -> None:
        """Nothing to do: ``codes.take`` consumed the code atomically."""

    def authenticate_user(self, authorization_code: codes.AuthorizationCode) -> User | None:
        replay: codes.Used | None = getattr(self.request, "code_replay", None)
        if replay is not None and not replay.retryable():
            tokens.revoke_family(replay.family_id, "reuse")
            transaction.keep()  # stands although the answer is invalid_grant (RFC 6749 §4.1.2)
            raise InvalidGrantError("Invalid 'code' in request.")
        user = db.session.get(User, authorization_code.user_id)
        if user is None or not user.active:
            return None
        if still_acts_for(user, (authorization_code.acting_for or {}).get("user_id")):
            return user
        return None  # R2: the binding ended while the code was in flight: invalid_grant


class RefreshTokenGrant(DerivedTokens, grants.RefreshTokenGrant):
    PRESENTED, KIND = "refresh_token", tokens.REFRESH
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
        return tokens.claim_refresh_token(refresh_token, self.request.client.get_client_id())

    def authenticate_user(self, refresh_token: tokens.TokenRef) -> User | None:
        user = refresh_token.get_user()
        if user is not None and not still_acts_for(user, refresh_token.row.acting_for_id):
            tokens.revoke_family(refresh_token.row.family_id, "binding_ended")  # R2
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
