"""Re-authentication, 账号安全设置 of the personal center (P2, S7) and 注销 (P4).

Every change asks for re-authentication first (account.sensitive) and codes go to the NEW
mobile or email; the OLD one, and the contacts after a password change, get a notice
(flows.account_events). A password change ends the user's other SSO sessions and revokes their
tokens; deactivation revokes every token and ends every session (back-channel notices,
logout.py).
"""

from __future__ import annotations

import secrets

from flask import g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ...domain import purposes
from ...domain.accounts import profile
from ...domain.errors import DomainError
from ...domain.identity import documents
from ...flows import account_events
from ...services import services
from .. import code_flow, messages
from ..client_ip import client_ip
from ..login import passwords as auth
from .forms import (
    CONFIRM_PHRASE,
    DeactivateForm,
    EmailForm,
    MobileForm,
    PasswordChangeForm,
    ReauthForm,
)
from .guard import bp, check_password_again, sensitive, signed_in

FLOW = "account_flow"


def attach(form, exc: DomainError) -> str | None:
    """Put a domain error next to its field; returns it when no field of the form matches."""
    return attach_words(form, exc.field, messages.message(exc))


def attach_words(form, name: str | None, words: str) -> str | None:
    """Put ``words`` next to the field ``name``; returns them when no field of the form
    matches."""
    field = getattr(form, name, None) if name else None
    if field is None or not hasattr(field, "errors"):
        return words
    field.errors = [*field.errors, words]
    return None


def flow_id() -> str:
    if FLOW not in session:
        session[FLOW] = secrets.token_hex(12)
    return session[FLOW]


def done(message: str, back: str = ".security"):
    return render_template("account/done.html", message=message, back=url_for(back))


def page(form, title, action, fields, **extra):
    return render_template(
        "account/form.html", form=form, title=title, action=action, fields=fields, **extra
    )


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/account/") and "//" not in value and "\\" not in value:
        return value
    return url_for(".security")


@bp.route("/account/reauth", methods=["GET", "POST"])
@signed_in
def reauth(s, user):
    form, error = ReauthForm(), None
    target = _safe_next(request.values.get("next"))
    if form.validate_on_submit():
        limiter, ip = auth.throttle(), client_ip()
        key = services().blind_index(f"reauth:{user.id}", purposes.THROTTLE)
        if not limiter.locked_for(key, ip) and check_password_again(s, user, form.password.data):
            limiter.success(key, ip)
            return redirect(target)
        limiter.failure(key, ip)
        form.password.errors = [_("密码错误，或尝试过多已被暂时锁定，请稍后再试。")]
    return page(
        form,
        _("验证身份"),
        url_for(".reauth", next=target),
        ["password"],
        intro=[_("为保护您的账号安全，进行敏感操作前请再次输入当前密码。")],
        error=error,
    )


@bp.get("/account/security")
@signed_in
def security(s, user):
    return render_template(
        "account/security.html",
        user=user,
        phone=documents.mask_mobile(profile.current_mobile(user) or ""),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@sensitive
def change_password(s, user):
    form, error = PasswordChangeForm(), None
    if form.validate_on_submit():
        try:
            account_events.change_password(
                user,
                form.current_password.data,
                form.password.data,
                form.password_confirm.data,
                keep_session=s.key,
            )
        except DomainError as exc:
            error = attach(form, exc)
        else:
            return done(_("密码已修改。您在其他设备上的登录已退出，各应用需要重新登录。"))
    return page(
        form,
        _("修改密码"),
        url_for(".change_password"),
        ["current_password", "password", "password_confirm"],
        error=error,
        intro=[_("8–64 位，包含大写字母、小写字母、数字、符号中的至少三类。")],
    )


def _code_change(form, title, endpoint, field, send, change, sent_to):
    """Shared by mobile and email: the send button mails a code to the new destination
    (answered in JSON to forms.js: ``_send_json``)."""
    error = notice = None
    if request.method == "POST" and form.send.data and code_flow.wants_json():
        return _send_json(form, field, send, sent_to)
    if form.validate_on_submit():
        try:
            if form.send.data:
                to = send(getattr(form, field).data, flow_id(), client_ip())
                notice = _("验证码已发送至 %(to)s，请查收。", to=sent_to(to))
            else:
                change(getattr(form, field).data, form.code.data, flow_id())
                return None
        except DomainError as exc:
            error = attach(form, exc)
    return page(
        form, title, url_for(endpoint), [field, "code"], error=error, notice=notice, send=True
    )


def _send_json(form, field, send, sent_to):
    """The send button of a mobile or e-mail change for forms.js: the words of the page."""
    destination = getattr(form, field)
    if not destination.validate(form):
        return code_flow.refused(field, str(destination.errors[0]))
    try:
        to = send(destination.data, flow_id(), client_ip())
    except DomainError as exc:
        return code_flow.refused(exc.field if exc.field == field else "code", exc=exc)
    return code_flow.sent(_("验证码已发送至 %(to)s，请查收。", to=sent_to(to)), "code")


@bp.route("/account/mobile", methods=["GET", "POST"])
@sensitive
def change_mobile(s, user):
    rendered = _code_change(
        MobileForm(),
        _("修改手机号码"),
        ".change_mobile",
        "phone",
        lambda to, flow, ip: profile.send_mobile_code(user, to, flow, ip),
        lambda to, code, flow: account_events.change_mobile(user, to, code, flow),
        documents.mask_mobile,
    )
    return rendered or done(_("手机号码已修改，请使用新手机号码登录。"))


@bp.route("/account/email", methods=["GET", "POST"])
@sensitive
def change_email(s, user):
    rendered = _code_change(
        EmailForm(),
        _("修改电子邮箱"),
        ".change_email",
        "email",
        lambda to, flow, ip: profile.send_email_code(user, to, flow, ip),
        lambda to, code, flow: account_events.change_email(user, to, code, flow),
        lambda to: to,
    )
    return rendered or done(_("电子邮箱已修改。"))


@bp.route("/account/deactivate", methods=["GET", "POST"])
@signed_in
def deactivate(s, user):
    form = DeactivateForm()
    if request.method == "POST":
        return _deactivate(form)
    return page(
        form, _("注销账号"), url_for(".deactivate"), ["phrase"], warning=_warning(), danger=True
    )


def _warning():
    return [
        _("请勿轻易注销您的账号。"),
        _(
            "账号注销后不可恢复：您曾经将注册的账号注销过，那么也无法根据证件信息再次注册和完善。"
            "同一证件号码或统一社会信用代码将永远不能再注册或补录。"
        ),
        _("注销后，您在各应用的登录将全部退出，授权将失效，个人信息将被清除。"),
        _("注销前需要再次验证当前密码，并输入“%(phrase)s”。", phrase=CONFIRM_PHRASE),
    ]


@sensitive(back=".deactivate")
def _deactivate(s, user, form):
    if form.validate_on_submit():
        if form.phrase.data.strip() == CONFIRM_PHRASE:
            account_events.deactivate(user)
            g.clear_sso_cookie = True
            return render_template(
                "account/done.html", back=url_for(".login"), message=_("您的账号已注销。")
            )
        form.phrase.errors = [_("请准确输入“%(phrase)s”。", phrase=CONFIRM_PHRASE)]
    return page(
        form, _("注销账号"), url_for(".deactivate"), ["phrase"], warning=_warning(), danger=True
    )
