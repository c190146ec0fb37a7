"""Who may open an admin route (issue 12, "Roles with separated duties").

Every view declares it: ``@requires(*roles)`` (a full admin session of one of ``roles``) or
``@public`` (the login pages, open to anyone). ``check`` runs before every request of the
blueprint and refuses a route that declares nothing (403), so a new route cannot be open by
omission; anonymous visitors (and a login whose TOTP is still due) go to the login page, an
admin of another role gets 403. The account is re-read on every request: a disabled admin's
session ends at once, as does one whose TOTP was reset.

A ``requires`` view runs with the administrator as the audit trail's context actor
(``admin:<id>``), so domain and protocol entries written on its behalf name who acted.

``fresh_required`` guards sensitive actions (key rotation, secret reset, revealing an ID number,
managing admins): it asks for the password and a TOTP code again unless both were proven within
``admin.reauth_window`` seconds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, url_for

from ..domain.admins import accounts as admins
from ..domain.trail import context as trail_context
from ..services import services
from . import session
from .blueprint import bp

PUBLIC = "public"
ROLES_ATTR = "admin_roles"


def requires(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the roles that may use the view (at least one, each a known role).

    The view runs as the administrator for the audit trail: what it records without naming an
    actor (e.g. ``key.rotated`` from ``protocol.keys.rotate``) names ``admin:<id>``, from the
    same IP the web edge put in the trail's context (``domain.trail.context``)."""
    assert roles and all(r in admins.ROLES for r in roles), roles

    def declare(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def as_admin(*args: Any, **kwargs: Any) -> Any:
            outer = trail_context.current()
            origin = trail_context.Origin(outer.ip if outer else None, f"admin:{g.admin.id}")
            with trail_context.origin_of(origin):
                return view(*args, **kwargs)

        setattr(as_admin, ROLES_ATTR, tuple(roles))
        return as_admin

    return declare


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """Declare the view open to anyone (the login pages)."""
    setattr(view, ROLES_ATTR, PUBLIC)
    return view


def declared_roles(endpoint: str) -> tuple[str, ...] | str | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, ROLES_ATTR, None)


def cookie_sid() -> str | None:
    return request.cookies.get(services().settings.admin.cookie_name)


def current() -> session.AdminSession | None:
    """This request's admin session (any stage), its account checked."""
    if "admin_session" in g:
        return g.admin_session
    s = session.load(cookie_sid())
    admin = admins.get_by_id(s.admin_id) if s else None
    if s is not None and (
        admin is None or not admin.active or (s.stage == session.FULL and not admin.totp_enrolled)
    ):
        session.end(s.sid)
        g.clear_admin_cookie = True
        s, admin = None, None
    g.admin_session = s
    g.admin = admin if s is not None and s.stage == session.FULL else None
    g.pending_admin = admin if s is not None and s.stage == session.SECOND else None
    return s


@bp.before_request
def check():
    roles = declared_roles(request.endpoint or "")
    if roles is None:
        abort(403)  # a route that declares no roles is open to no one
    s = current()
    if roles == PUBLIC:
        return None
    if s is None or g.admin is None:
        return redirect(url_for("admin.login", next=_local_next()))
    if g.admin.role not in roles:
        abort(403)
    session.touch(s)
    return None


@bp.after_request
def set_cookie(response):
    """The admin cookie: Path=/admin, HttpOnly, SameSite=Strict, Secure in production; a
    browser session cookie (the server decides the lifetime)."""
    settings = services().settings
    name = settings.admin.cookie_name
    if g.get("set_admin_cookie"):
        response.set_cookie(
            name,
            g.set_admin_cookie,
            path="/admin",
            httponly=True,
            samesite="Strict",
            secure=settings.production,
        )
    elif g.get("clear_admin_cookie"):
        response.delete_cookie(
            name, path="/admin", httponly=True, samesite="Strict", secure=settings.production
        )
    return response


def begin(s: session.AdminSession) -> None:
    g.admin_session = s
    g.set_admin_cookie = s.sid


def _local_next() -> str:
    return request.full_path.rstrip("?") if request.method == "GET" else url_for("admin.home")


def safe_next(target: str | None) -> str:
    """A page of the admin area to go back to, never elsewhere (no open redirect)."""
    parts = urlsplit(target or "")
    if (
        not target
        or parts.scheme
        or parts.netloc
        or "\\" in target
        or not (parts.path == "/admin" or parts.path.startswith("/admin/"))
    ):
        return url_for("admin.home")
    return target


def is_fresh() -> bool:
    s = g.get("admin_session")
    window = services().settings.admin.reauth_window
    return s is not None and services().now() - s.fresh < window


def fresh_required(back: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Ask for password + TOTP again before the view unless proven within the window. A GET
    comes back to itself afterwards; a POST to the page of endpoint ``back`` (its form)."""

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def run(*args: Any, **kwargs: Any) -> Any:
            if not is_fresh():
                target = (
                    request.full_path.rstrip("?")
                    if request.method == "GET"
                    else url_for(back or "admin.home")
                )
                return redirect(url_for("admin.reauth", next=target))
            return view(*args, **kwargs)

        return run

    return wrap
