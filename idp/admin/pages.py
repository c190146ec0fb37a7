"""The admin home (what the role may do) and "my account" (change one's own password: the
current password and a TOTP code prove it is the admin)."""

from __future__ import annotations

from flask import g, redirect, render_template, url_for
from flask_babel import gettext as _

from ..domain.admins import accounts as admins
from ..domain.admins import totp
from ..domain.errors import DomainError
from . import auth, guard
from .audit import admin_audit
from .blueprint import bp
from .forms import ROLE_LABELS, PasswordChangeForm
from .words import message


@bp.route("/", methods=["GET"])
@guard.requires(*admins.ROLES)
def home():
    return render_template("admin/home.html", role_label=ROLE_LABELS[g.admin.role])


@bp.route("/account", methods=["GET", "POST"])
@guard.requires(*admins.ROLES)
def account():
    admin = g.admin
    form = PasswordChangeForm()
    error = notice = None
    if form.validate_on_submit():
        error = auth.locked(admin.username)
        if error is None and not (
            admins.check_password(admin, form.current_password.data or "")
            and totp.use_code(admin, form.code.data or "")
        ):
            auth.failed(admin.username, "admin.password_change")
            error = _("当前密码或动态验证码不正确。")
        elif error is None:
            try:
                admins.change_password(admin, form.new_password.data or "")
            except DomainError as exc:
                form.new_password.errors = [message(exc)]
            else:
                admin_audit("admin.password_change", result="success")
                return redirect(url_for("admin.account", done=1))
    status = 200 if error is None and not form.errors else 400
    return render_template(
        "admin/account.html",
        form=form,
        error=error,
        notice=notice,
        role_label=ROLE_LABELS[admin.role],
    ), status
