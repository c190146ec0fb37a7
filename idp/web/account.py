"""The personal center (so far: who am I, remembered consents, sign out) and its login."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, session, url_for
from flask_babel import gettext as _

from ..domain import consents, documents
from ..flows import policy
from ..protocol import logout, tokens
from .forms import ConfirmForm
from .login import login_page

bp = Blueprint("account", __name__)


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
    return render_template("account/index.html", user=user, consents=rows,
                           phone=documents.mask_mobile(user.phone or ""),
                           form=ConfirmForm())


@bp.post("/account/consents/withdraw")
def withdraw_consent():
    s, user = policy.current_user()
    form = ConfirmForm()
    if user is None or not form.validate_on_submit():
        return redirect(url_for(".index"))
    client_id = (form.target.data or "")[:64]
    if consents.withdraw(user.id, client_id):
        tokens.revoke_for_user(user.id, client_id)
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
    if target:
        return redirect(target)
    return render_template("oidc/logged_out.html")


@bp.get("/logout/start")
def logout_start():
    """The personal center's own sign-out button leads to the confirmation page."""
    session.pop("logout_redirect", None)
    return render_template("oidc/logout_confirm.html", form=ConfirmForm(), client_name=None,
                           action=url_for(".logout_confirm"))
