"""The 中文 / English switch of every page: remembers the visitor's choice in a cookie that the
locale selector (``idp._locale``) reads before ``ui_locales`` and Accept-Language, then goes
back to the page. The way back is the page's path with only the login page's tab arguments:
nothing else of a query (``state``, ``id_token_hint``, …) is echoed into links. Only a local
path that answers GET is followed, so the switch is no open redirect and never lands on a 405.
"""
from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, current_app, redirect, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from .. import LANG_COOKIE, LOCALES
from ..services import services

bp = Blueprint("locale", __name__)
ONE_YEAR = 365 * 24 * 3600
KEPT_ARGS = ("entry", "method")  # the login page's tabs


@bp.app_template_global()
def language_link(code: str) -> str:
    """The switch's link to ``code`` that comes back to this page."""
    args = {k: request.args[k] for k in KEPT_ARGS if k in request.args}
    back = request.path + ("?" + urlencode(args) if args else "")
    return url_for("locale.switch", code=code, next=back)


def _local_get_page(target: str) -> bool:
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or "\\" in target or parts.netloc:
        return False
    try:
        current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


@bp.get("/lang/<code>")
def switch(code: str):
    if code not in LOCALES:
        abort(404)
    target = request.args.get("next", "")
    if not _local_get_page(target):
        target = url_for("account.index")
    response = redirect(target)
    response.set_cookie(LANG_COOKIE, code, max_age=ONE_YEAR, path="/", httponly=True,
                        samesite="Lax", secure=services().settings.production)
    return response
