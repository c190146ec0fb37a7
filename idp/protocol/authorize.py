"""Validation of authorization requests (RFC 6749 §4.1.1, OIDC Core §3.1.2.1-2, RFC 7636).

Two kinds of failure: while the client or its exact redirect URI is unknown, nothing is
redirected anywhere (``UnsafeRequest``: the user sees an error page, RFC 6749 §4.1.2.1); after
that, errors go back to the client (``RedirectError``). Nothing over its length limit is parked
or echoed back (``request_params``).
"""

from __future__ import annotations

from typing import Any, NoReturn

from authlib.oauth2 import OAuth2Error
from werkzeug.datastructures import MultiDict

from ..domain import vocab
from ..domain.models import Client
from ..domain.storable_text import storable
from . import codes
from .hints import InvalidHint, verify_id_token_hint
from .request_params import MAX_LENGTH, MAX_PARAMETERS, too_long, well_formed_response_type
from .server import oauth_server, parked_request, query_client

SINGLE = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "prompt",
    "max_age",
    "code_challenge",
    "code_challenge_method",
    "id_token_hint",
    "login_hint",
    "ui_locales",
    "response_mode",
)
PROMPTS = {"none", "login", "consent", "select_account"}


class UnsafeRequest(Exception):
    """No safe way back to the client (RFC 6749 §4.1.2.1): told on a page, by ``code``."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class RedirectError(Exception):
    def __init__(self, params: dict[str, str], error: str, description: str | None = None):
        super().__init__(error)
        self.params, self.error, self.description = params, error, description


def client_target(values: MultiDict[str, str]) -> tuple[Client, dict[str, str]]:
    """(client, {redirect_uri[, state]}) once the client and its exact registered redirect URI
    are established; ``state`` only when it may be echoed (single, storable, within its limit).
    Raises ``UnsafeRequest`` otherwise."""
    for name in ("client_id", "redirect_uri"):
        if len(values.getlist(name)) > 1:
            raise UnsafeRequest("authorize.repeated_parameter")
    client = query_client(values.get("client_id"))
    if client is None:
        raise UnsafeRequest("authorize.unknown_client")
    redirect_uri = values.get("redirect_uri")
    if not redirect_uri:
        raise UnsafeRequest("authorize.missing_redirect_uri")
    if len(redirect_uri) > MAX_LENGTH["redirect_uri"] or not client.check_redirect_uri(
        redirect_uri
    ):
        raise UnsafeRequest("authorize.redirect_uri_mismatch")
    target = {"redirect_uri": redirect_uri}
    states = values.getlist("state")
    if len(states) == 1 and len(states[0]) <= MAX_LENGTH["state"] and storable(states[0]):
        target["state"] = states[0]
    return client, target


def validate(values: MultiDict[str, str]) -> tuple[dict[str, Any], Client, str | None]:
    """Return (parked parameters, client, subject named by id_token_hint)."""
    client, target = client_target(values)

    def fail(error: str, description: str | None = None) -> NoReturn:
        raise RedirectError(target, error, description)

    if len(values.keys()) > MAX_PARAMETERS:
        fail("invalid_request", "too many parameters")
    name = too_long(values)
    if name:
        fail("invalid_request", f"{name} is too long")
    for name in SINGLE:
        if len(values.getlist(name)) > 1:
            fail("invalid_request", f"parameter '{name}' repeated")
    params = {k: values[k] for k in values.keys()}

    if "request" in params:
        fail("request_not_supported", "request objects are not supported")
    if "request_uri" in params:
        fail("request_uri_not_supported", "request_uri is not supported")
    response_type = params.get("response_type")
    if not response_type:
        fail("invalid_request", "response_type is required")
    if not well_formed_response_type(response_type):
        fail("invalid_request", "response_type is malformed")
    if response_type != vocab.CODE:
        fail("unsupported_response_type", "only response_type=code is supported")
    if params.get("response_mode") not in (None, "query"):
        fail("invalid_request", "only response_mode=query is supported")
    prompts = set((params.get("prompt") or "").split())
    if "none" in prompts and len(prompts & PROMPTS) > 1:
        fail("invalid_request", "prompt=none cannot be combined with other values")
    max_age = params.get("max_age")
    if max_age is not None and (not max_age.isdigit() or len(max_age) > 10):
        fail("invalid_request", "max_age must be a non-negative integer")
    hint_sub = None
    if params.get("id_token_hint"):
        try:
            hint_sub = verify_id_token_hint(params["id_token_hint"])["sub"]
        except InvalidHint:
            fail("invalid_request", "id_token_hint is not a valid ID token from this provider")
    try:
        req = parked_request(params)
        grant = oauth_server().get_authorization_grant(req)
        grant.validate_authorization_request()
    except OAuth2Error as exc:
        fail(exc.error, exc.description or None)
    if params.get("code_challenge") and codes.challenge_in_use(
        client.client_id, params["code_challenge"]
    ):
        fail("invalid_request", "code_challenge was already used; send a fresh one")
    return params, client, hint_sub
