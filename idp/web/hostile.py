"""One early check on every request: text the database cannot store is refused with a 400.

It runs before every other request hook (CSRF included) and every view, so no form, query or
store lookup ever sees a NUL, a lone surrogate or an invalid UTF-8 percent-encoding. The answer
has the usual shape of the endpoint (docs/protocol.md, "Hostile input").
"""

from __future__ import annotations

import base64
import binascii
import logging
from urllib.parse import unquote

from flask import Flask, render_template, request
from flask_babel import gettext as _

from ..domain.storable_text import form_encoding_is_utf8, storable
from ..protocol.request_params import json_error
from ..protocol.userinfo import challenge
from .errors import wants_json

log = logging.getLogger(__name__)
DESCRIPTION = "the request contains characters that cannot be processed"
TOKEN_STYLE = ("/token", "/revoke", "/introspect")


def register(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unstorable_input)


def refuse_unstorable_input():
    if _acceptable():
        return None
    log.info("refused a request with unstorable text: %s %s", request.method, request.endpoint)
    if request.endpoint == "oidc.authorize_endpoint":
        from .oidc.endpoints import refuse_authorization

        return refuse_authorization("invalid_request", DESCRIPTION)
    if request.endpoint == "oidc.userinfo":
        return challenge(400, "invalid_request", DESCRIPTION)
    if wants_json():
        return json_error("invalid_request", DESCRIPTION)
    return render_template(
        "errors/page.html",
        title=_("请求无效"),
        message=_("请求中含有无法处理的字符（例如空字符），请检查输入后重试。"),
    ), 400


def _acceptable() -> bool:
    if not form_encoding_is_utf8(request.query_string):
        return False
    if request.mimetype == "application/x-www-form-urlencoded" and _raw_form_fits():
        if not form_encoding_is_utf8(request.get_data()):  # cached: the form parses it
            return False
    texts = [request.path, request.remote_addr or ""]  # the client IP may come from a header
    for values in (request.args, request.form, request.cookies):
        for name, value in values.items(multi=True):
            texts += (name, value)
    texts += [f.filename or "" for _, f in request.files.items(multi=True)]
    credentials = _basic_credentials()
    if credentials is None:
        return False
    texts += credentials
    return all(storable(t) for t in texts)


def _raw_form_fits() -> bool:
    """Read the raw body only within the form size limit; a larger one is refused with 413
    when the form is parsed, without being held in memory first."""
    limit = request.max_form_memory_size
    return request.content_length is not None and (limit is None or request.content_length <= limit)


def _basic_credentials() -> list[str] | None:
    """The client id and secret of ``Authorization: Basic``, decoded as the token endpoint
    decodes them (RFC 6749 §2.3.1: base64 of form-encoded values); None when not UTF-8."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return []
    try:
        raw = base64.b64decode(token.strip())
    except (binascii.Error, ValueError):
        return []  # not credentials at all: the endpoint answers invalid_client
    try:
        return [unquote(part, errors="strict") for part in raw.decode("utf-8").split(":", 1)]
    except UnicodeDecodeError:
        return None
