"""Error pages and fail-closed handling: store or database down means 503, never "allow".

A back end that fails under a request is a 503 with a body, never a 500 and never an empty
answer (issue 11): the JSON ``{"error": "temporarily_unavailable"}`` with ``Retry-After`` on the
protocol endpoints (RFC 6749 §5.2 has no such code for the token endpoint, but §4.1.2.1 defines
it and clients treat any 503 as "try again"), the 503 page elsewhere. A back-end fault is any
exception that is, or was caused by (``__cause__``/``__context__``), the store being
unavailable, a database error of the connection (``OperationalError``, ``InterfaceError``, a
``DBAPIError`` that invalidated its connection, a ``DisconnectionError``), or the pool's
checkout timeout (``sqlalchemy.exc.TimeoutError``: every connection stuck, as in a partition).
An unexpected exception whose cause is such a fault (say, a library wrapping it) is turned into
the 503 by the 500 handler. The handlers never fail themselves: rolling back a dead connection
is tried quietly, and a page that cannot be rendered falls back to a fixed text.

Titles and messages are translated here, where they are written; a 404 whose description is a
code of ``messages.PAGES`` (an expired sign-in or supplementation) says what expired.
"""

from __future__ import annotations

import json
import logging

from flask import Response, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from ..adapters.outage import OutageLog
from ..adapters.store import StoreUnavailable
from ..extensions import db
from ..services import services
from . import messages

log = logging.getLogger(__name__)
# one per process: the first failing request of an outage is logged, then a summary a minute
outage = OutageLog(log, "backing service")
PROTOCOL_PATHS = ("/token", "/userinfo", "/revoke", "/introspect", "/jwks", "/.well-known/")
TITLES = {
    404: _l("页面不存在"),
    405: _l("请求方式不正确"),
    400: _l("请求无效"),
    413: _l("上传的文件过大"),
}


# Seconds a client is told to wait. A token request's retry must come within
# ``protocol.retry_grace`` (30 s) to get the tokens of a lost answer rather than count as reuse,
# so the protocol endpoints ask for a short wait; a person on a page reloads when they choose.
PROTOCOL_RETRY_AFTER = 5
PAGE_RETRY_AFTER = 30
# the exceptions that mean "a back end failed under this request": 503, never 500
UNAVAILABLE = (StoreUnavailable, OperationalError, InterfaceError, DisconnectionError, PoolTimeout)
# the 503 page when even the page template cannot be rendered
FALLBACK_503 = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
    "<title>服务暂时不可用 · Service temporarily unavailable</title></head><body>"
    "<h1>服务暂时不可用</h1><p>系统繁忙或正在维护，请稍后再试。</p>"
    '<p lang="en">The service is temporarily unavailable. Please try again later.</p>'
    "</body></html>"
)


def wants_json() -> bool:
    return request.path.startswith(PROTOCOL_PATHS)


def backend_fault(exc: BaseException | None) -> BaseException | None:
    """The back-end failure behind ``exc`` (itself or along its causes), or None."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, UNAVAILABLE) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated
        ):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def unavailable_response(exc: BaseException) -> Response:
    """The 503 for a back-end fault; works with the database and the store both gone."""
    outage.failed(exc)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the pool discards it
        pass
    headers = {"Retry-After": str(PAGE_RETRY_AFTER), "Cache-Control": "no-store"}
    if wants_json():
        headers["Retry-After"] = str(PROTOCOL_RETRY_AFTER)
        body = {
            "error": "temporarily_unavailable",
            "error_description": "the service is temporarily unavailable",
        }
        return Response(json.dumps(body), 503, headers, mimetype="application/json")
    try:
        page = render_template(
            "errors/page.html",
            title=gettext("服务暂时不可用"),
            message=gettext("系统繁忙或正在维护，请稍后再试。"),
        )
    except Exception:
        log.warning("the 503 page could not be rendered; answering its fixed text", exc_info=True)
        page = FALLBACK_503
    return Response(page, 503, headers, mimetype="text/html")


def register(app):
    @app.errorhandler(StoreUnavailable)
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DisconnectionError)
    @app.errorhandler(PoolTimeout)
    def unavailable(exc):
        return unavailable_response(exc)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_template(
            "errors/page.html",
            title=gettext("页面已过期"),
            message=gettext("页面已过期或表单无效，请返回上一页刷新后重试。"),
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(exc):
        # an unhandled exception reaches here as a 500 carrying it: a back-end fault is a 503
        fault = backend_fault(getattr(exc, "original_exception", None))
        if exc.code == 500 and fault is not None:
            return unavailable_response(fault)
        if wants_json():
            error = "server_error" if (exc.code or 500) >= 500 else "invalid_request"
            body = {"error": error, "error_description": exc.name}
            return Response(
                json.dumps(body),
                status=exc.code,
                mimetype="application/json",
                headers={"Cache-Control": "no-store"},
            )
        message = (exc.code == 404 and messages.page(exc.description)) or gettext(
            "您访问的页面不存在或请求无效。"
        )
        if exc.code == 413:
            limit = services().settings.files.max_size // (1024 * 1024)
            message = gettext(
                "提交的内容过大：每个 PDF 文件不能超过 %(limit)s MB。"
                "请返回上一页，压缩文件后重新选择并提交。",
                limit=limit,
            )
        title = TITLES.get(exc.code or 0) or _l("请求无法完成")
        return render_template("errors/page.html", title=str(title), message=message), exc.code
