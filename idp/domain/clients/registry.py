"""Registering relying parties (R1): validation of every piece of client metadata.

Redirect URIs are absolute, without fragment, compared exactly later (RFC 9700 §4.1.3). Secrets
are random; only their keyed digest is stored, and the secret is shown once.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from ...extensions import db
from ...services import services
from .. import trail
from ..errors import Conflict, ValidationError
from ..models import Client
from ..models._types import from_timestamp
from ..vocab import (
    AUTH_METHODS,
    AUTH_NONE,
    AUTHORIZATION_CODE,
    CLIENT_CREDENTIALS,
    CLIENT_SECRET_BASIC,
    GRANT_TYPES,
    ID_TOKEN_ALGS,
    PRIVATE_KEY_JWT,
    REFRESH_TOKEN,
    RS256,
    SECRET_AUTH_METHODS,
)

DEFAULT_SCOPE = "openid profile email phone address offline_access trademark"
ALGS = ID_TOKEN_ALGS


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def check_uri(uri: str, what: str, *, http_loopback_only: bool) -> str:
    """An absolute http(s) URI without fragment. http: anywhere in development for redirect
    URIs (test relying parties), loopback only in production; for back-channel logout
    (``http_loopback_only``) loopback in development and never in production."""
    parts = urlsplit(uri or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("uri.not_absolute", what, what=what, uri=repr(uri))
    if parts.fragment or "#" in uri:
        raise ValidationError("uri.fragment", what, what=what, uri=repr(uri))
    if parts.scheme == "http":
        production = services().settings.production
        if http_loopback_only and (production or not _is_loopback(parts.hostname)):
            raise ValidationError("uri.https_dev", what, what=what, uri=repr(uri))
        if production and not _is_loopback(parts.hostname):
            raise ValidationError("uri.https", what, what=what, uri=repr(uri))
    return uri


def new_client_id() -> str:
    """A generated client id: 144 random bits in URL-safe base64, never starting with "-" (an
    administrator types it after ``idp clients enable``, where a leading "-" reads as an option;
    "_" is kept out of the first place for the same eye)."""
    while True:
        client_id = secrets.token_urlsafe(18)
        if client_id[0].isalnum():
            return client_id


def create_client(
    *,
    name: str,
    redirect_uris: list[str],
    post_logout_redirect_uris: Sequence[str] = (),
    backchannel_logout_uri: str | None = None,
    grant_types: Sequence[str] = (),
    auth_method: str = CLIENT_SECRET_BASIC,
    public: bool = False,
    first_party: bool = False,
    require_pkce: bool = True,
    scope: str | None = None,
    id_token_alg: str = RS256,
    jwks: dict[str, Any] | None = None,
    client_id: str | None = None,
    secret: str | None = None,
    enabled: bool = True,
) -> tuple[Client, str | None]:
    """Register a client; returns it and its secret (None for public / private_key_jwt).
    R1: ``enabled=False`` registers a subsystem ahead of its batch; ``enable`` switches it on."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 100:
        raise ValidationError("client.name", "name")
    if public:
        auth_method = "none"
    if auth_method not in AUTH_METHODS:
        raise ValidationError("client.auth_method", "auth_method", value=auth_method)
    grant_types = list(dict.fromkeys(grant_types or [AUTHORIZATION_CODE, REFRESH_TOKEN]))
    for grant in grant_types:
        if grant not in GRANT_TYPES:
            raise ValidationError("client.grant_type", "grant_type", value=grant)
    if auth_method == AUTH_NONE and CLIENT_CREDENTIALS in grant_types:
        raise ValidationError("client.public_client_credentials", "grant_type")
    if AUTHORIZATION_CODE in grant_types and not redirect_uris:
        raise ValidationError("client.redirect_uri_required", "redirect_uri")
    redirect_uris = [check_uri(u, "redirect_uri", http_loopback_only=False) for u in redirect_uris]
    post_logout = [
        check_uri(u, "post_logout_redirect_uri", http_loopback_only=False)
        for u in post_logout_redirect_uris
    ]
    if backchannel_logout_uri:
        check_uri(backchannel_logout_uri, "backchannel_logout_uri", http_loopback_only=True)
    if id_token_alg not in ALGS:
        raise ValidationError("client.id_token_alg", "id_token_alg", allowed="/".join(ALGS))
    if auth_method == PRIVATE_KEY_JWT:
        if not jwks or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
            raise ValidationError("client.jwks_required", "jwks")
    client_id = client_id or new_client_id()
    if not 3 <= len(client_id) <= 64 or not client_id.isascii() or " " in client_id:
        raise ValidationError("client.client_id_format", "client_id")
    svc = services()
    if auth_method in SECRET_AUTH_METHODS:
        minimum = 32 if svc.settings.production else 8
        secret = secret or secrets.token_urlsafe(32)
        if len(secret) < minimum:
            raise ValidationError("client.secret_length", "secret", minimum=minimum)
    else:
        secret = None
    requested = (scope or DEFAULT_SCOPE).split()
    unknown = set(requested) - set(svc.settings.protocol.scopes_supported)
    if unknown:
        raise ValidationError("client.scope", "scope", value=" ".join(sorted(unknown)))
    client = Client(
        client_id=client_id,
        name=name,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout,
        backchannel_logout_uri=backchannel_logout_uri or None,
        grant_types=grant_types,
        scope=" ".join(requested),
        token_endpoint_auth_method=auth_method,
        jwks=jwks,
        id_token_signed_response_alg=id_token_alg,
        first_party=first_party,
        require_pkce=require_pkce or auth_method == "none",
        enabled=enabled,
        secret_digest=svc.client_secret_digest(secret) if secret else None,
        created_at=from_timestamp(svc.clock.now()),
    )
    if db.session.scalar(select(Client.id).where(Client.client_id == client_id)):
        raise Conflict("client.exists", "client_id", client_id=client_id)
    db.session.add(client)
    db.session.flush()
    return client, secret


def load_jwks(value: str | None) -> dict[str, Any] | None:
    """A JWKS given inline as JSON or as a path to a JSON file."""
    if not value:
        return None
    text = value
    if not value.lstrip().startswith("{"):
        try:
            with open(value, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            raise ValidationError("jwks.unreadable", "jwks", reason=exc.strerror) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise ValidationError("jwks.not_json", "jwks") from None
    if not isinstance(data, dict):
        raise ValidationError("jwks.not_object", "jwks")
    for key in data.get("keys", []):
        if not isinstance(key, dict) or any(k in key for k in ("d", "p", "q", "k")):
            raise ValidationError("jwks.private", "jwks")
    return data


def get(client_id: str) -> Client | None:
    return db.session.scalar(select(Client).where(Client.client_id == client_id))


def enable(client_id: str) -> Client:
    """R1: switch a registered subsystem on (its batch joins); it can sign users in from now."""
    client = get(client_id)
    if client is None:
        raise ValidationError("client.unknown", "client_id", client_id=client_id)
    client.enabled = True
    db.session.flush()
    trail.record(trail.CLIENT_ENABLED, client=client_id)
    return client


def disable(client_id: str) -> Client:
    """R1: switch the subsystem off. Its grants end through the one revocation path, in the
    event that calls this (``flows.account_events.disable_client``)."""
    client = get(client_id)
    if client is None:
        raise ValidationError("client.unknown", "client_id", client_id=client_id)
    client.enabled = False
    db.session.flush()
    return client


def describe(client: Client) -> dict[str, Any]:
    return {
        "client_id": client.client_id,
        "name": client.name,
        "enabled": client.enabled,
        "redirect_uris": client.redirect_uris,
        "post_logout_redirect_uris": client.post_logout_redirect_uris,
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "grant_types": client.grant_types,
        "scope": client.scope,
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "id_token_signed_response_alg": client.id_token_signed_response_alg,
        "first_party": client.first_party,
        "require_pkce": client.require_pkce,
        "created_at": client.created_at.isoformat(),
    }
