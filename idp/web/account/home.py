"""The personal center (P2): who am I, remembered consents, sign out, and its login. The
security settings are in account_security.py, the sessions in account_sessions.py, handler
management and 变更为代理机构 in account_org.py, legacy links in account_legacy.py: the same
blueprint, with its guards, from account_guard.py. Importing this module registers them all.
"""

from __future__ import annotations

from flask import g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...domain.accounts import profile
from ...domain.clients import consents
from ...domain.identity import documents
from ...domain.models.user import NATURAL
from ...domain.organisations import handlers
from ...flows import account_events, policy
from ...protocol import logout
from ..forms import ConfirmForm
from ..login import signout
from ..login.page import login_page

# the other pages of the center join the blueprint when imported
from . import legacy as account_legacy  # noqa: F401
from . import organisation as account_org  # noqa: F401
from . import realname as account_realname  # noqa: F401
from . import security as account_security  # noqa: F401
from . import sessions as account_sessions  # noqa: F401
from .guard import bp

USER_TYPES = {NATURAL: _l("自然人"), "legal": _l("法人"), "agency": _l("代理机构")}


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
    acting = handlers.organisations_for_handler(user) if user.user_type == NATURAL else []
    return render_template(
        "account/index.html",
        user=user,
        consents=rows,
        organisation=org,
        phone=documents.mask_mobile(mobile) if mobile else "",
        user_type=USER_TYPES.get(user.user_type, user.user_type),
        address=(user.address or {}).get("formatted"),
        acting=acting,
        form=ConfirmForm(),
    )


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
        return render_template(
            "errors/page.html", title=_("无法完成退出"), message=_("页面已过期，请重新操作。")
        ), 400
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
    return render_template(
        "oidc/logout_confirm.html",
        form=ConfirmForm(),
        client_name=None,
        action=url_for(".logout_confirm"),
    )
