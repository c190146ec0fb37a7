"""What every page of the personal center (P2) stands on: its blueprint, and the guards of its
views: ``signed_in`` (an SSO session, else the center's login) and ``sensitive`` (the password
entered within ``account.reauth_window``, else the re-authentication page).

Re-authentication (P2 "re-authentication and codes first"): the time the current password was
last entered is kept in the server-side store under ``reauth:<SSO session key>`` (not in the
signed browser cookie), so it ends with the session and cannot be replayed from a copied cookie.
The views live in ``account`` (home, consents, sign-out), ``account_security``,
``account_sessions``, ``account_org`` and ``account_legacy``; each imports this module, none
imports another's blueprint.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, redirect, request, url_for

from ...domain.accounts import passwords
from ...flows import policy
from ...services import services

bp = Blueprint("account", __name__)


def _reauth_key(s) -> str:
    return f"reauth:{s.key}"


def reauth_fresh(s) -> bool:
    raw = services().store.get(_reauth_key(s))
    window = services().settings.account.reauth_window
    return raw is not None and services().clock.now() - float(raw) < window


def check_password_again(s, user, password: str) -> bool:
    """Verify the current password; on success remember the time for this SSO session."""
    if not passwords.verify(password or "", user.password_hash):
        return False
    window = services().settings.account.reauth_window
    services().store.set(_reauth_key(s), str(services().clock.now()), ttl=window + 60)
    return True


def sensitive(view=None, *, back: str | None = None):
    """Signed in, and the password entered within ``account.reauth_window`` (P2); otherwise to
    the re-authentication page, which comes back to ``back`` (a GET page) or this path."""

    def decorate(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            s, user = policy.current_user()
            if user is None:
                return redirect(url_for("account.login"))
            if not reauth_fresh(s):
                target = url_for(back) if back else request.path
                return redirect(url_for("account.reauth", next=target))
            return fn(s, user, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def signed_in(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        s, user = policy.current_user()
        if user is None:
            return redirect(url_for(".login"))
        return view(s, user, *args, **kwargs)

    return wrapper
