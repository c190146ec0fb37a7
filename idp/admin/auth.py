"""Admin login (issue 12): username + password, then a TOTP code; the first login after
``idp admin create`` or ``reset-totp`` enrols the authenticator instead (QR code rendered here
as inline SVG, the secret also as text for screen readers and manual entry, confirmed by one
code) and sets a new password: the initial one is one-time (audited ``admin.password_change``,
reason ``enrolment``). Re-authentication for sensitive actions, and sign-out.

An unknown username, a disabled account and a wrong password get the same answer and cost the
same (one argon2id verification). Wrong passwords and wrong codes are throttled (``throttle``).
"""

from __future__ import annotations

import segno
from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from ..domain.admins import accounts as admins
from ..domain.admins import totp
from ..domain.errors import DomainError
from . import guard, session
from . import throttle as admin_throttle
from .audit import admin_audit
from .blueprint import bp
from .forms import CodeForm, EnrolForm, LoginForm, ReauthForm
from .words import message


def _ip() -> str:
    return request.remote_addr or "unknown"


def _locked_message(wait: int) -> str:
    return _("尝试次数过多，请 %(minutes)s 分钟后再试。", minutes=max(1, -(-wait // 60)))


def locked(username: str) -> str | None:
    """The words of a lock of this (username, client IP), or None: the pages that check a
    password or a code (login, code, re-authentication, password change) ask first."""
    wait = admin_throttle.limiter().locked_for(admin_throttle.key(username), _ip())
    if not wait:
        return None
    admin_audit("admin.lockout", username=admins.normalise_username(username), result="refused")
    return _locked_message(wait)


def failed(username: str, event: str) -> None:
    """Count a wrong password or code against this (username, client IP) and audit it."""
    admin_throttle.limiter().failure(admin_throttle.key(username), _ip())
    admin_audit(event, username=admins.normalise_username(username), result="failure")


@bp.route("/login", methods=["GET", "POST"])
@guard.public
def login():
    next_page = guard.safe_next(request.args.get("next"))
    if g.get("admin") is not None:
        return redirect(next_page)
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        username = form.username.data or ""
        error = locked(username)
        if error is None:
            admin = admins.get(username)
            if admins.check_password(admin, form.password.data or ""):
                assert admin is not None
                old = g.get("admin_session")
                if old is not None:
                    session.end(old.sid)
                guard.begin(session.start(admin.id, session.SECOND))
                return redirect(url_for("admin.second_factor", next=next_page))
            failed(username, "admin.login")
            error = _("用户名或密码不正确。")
    status = 200 if error is None and not form.errors else 400
    return render_template("admin/login.html", form=form, error=error), status


def _qr_svg(uri: str) -> Markup:
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704  (segno's own markup of our own otpauth URI)


@bp.route("/login/code", methods=["GET", "POST"])
@guard.public
def second_factor():
    """The TOTP code of a login whose password was right, or the enrolment of the first one."""
    admin = g.get("pending_admin")
    if admin is None:
        return redirect(url_for("admin.login"))
    s = g.admin_session
    next_page = guard.safe_next(request.args.get("next"))
    enrolling = not admin.totp_enrolled
    form = EnrolForm() if enrolling else CodeForm()
    error = None
    if form.validate_on_submit():
        error = locked(admin.username)
        new_password = (form.new_password.data or "") if isinstance(form, EnrolForm) else None
        if error is None and new_password is not None:
            try:  # before the code: a refused password must not spend it
                admins.check_new_password(admin, new_password)
            except DomainError as exc:
                form.new_password.errors = [message(exc)]
        if error is None and not form.errors:
            proven = (totp.confirm_enrolment if enrolling else totp.use_code)(
                admin, form.code.data or ""
            )
            if proven:
                admin_throttle.limiter().success(admin_throttle.key(admin.username), _ip())
                guard.begin(session.promote(s))
                g.admin = admin
                admin_audit(
                    "admin.enrol_totp" if enrolling else "admin.login",
                    username=admin.username,
                    result="success",
                )
                if new_password is not None:
                    admins.change_password(admin, new_password)
                    admin_audit(
                        "admin.password_change",
                        username=admin.username,
                        reason="enrolment",
                        result="success",
                    )
                return redirect(next_page)
            failed(admin.username, "admin.login_totp")
            error = _("动态验证码不正确或已使用过，请输入身份验证器上新的验证码。")
    status = 200 if error is None and not form.errors else 400
    if enrolling:
        secret = totp.begin_enrolment(admin)
        uri = totp.provisioning_uri(admin, secret)
        grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        page = render_template(
            "admin/enrol.html", form=form, error=error, qr=_qr_svg(uri), secret=grouped
        )
        return page, status
    return render_template("admin/code.html", form=form, error=error), status


@bp.route("/reauth", methods=["GET", "POST"])
@guard.requires(*admins.ROLES)
def reauth():
    """Password and TOTP again before a sensitive action (``guard.fresh_required``)."""
    admin = g.admin
    next_page = guard.safe_next(request.args.get("next"))
    form = ReauthForm()
    error = None
    if form.validate_on_submit():
        error = locked(admin.username)
        if error is None:
            password_ok = admins.check_password(admin, form.password.data or "")
            if password_ok and totp.use_code(admin, form.code.data or ""):
                admin_throttle.limiter().success(admin_throttle.key(admin.username), _ip())
                session.refresh(g.admin_session)
                admin_audit("admin.reauth", result="success")
                return redirect(next_page)
            failed(admin.username, "admin.reauth")
            error = _("密码或动态验证码不正确。")
    status = 200 if error is None and not form.errors else 400
    return render_template("admin/reauth.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@guard.public
def logout():
    s = g.get("admin_session")
    if s is not None:
        admin_audit("admin.logout", result="success")
        session.end(s.sid)
    g.clear_admin_cookie = True
    g.pop("set_admin_cookie", None)
    return redirect(url_for("admin.login"))
