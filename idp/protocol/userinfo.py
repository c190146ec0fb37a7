"""The UserInfo endpoint (OIDC Core §5.3) with RFC 6750 bearer token handling.

The access token may come in the ``Authorization`` header (GET or POST) or, for POST with a
form body, as ``access_token`` (RFC 6750 §2.2) — never both. Errors carry
``WWW-Authenticate`` (RFC 6750 §3).
"""

from __future__ import annotations

import json

from flask import Response, request

from . import tokens
from .claims import acting_for_id, user_claims


def challenge(status: int, error: str | None = None, description: str | None = None) -> Response:
    value = 'Bearer realm="userinfo"'
    if error:
        value += f', error="{error}"'
    if description:
        value += f', error_description="{description}"'
    body = json.dumps({"error": error, "error_description": description} if error else {})
    return Response(
        body,
        status=status,
        mimetype="application/json",
        headers={"WWW-Authenticate": value, "Cache-Control": "no-store"},
    )


def _extract() -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization", "")
    in_body = None
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        in_body = request.form.get("access_token")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return None, "invalid_request"
        if in_body:
            return None, "invalid_request"
        return value.strip(), None
    if in_body:
        return in_body, None
    return None, None


def userinfo_response() -> Response:
    value, problem = _extract()
    if problem:
        return challenge(400, problem, "malformed bearer token request")
    if value is None:
        return challenge(401)
    ref = tokens.find(value, "access_token")
    if ref is None or ref.kind != "access_token" or not ref.is_active() or ref.row.user is None:
        return challenge(401, "invalid_token", "the access token is invalid or expired")
    if "openid" not in ref.row.scope.split():
        return challenge(403, "insufficient_scope", "the openid scope is required")
    claims = user_claims(ref.row.user, ref.row.scope, acting_for_id(ref.row))
    body = json.dumps(claims, ensure_ascii=False)
    return Response(body, mimetype="application/json", headers={"Cache-Control": "no-store"})
