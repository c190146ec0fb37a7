"""The personal center (P2): who am I, remembered consents, sign out, its login, and the
re-authentication that guards sensitive actions. The security settings and sessions are in
account_security.py, handler management and 变更为代理机构 in account_org.py (same blueprint).

Re-authentication (P2 "re-authentication and codes first"): the time the current password was
last entered is kept in the server-side store under ``reauth:<SSO session key>`` (not in the
signed browser cookie), so it ends with the session and cannot be replayed from a copied cookie.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..domain import consents, documents, passwords, profile
from ..domain.models.user import NATURAL
from ..services import services
from ..flows import account_events, policy
from ..protocol import logout
from . import signout
from .forms import ConfirmForm
from .login import login_page

bp = Blueprint("account", __name__)
USER_TYPES = {NATURAL: _l("自然人"), "legal": _l("法人"), "agency": _l("代理机构")}


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


@bp.get("/")
def home():
    return redirect(url_for(".index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    return login_page(".login")


@bp.get("/account")
def index():
    s, user = policy.current_user()
    if user is None:
        return redirect(url_for(".login"))
    rows = consents.list_for_user(user.id)
    org = profile.organisation_of(user)
    mobile = profile.current_mobile(user)
    return render_template("account/index.html", user=user, consents=rows, organisation=org,
                           phone=documents.mask_mobile(mobile) if mobile else "",
                           user_type=USER_TYPES.get(user.user_type, user.user_type),
                           address=(user.address or {}).get("formatted"),
                           form=ConfirmForm())


@bp.post("/account/consents/withdraw")
def withdraw_consent():
    s, user = policy.current_user()
    form = ConfirmForm()
    if user is None or not form.validate_on_submit():
        return redirect(url_for(".index"))
    client_id = (form.target.data or "")[:64]
    account_events.withdraw_consent(user, client_id)
    return redirect(url_for(".index"))


@bp.post("/logout/confirm")
def logout_confirm():
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("errors/page.html", title=_("无法完成退出"),
                               message=_("页面已过期，请重新操作。")), 400
    current = policy.current_session()
    if current is not None:
        logout.end_session(current.key, "user")
    g.clear_sso_cookie = True
    target = session.pop("logout_redirect", None)
    signout.forget_browser()
    if target:
        return redirect(target)
    return render_template("oidc/logged_out.html")


@bp.get("/logout/start")
def logout_start():
    """The personal center's own sign-out button leads to the confirmation page."""
    session.pop("logout_redirect", None)
    return render_template("oidc/logout_confirm.html", form=ConfirmForm(), client_name=None,
                           action=url_for(".logout_confirm"))


from . import account_legacy, account_org, account_security, account_sessions  # noqa: E402,F401
