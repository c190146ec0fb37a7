"""Authorization error responses sent back to the client's redirect URI.

Only called once the client and the exact redirect URI are known to be registered (RFC 6749
§4.1.2.1); every response carries ``state`` and the RFC 9207 ``iss`` parameter.
"""

from __future__ import annotations

from typing import Any

from authlib.common.urls import add_params_to_uri
from flask import redirect
from werkzeug.wrappers import Response

from ..services import services


def authorization_error(
    params: dict[str, Any], error: str, description: str | None = None
) -> Response:
    out = [("error", error)]
    if description:
        out.append(("error_description", description))
    if params.get("state"):
        out.append(("state", params["state"]))
    out.append(("iss", services().settings.issuer))
    response = redirect(add_params_to_uri(params["redirect_uri"], out), code=302)
    response.headers["Cache-Control"] = "no-store"
    return response
