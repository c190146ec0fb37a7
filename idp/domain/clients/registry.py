"""Registering relying parties (R1): validation of every piece of client metadata.

Redirect URIs are absolute, without fragment, compared exactly later (RFC 9700 §4.1.3). Secrets
are random; only their keyed digest is stored, and the secret is shown once.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from joserfc.jwk import KeySet
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


MAX_URIS = 10  # redirect and post-logout URIs each: a subsystem has a few hosts, not dozens
MAX_URI_LENGTH = 2000
MAX_BATCH = 32
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\*]")  # controls, spaces, backslash, wildcard


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def check_uri(uri: str, what: str, *, http_loopback_only: bool) -> str:
    """An absolute http(s) URI, compared exactly later, so nothing in it may stand for more than
    itself: no wildcard, no fragment, no userinfo (``https://good@evil``), no space, control
    character or backslash (parsers disagree on them), at most ``MAX_URI_LENGTH`` characters.
    http: anywhere in development for redirect URIs (test relying parties), loopback only in
    production; for back-channel logout (``http_loopback_only``) loopback in development and
    never in production."""
    if not isinstance(uri, str) or len(uri) > MAX_URI_LENGTH or _UNSAFE.search(uri):
        raise ValidationError("uri.unsafe", what, what=what, uri=repr(uri)[:100])
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 — raises on a malformed port
    except ValueError:
        raise ValidationError("uri.not_absolute", what, what=what, uri=repr(uri)) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("uri.not_absolute", what, what=what, uri=repr(uri))
    if parts.fragment or "#" in uri:
        raise ValidationError("uri.fragment", what, what=what, uri=repr(uri))
    if "@" in parts.netloc:
        raise ValidationError("uri.userinfo", what, what=what, uri=repr(uri))
    if parts.scheme == "http":
        production = services().settings.production
        if http_loopback_only and (production or not _is_loopback(parts.hostname)):
            raise ValidationError("uri.https_dev", what, what=what, uri=repr(uri))
        if production and not _is_loopback(parts.hostname):
            raise ValidationError("uri.https", what, what=what, uri=repr(uri))
    return uri


def _uris(values: Sequence[str], what: str) -> list[str]:
    found = list(dict.fromkeys(u.strip() for u in values if u and u.strip()))
    if len(found) > MAX_URIS:
        raise ValidationError("client.too_many_uris", what, what=what, maximum=MAX_URIS)
    return [check_uri(u, what, http_loopback_only=False) for u in found]


def _plain_text(value: str | None) -> str:
    value = (value or "").strip()
    return "" if any(ord(c) < 32 or ord(c) == 127 for c in value) else value


def check_jwks(jwks: dict[str, Any] | None) -> dict[str, Any] | None:
    """A client's public JWKS, parsed by joserfc: each key well formed and public only (a
    private key given here would be a secret of the client stored by the office)."""
    if jwks is None:
        return None
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise ValidationError("jwks.not_object", "jwks")
    for key in jwks["keys"]:
        if not isinstance(key, dict) or any(k in key for k in ("d", "p", "q", "k")):
            raise ValidationError("jwks.private", "jwks")
    try:
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    except Exception:  # joserfc raises many kinds on bad key material
        raise ValidationError("jwks.invalid", "jwks") from None
    if any(key.is_private for key in keys.keys):
        raise ValidationError("jwks.private", "jwks")
    return jwks


@dataclass
class Spec:
    """A client's metadata as given (by ``idp clients`` or the admin pages); ``check`` turns
    it into the values stored, or refuses it."""

    name: str
    redirect_uris: Sequence[str] = ()
    post_logout_redirect_uris: Sequence[str] = ()
    backchannel_logout_uri: str | None = None
    grant_types: Sequence[str] = ()
    auth_method: str = CLIENT_SECRET_BASIC
    public: bool = False
    first_party: bool = False
    require_pkce: bool = True
    scope: str | None = None
    id_token_alg: str = RS256
    jwks: dict[str, Any] | None = None
    batch: str | None = None


def check(spec: Spec) -> dict[str, Any]:
    """R1: the one validation of a client's metadata, for creating and for editing; returns
    the column values (without client_id and secret)."""
    name = _plain_text(spec.name)
    if not 1 <= len(name) <= 100:
        raise ValidationError("client.name", "name")
    batch = _plain_text(spec.batch) if spec.batch is not None else ""
    if spec.batch and (not batch or len(batch) > MAX_BATCH):
        raise ValidationError("client.batch", "batch", maximum=MAX_BATCH)
    auth_method = AUTH_NONE if spec.public else spec.auth_method
    if auth_method not in AUTH_METHODS:
        raise ValidationError("client.auth_method", "auth_method", value=auth_method)
    grant_types = list(dict.fromkeys(spec.grant_types or [AUTHORIZATION_CODE, REFRESH_TOKEN]))
    for grant in grant_types:
        if grant not in GRANT_TYPES:
            raise ValidationError("client.grant_type", "grant_type", value=grant)
    if auth_method == AUTH_NONE and CLIENT_CREDENTIALS in grant_types:
        raise ValidationError("client.public_client_credentials", "grant_type")
    redirect_uris = _uris(spec.redirect_uris, "redirect_uri")
    if AUTHORIZATION_CODE in grant_types and not redirect_uris:
        raise ValidationError("client.redirect_uri_required", "redirect_uri")
    post_logout = _uris(spec.post_logout_redirect_uris, "post_logout_redirect_uri")
    backchannel = (spec.backchannel_logout_uri or "").strip() or None
    if backchannel:
        check_uri(backchannel, "backchannel_logout_uri", http_loopback_only=True)
    if spec.id_token_alg not in ALGS:
        raise ValidationError("client.id_token_alg", "id_token_alg", allowed="/".join(ALGS))
    jwks = check_jwks(spec.jwks)
    if auth_method == PRIVATE_KEY_JWT and (not jwks or not jwks["keys"]):
        raise ValidationError("client.jwks_required", "jwks")
    requested = list(dict.fromkeys((spec.scope or DEFAULT_SCOPE).split()))
    unknown = set(requested) - set(services().settings.protocol.scopes_supported)
    if unknown:
        raise ValidationError("client.scope", "scope", value=" ".join(sorted(unknown)))
    return {
        "name": name,
        "batch": batch or None,
        "redirect_uris": redirect_uris,
        "post_logout_redirect_uris": post_logout,
        "backchannel_logout_uri": backchannel,
        "grant_types": grant_types,
        "scope": " ".join(requested),
        "token_endpoint_auth_method": auth_method,
        "jwks": jwks if auth_method == PRIVATE_KEY_JWT else None,
        "id_token_signed_response_alg": spec.id_token_alg,
        "first_party": spec.first_party,
        "require_pkce": spec.require_pkce or auth_method == AUTH_NONE,
    }


def new_client_id() -> str:
    """A generated client id: 144 random bits in URL-safe base64, never starting with "-" (an
    administrator types it after ``idp clients enable``, where a leading "-" reads as an option;
    "_" is kept out of the first place for the same eye)."""
    while True:
        client_id = secrets.token_urlsafe(18)
        if client_id[0].isalnum():
            return client_id


def _new_secret(auth_method: str, secret: str | None = None) -> str | None:
    if auth_method not in SECRET_AUTH_METHODS:
        return None
    minimum = 32 if services().settings.production else 8
    secret = secret or secrets.token_urlsafe(32)
    if len(secret) < minimum:
        raise ValidationError("client.secret_length", "secret", minimum=minimum)
    return secret


def create_client(
    *,
    name: str,
    redirect_uris: Sequence[str],
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
    batch: str | None = None,
) -> tuple[Client, str | None]:
    """Register a client; returns it and its secret (None for public / private_key_jwt).
    R1: ``enabled=False`` registers a subsystem ahead of its batch; ``enable`` switches it on."""
    values = check(
        Spec(
            name=name,
            redirect_uris=redirect_uris,
            post_logout_redirect_uris=post_logout_redirect_uris,
            backchannel_logout_uri=backchannel_logout_uri,
            grant_types=grant_types,
            auth_method=auth_method,
            public=public,
            first_party=first_party,
            require_pkce=require_pkce,
            scope=scope,
            id_token_alg=id_token_alg,
            jwks=jwks,
            batch=batch,
        )
    )
    client_id = client_id or new_client_id()
    if not 3 <= len(client_id) <= 64 or not client_id.isascii() or not client_id.isprintable():
        raise ValidationError("client.client_id_format", "client_id")
    if " " in client_id:
        raise ValidationError("client.client_id_format", "client_id")
    svc = services()
    secret = _new_secret(values["token_endpoint_auth_method"], secret)
    client = Client(
        client_id=client_id,
        enabled=enabled,
        secret_digest=svc.client_secret_digest(secret) if secret else None,
        created_at=from_timestamp(svc.clock.now()),
        **values,
    )
    if db.session.scalar(select(Client.id).where(Client.client_id == client_id)):
        raise Conflict("client.exists", "client_id", client_id=client_id)
    db.session.add(client)
    db.session.flush()
    trail.record(trail.CLIENT_CREATED, client=client_id, enabled=enabled)
    return client, secret


def spec_of(client: Client) -> Spec:
    """The metadata of a stored client, to edit."""
    return Spec(
        name=client.name,
        redirect_uris=list(client.redirect_uris or []),
        post_logout_redirect_uris=list(client.post_logout_redirect_uris or []),
        backchannel_logout_uri=client.backchannel_logout_uri,
        grant_types=list(client.grant_types or []),
        auth_method=client.token_endpoint_auth_method,
        public=client.public,
        first_party=client.first_party,
        require_pkce=client.require_pkce,
        scope=client.scope,
        id_token_alg=client.id_token_signed_response_alg,
        jwks=client.jwks,
        batch=client.batch,
    )


def _required(client_id: str) -> Client:
    client = get(client_id)
    if client is None:
        raise ValidationError("client.unknown", "client_id", client_id=client_id)
    return client


def update_client(client_id: str, spec: Spec) -> tuple[Client, str | None]:
    """R1: change a client's metadata through the same ``check`` as ``create_client``. Its
    secret stays; a client that moves to a secret method without one gets a new secret
    (returned, shown once); one that leaves the secret methods loses its digest. Audited with
    the names of the fields that changed (never their values)."""
    client = _required(client_id)
    values = check(spec)
    changed = sorted(k for k, v in values.items() if getattr(client, k) != v)
    for key, value in values.items():
        setattr(client, key, value)
    secret = None
    if client.token_endpoint_auth_method in SECRET_AUTH_METHODS:
        if client.secret_digest is None:
            secret = _new_secret(client.token_endpoint_auth_method)
            client.secret_digest = services().client_secret_digest(secret) if secret else None
    else:
        client.secret_digest = None
    db.session.flush()
    trail.record(trail.CLIENT_UPDATED, client=client_id, fields=changed)
    return client, secret


def reset_secret(client_id: str) -> str:
    """R1: a new random secret for a confidential client; only its keyed digest is stored,
    the old secret stops working at once, the new one is returned to be shown once."""
    client = _required(client_id)
    secret = _new_secret(client.token_endpoint_auth_method)
    if secret is None:
        raise ValidationError(
            "client.no_secret", "client_id", method=client.token_endpoint_auth_method
        )
    client.secret_digest = services().client_secret_digest(secret)
    db.session.flush()
    trail.record(trail.CLIENT_SECRET_RESET, client=client_id)
    return secret


def listing() -> list[Client]:
    """Every client, by batch (none last), then name."""
    return list(
        db.session.scalars(
            select(Client).order_by(Client.batch.is_(None), Client.batch, Client.name)
        )
    )


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
    return check_jwks(data)


def get(client_id: str) -> Client | None:
    return db.session.scalar(select(Client).where(Client.client_id == client_id))


def enable(client_id: str) -> Client:
    """R1: switch a registered subsystem on (its batch joins); it can sign users in from now."""
    client = _required(client_id)
    client.enabled = True
    db.session.flush()
    trail.record(trail.CLIENT_ENABLED, client=client_id)
    return client


def disable(client_id: str) -> Client:
    """R1: switch the subsystem off. Its grants end through the one revocation path, in the
    event that calls this (``flows.account_events.disable_client``)."""
    client = _required(client_id)
    client.enabled = False
    db.session.flush()
    return client


def describe(client: Client) -> dict[str, Any]:
    return {
        "client_id": client.client_id,
        "name": client.name,
        "enabled": client.enabled,
        "batch": client.batch,
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
