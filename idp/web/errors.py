"""Error pages and fail-closed handling: store or database down means 503, never "allow".

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
from sqlalchemy.exc import InterfaceError, OperationalError
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


def wants_json() -> bool:
    return request.path.startswith(PROTOCOL_PATHS)


def register(app):
    @app.errorhandler(StoreUnavailable)
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def unavailable(exc):
        outage.failed(exc)
        try:
            db.session.rollback()
        except Exception:
            pass
        if wants_json():
            body = {
                "error": "temporarily_unavailable",
                "error_description": "the service is temporarily unavailable",
            }
            return Response(
                json.dumps(body),
                status=503,
                mimetype="application/json",
                headers={"Retry-After": "30", "Cache-Control": "no-store"},
            )
        return (
            render_template(
                "errors/page.html",
                title=gettext("服务暂时不可用"),
                message=gettext("系统繁忙或正在维护，请稍后再试。"),
            ),
            503,
            {"Retry-After": "30"},
        )

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_template(
            "errors/page.html",
            title=gettext("页面已过期"),
            message=gettext("页面已过期或表单无效，请返回上一页刷新后重试。"),
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(exc):
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
