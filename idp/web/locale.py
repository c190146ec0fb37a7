"""The UI language and text size. The 中文 / English switch of every page remembers the
visitor's choice in a cookie that the locale selector (``select_locale``, given to Flask-Babel by
``create_app``) reads before ``ui_locales`` and Accept-Language, then goes back to the page. The
way back is the page's path with only the login page's tab arguments: nothing else of a query
(``state``, ``id_token_hint``, …) is echoed into links. Only a local path that answers GET is
followed, so the switch is no open redirect and never lands on a 405.

The 大字版 / Larger text toggle (适老化) is a form of every page's header: a CSRF-protected
POST that remembers the size in a cookie and goes back the same way; base.html puts the class
``large-text`` on ``<html>`` while it is on. forms.js sends it with fetch and switches the
class in place, so nothing typed is lost; without script the page comes back.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, current_app, g, redirect, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from ..flows import pending
from ..services import services

LOCALES = {"zh": "zh_Hans_CN", "en": "en"}  # language tag -> catalog; Chinese is the source
LANG_COOKIE = "idp_lang"  # set by the 中文 / English switch below
TEXT_COOKIE = "idp_text"  # "large" while the larger text is on


def _parked_ui_locales() -> str:
    """``ui_locales`` of the authorization request parked under this page's interaction id."""
    iid = (request.view_args or {}).get("iid")
    if not iid:
        return ""
    try:
        ia = pending.load(iid)
    except Exception:  # the language is cosmetic: never fail (or hide a 503 page) over it
        return ""
    return str(ia.params.get("ui_locales") or "") if ia else ""


def select_locale() -> str:
    """The UI language: the visitor's own choice (the switch's cookie), then the ``ui_locales``
    of the authorization request being served (OIDC Core §3.1.2.1), then Accept-Language,
    else Chinese."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LOCALES:
        return LOCALES[chosen]
    wanted = g.get("ui_locales") or request.args.get("ui_locales") or _parked_ui_locales()
    for tag in wanted.split():
        if tag.lower().split("-")[0] in LOCALES:
            return LOCALES[tag.lower().split("-")[0]]
    return LOCALES[request.accept_languages.best_match(list(LOCALES)) or "zh"]


bp = Blueprint("locale", __name__)
ONE_YEAR = 365 * 24 * 3600
KEPT_ARGS = ("entry", "method")  # the login page's tabs


def _back() -> str:
    """This page's path with only the login page's tab arguments."""
    args = {k: request.args[k] for k in KEPT_ARGS if k in request.args}
    return request.path + ("?" + urlencode(args) if args else "")


@bp.app_template_global()
def language_link(code: str) -> str:
    """The switch's link to ``code`` that comes back to this page."""
    return url_for("locale.switch", code=code, next=_back())


@bp.app_template_global()
def large_text() -> bool:
    """Whether this visitor turned the larger text on."""
    return request.cookies.get(TEXT_COOKIE) == "large"


@bp.app_template_global()
def text_size_action() -> str:
    """Where the larger-text toggle of this page posts, coming back to this page."""
    return url_for("locale.text_size", next=_back())


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
    return _remember(redirect(target), LANG_COOKIE, code)


@bp.post("/display/text")
def text_size():
    """The larger-text toggle (CSRF checked by Flask-WTF, from the form or the X-CSRFToken
    header of forms.js): ``size=large`` turns it on, anything else off."""
    large = request.form.get("size") == "large"
    if request.accept_mimetypes.best == "application/json":
        response = current_app.response_class(status=204)
    else:
        target = request.args.get("next", "")
        response = redirect(target if _local_get_page(target) else url_for("account.index"))
    if large:
        return _remember(response, TEXT_COOKIE, "large")
    response.delete_cookie(TEXT_COOKIE, path="/", httponly=True, samesite="Lax")
    return response


def _remember(response, name: str, value: str):
    """A preference cookie for a year, unreadable by script, sent on this site only."""
    response.set_cookie(
        name,
        value,
        max_age=ONE_YEAR,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=services().settings.production,
    )
    return response
