"""Shape of protocol request parameters, checked before any of them is used or echoed.

RFC 6749 §3.1 and §3.2: request parameters MUST NOT be included more than once. The length
limits keep a hostile request from being parked in the store or reflected into a redirect
(docs/protocol.md, "Hostile input").
"""

from __future__ import annotations

import json
import re

from flask import Response
from werkzeug.datastructures import MultiDict

# Longest accepted value per authorization request parameter, in characters.
MAX_LENGTH = {
    "client_id": 64,
    "redirect_uri": 2048,
    "response_type": 64,
    "response_mode": 32,
    "scope": 1024,
    "state": 1024,
    "nonce": 512,
    "prompt": 64,
    "max_age": 10,
    "display": 32,
    "code_challenge": 128,
    "code_challenge_method": 16,
    "login_hint": 256,
    "ui_locales": 64,
    "claims_locales": 64,
    "acr_values": 256,
    "id_token_hint": 4096,
    "claims": 4096,
}
OTHER_MAX_LENGTH = 1024  # any other (ignored) parameter
MAX_PARAMETERS = 40
MAX_NAME_LENGTH = 64

# RFC 6749 §3.1.1 / Appendix A.3: response-name = 1*response-char ("_" / DIGIT / ALPHA),
# several names separated by single spaces.
_RESPONSE_TYPE = re.compile(r"[A-Za-z0-9_]+( [A-Za-z0-9_]+)*")
_PLAIN_NAME = re.compile(r"[a-z_]{1,32}")


def repeated(values: MultiDict[str, str]) -> str | None:
    """The first parameter sent more than once in ``values`` (a MultiDict), else None."""
    for name in values.keys():
        if len(values.getlist(name)) > 1:
            return _label(name)
    return None


def too_long(values: MultiDict[str, str]) -> str | None:
    """The first parameter of an authorization request longer than its limit, else None."""
    for name in values.keys():
        if len(name) > MAX_NAME_LENGTH:
            return "a parameter name"
        limit = MAX_LENGTH.get(name, OTHER_MAX_LENGTH)
        if any(len(v) > limit for v in values.getlist(name)):
            return _label(name)
    return None


def _label(name: str) -> str:
    """``name`` for an error description, unless it is the client's own invention: nothing
    a client made up is echoed back."""
    return name if _PLAIN_NAME.fullmatch(name) else "a parameter"


def well_formed_response_type(value: str) -> bool:
    return _RESPONSE_TYPE.fullmatch(value) is not None


def json_error(error: str, description: str, status: int = 400) -> Response:
    """An OAuth error response body (RFC 6749 §5.2) for the token-style endpoints."""
    body = json.dumps({"error": error, "error_description": description})
    return Response(
        body,
        status=status,
        mimetype="application/json",
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
