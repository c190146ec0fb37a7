"""Flask blueprints: thin views that parse, call the flows/protocol/domain, and render."""

from __future__ import annotations

import functools
import re

from flask import Flask, current_app, g, request

from ..domain import transaction
from ..domain.trail.context import Origin, origin_of
from ..flows import pending
from ..services import services
from .client_ip import client_ip


def register(app: Flask) -> None:
    # the modules whose views attach to each blueprint (a package's entry module imports the
    # rest of its pages, e.g. account.home the personal center's other pages)
    from . import dev, divisions, errors, hostile, locale
    from .account import home as account
    from .login import captcha, legacy_reset, password_reset
    from .login import page as login
    from .oidc import endpoints, steps
    from .registration import natural as registration
    from .registration import organisation as org_registration
    from .supplement import appeals
    from .supplement import natural as supplement

    for module in (
        endpoints,
        steps,
        account,
        login,
        captcha,
        divisions,
        dev,
        registration,
        locale,
        org_registration,
        supplement,
        legacy_reset,
        password_reset,
        appeals,
    ):
        app.register_blueprint(module.bp)
    errors.register(app)
    hostile.register(app)
    app.after_request(_finish_response)
    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = _in_transaction(view)


def _in_transaction(view):
    """The request is the transaction: commit once the view returned a success (below 400, or
    ``transaction.keep``), before the response leaves; roll back an error answer and any
    exception. The audit trail's origin (``domain.trail.context``) is the client IP meanwhile.
    A commit that fails raises here, so the client gets the 503 (database
    unavailable) or 500 page or JSON of ``errors``, never the success the view prepared (e.g.
    tokens of a code whose consumption was not committed)."""
    if getattr(view, "in_transaction", False):
        return view

    @functools.wraps(view)
    def run(*args, **kwargs):
        with origin_of(Origin(client_ip())):  # the audit trail's "from where" (trusted proxies)
            return _run(*args, **kwargs)

    def _run(*args, **kwargs):
        try:
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code < 400 or transaction.kept():
                transaction.commit()
            else:
                transaction.rollback()
        except BaseException:
            transaction.rollback_quietly()
            raise
        return response

    run.in_transaction = True
    return run


def _finish_response(response):
    """Apply SSO cookie changes and security headers to every response."""
    settings = services().settings
    name = settings.session.cookie_name
    if g.get("set_sso_cookie"):
        response.set_cookie(
            name,
            g.set_sso_cookie,
            httponly=True,
            samesite="Lax",
            secure=settings.production,
            path="/",
            max_age=settings.session.absolute_timeout,
        )
    elif g.get("clear_sso_cookie"):
        response.delete_cookie(
            name, path="/", httponly=True, samesite="Lax", secure=settings.production
        )
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if response.mimetype == "text/html":
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Content-Security-Policy", _content_security_policy())
        if request.endpoint and not request.endpoint.startswith("static"):
            headers.setdefault("Cache-Control", "no-store")
    return response


# what a registered redirect URI's origin may look like in a CSP source list; nothing else
_SOURCE = re.compile(
    r"https?://([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]+)?"
    r"|[a-z][a-z0-9+.\-]*:"
)


def _content_security_policy() -> str:
    """``form-action``: our own pages, and the clients a form here may end up redirecting to
    (browsers check form-action on the redirects after a submission): those of this browser's
    pending authorization requests, and the post-logout redirect of the logout page."""
    targets = pending.redirect_origins() | set(g.get("form_redirect_origins", ()))
    allowed = " ".join(sorted(t for t in targets if _SOURCE.fullmatch(t)))
    return (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'" + (" " + allowed if allowed else "")
    )
