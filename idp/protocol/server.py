"""The Authlib authorization server, wired to our storage (RFC 6749, 7009, 7523, 7662, 9207)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from authlib.common.security import generate_token
from authlib.integrations.flask_oauth2 import AuthorizationServer as FlaskAuthorizationServer
from authlib.oauth2.rfc6749 import InvalidClientError, InvalidRequestError, OAuth2Request
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint as _Revocation
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7662 import IntrospectionEndpoint as _Introspection
from authlib.oauth2.rfc9207 import IssuerParameter
from flask import Flask
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization
from sqlalchemy import select

from ..config import Settings
from ..domain.models import Client, User
from ..domain.storable_text import storable
from ..domain.vocab import CLIENT_CREDENTIALS, CONFIDENTIAL_AUTH_METHODS, PRIVATE_KEY_JWT
from ..extensions import db
from ..services import services
from . import tokens
from .grants import AUTH_METHODS, register_grants


class AuthorizationServer(FlaskAuthorizationServer):
    def validate_requested_scope(self, scope: str | None) -> None:
        """Unknown scopes are ignored, not refused (OIDC Core §3.1.2.1); clients get only theirs."""

    def create_oauth2_request(self, request: object) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        created: OAuth2Request = super().create_oauth2_request(request)
        return created


def parked_request(
    params: dict[str, Any], auth_context: dict[str, Any] | None = None
) -> OAuth2Request:
    """Rebuild the validated authorization request parked by the interaction layer."""
    req = OAuth2Request("GET", services().settings.issuer + "/authorize")
    req.payload = BasicOAuth2Payload(dict(params))
    req.auth_context = auth_context or {}
    return req


def query_client(client_id: object) -> Client | None:
    if (
        not isinstance(client_id, str)
        or not client_id
        or len(client_id) > 64
        or not storable(client_id)
    ):  # e.g. the unverified ``iss`` of a client assertion
        return None
    return db.session.scalar(
        select(Client).where(Client.client_id == client_id, Client.enabled.is_(True))
    )


def _token_generator(settings: Settings) -> Callable[..., dict[str, Any]]:
    ttl = settings.protocol.access_token_ttl
    base = BearerTokenGenerator(
        lambda **kw: generate_token(48),
        lambda **kw: generate_token(48),
        lambda client, grant_type: ttl,
    )

    def generate(
        grant_type: str,
        client: Client,
        user: User | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        scopes = (client.get_allowed_scope(scope) or "").split()
        # OIDC Core §11: a refresh token is offline access, so an OpenID request must ask for it;
        # a rotation keeps the grant's refresh token whatever narrower scope it asks for now.
        include = (
            include_refresh_token
            and grant_type != CLIENT_CREDENTIALS
            and client.check_grant_type("refresh_token")
            and (
                grant_type == "refresh_token"
                or "openid" not in scopes
                or "offline_access" in scopes
            )
        )
        token: dict[str, Any] = base.generate(grant_type, client, user, scope, expires_in, include)
        return token

    return generate


def _require_token(request: OAuth2Request) -> None:
    """``token`` is required; an unknown ``token_type_hint`` is only a hint and is ignored
    (RFC 7009 §2.1, RFC 7662 §2.1) rather than refused."""
    if not request.form.get("token"):
        raise InvalidRequestError("Missing 'token' parameter.")


class RevocationEndpoint(_Revocation):
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def check_params(self, request: OAuth2Request, client: Client) -> None:
        _require_token(request)

    def query_token(self, token_string: str, token_type_hint: str | None) -> tokens.TokenRef | None:
        return tokens.find(token_string, token_type_hint)

    def revoke_token(self, token: tokens.TokenRef, request: OAuth2Request) -> None:
        tokens.revoke(token)


class IntrospectionEndpoint(_Introspection):
    CLIENT_AUTH_METHODS = list(CONFIDENTIAL_AUTH_METHODS)

    def check_params(self, request: OAuth2Request, client: Client) -> None:
        _require_token(request)

    def query_token(self, token_string: str, token_type_hint: str | None) -> tokens.TokenRef | None:
        return tokens.find(token_string, token_type_hint)

    def check_permission(
        self, token: tokens.TokenRef, client: Client, request: OAuth2Request
    ) -> bool:
        """A client may introspect the tokens issued to it (RFC 7662 §4)."""
        return token.check_client(client)

    def introspect_token(self, token: tokens.TokenRef) -> dict[str, Any]:
        if not token.is_active():
            return {"active": False}
        row = token.row
        body: dict[str, Any] = {
            "active": True,
            "client_id": row.client_id,
            "scope": token.get_scope(),
            "token_type": "Bearer" if token.kind == "access_token" else "refresh_token",
            "exp": token.expires_at(),
            "iat": row.issued_at,
            "iss": services().settings.issuer,
            "aud": row.client_id,
        }
        if row.user is not None:
            body["sub"] = row.user.sub
        return body


class PrivateKeyJWT(JWTBearerClientAssertion):
    """RFC 7523 §2.2 client authentication; ``jti`` replay is refused through the store."""

    CLIENT_AUTH_METHOD = PRIVATE_KEY_JWT

    def get_audiences(self) -> list[str]:
        issuer = services().settings.issuer
        return [issuer, issuer + "/token", issuer + "/introspect", issuer + "/revoke"]

    def verify_claims(self, claims: dict[str, Any]) -> None:
        """Authlib's checks, timed by the IdP's clock rather than the wall clock."""
        registry = jwt.JWTClaimsRegistry(
            now=services().now,
            leeway=self.leeway,
            iss={"essential": True},
            sub={"essential": True},
            aud={"essential": True, "values": self.get_audiences()},
            exp={"essential": True},
            jti={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise InvalidClientError(description=exc.description) from exc
        if claims["sub"] != claims["iss"]:
            raise InvalidClientError(description="Issuer and Subject MUST match.")
        if not self.validate_jti(claims, claims["jti"]):
            raise InvalidClientError(description="JWT ID is used before.")

    def validate_jti(self, claims: dict[str, Any], jti: str) -> bool:
        ttl = max(60, int(claims.get("exp", 0)) - services().now() + self.leeway)
        first_use: bool = services().store.set(f"jti:{claims['sub']}:{jti}", "1", ttl=ttl, nx=True)
        return first_use

    def resolve_client_public_key(self, client: Client) -> KeySet:
        # A client without registered keys fails authentication here, not with a 500.
        if client.token_endpoint_auth_method != self.CLIENT_AUTH_METHOD or not client.jwks:
            raise InvalidClientError(
                description="The client cannot authenticate with method: " + self.CLIENT_AUTH_METHOD
            )
        return KeySet.import_key_set(cast(KeySetSerialization, client.jwks))


class Issuer(IssuerParameter):
    def get_issuer(self) -> str:
        issuer: str = services().settings.issuer
        return issuer


def create_server(app: Flask) -> AuthorizationServer:
    settings = app.extensions["idp"].settings
    server = AuthorizationServer()
    server.init_app(app, query_client=query_client, save_token=tokens.save_token)
    server.register_token_generator("default", _token_generator(settings))
    register_grants(server)
    server.register_endpoint(RevocationEndpoint)
    server.register_endpoint(IntrospectionEndpoint)
    server.register_client_auth_method(
        PRIVATE_KEY_JWT, PrivateKeyJWT(leeway=settings.protocol.leeway)
    )
    server.register_extension(Issuer())
    app.extensions["idp.oauth"] = server
    return server


def oauth_server() -> AuthorizationServer:
    from flask import current_app

    server: AuthorizationServer = current_app.extensions["idp.oauth"]
    return server
