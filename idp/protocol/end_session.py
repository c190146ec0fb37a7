"""RP-Initiated Logout 1.0 request validation (§2, §3).

A post-logout redirect happens only with a valid ``id_token_hint`` and an exact match among the
client's registered ``post_logout_redirect_uris``; ``state`` is passed back. Anything else gets
a page and no redirect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authlib.common.urls import add_params_to_uri

from .hints import InvalidHint, audiences, verify_id_token_hint
from .server import query_client


class InvalidLogoutRequest(Exception):
    """An RP-initiated logout request that is not followed (OpenID RP-Initiated Logout §2),
    told on a page by ``code``."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class LogoutRequest:
    client: object | None
    hint: dict[str, Any] | None
    redirect_uri: str | None


def validate(values: Mapping[str, str]) -> LogoutRequest:
    hint = None
    if values.get("id_token_hint"):
        try:
            hint = verify_id_token_hint(values["id_token_hint"])
        except InvalidHint:
            raise InvalidLogoutRequest("logout.invalid_hint") from None
    client = None
    client_id = values.get("client_id")
    if client_id:
        client = query_client(client_id)
        if client is None:
            raise InvalidLogoutRequest("logout.unknown_client")
        if hint is not None and client_id not in audiences(hint):
            raise InvalidLogoutRequest("logout.client_mismatch")
    elif hint is not None:
        auds = audiences(hint)
        client = query_client(hint.get("azp") or (auds[0] if auds else None))
    uri = values.get("post_logout_redirect_uri")
    redirect_uri = None
    if uri:
        if hint is None or client is None or uri not in (client.post_logout_redirect_uris or []):
            raise InvalidLogoutRequest("logout.unregistered_redirect")
        redirect_uri = uri
        if values.get("state"):
            redirect_uri = add_params_to_uri(uri, [("state", values["state"])])
    return LogoutRequest(client, hint, redirect_uri)
