"""忘记密码 of an account of this system (issue 13): the start page ``/login/forgot`` (the view
``login.forgot`` renders ``start_page``) and the code step ``/login/forgot/reset``.

Two steps, no JavaScript, like the legacy reset (legacy_reset.py). The first asks, per entry,
for the account's identifier, the full destination of the code (a verified mobile or e-mail of
the account; for an organisation also a bound handler's mobile) and the captcha; whatever
matched, the next page says the same. What was typed is kept server-side, encrypted under a
random flow id (the signed cookie holds only that id). The second takes the code and the new
password; the reset ends every session and grant and tells the other contacts
(``account_events.password_reset``). A pending sign-in (``iid``) rides along, so the done page
leads back to it. The rules are in domain/accounts/reset.py.
"""

from __future__ import annotations

import json
import secrets

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from ...domain.accounts import reset as rules
from ...domain.crypto import DecryptionError
from ...domain.errors import DomainError
from ...flows import account_events, pending
from ...services import services
from .. import messages
from ..client_ip import client_ip
from .captcha import captcha_ok, issue

bp = Blueprint("password_reset", __name__)
FLOW = "password_reset_flow"
IDENTIFIERS = {
    "personal": _l("手机号码或证件号码"),
    "legal": _l("统一社会信用代码/组织机构代码"),
    "agency": _l("备案的统一社会信用代码"),
}


class RequestForm(FlaskForm):
    identifier = StringField(
        _l("手机号码或证件号码"),
        validators=[
            DataRequired(_l("请输入账号。")),
            Length(max=64, message=_l("账号不能超过 64 个字符。")),
        ],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "maxlength": 64},
    )
    contact = StringField(
        _l("接收验证码的手机号码或电子邮箱"),
        validators=[
            DataRequired(_l("请输入接收验证码的手机号码或电子邮箱。")),
            Length(max=254, message=_l("手机号码或电子邮箱不能超过 254 个字符。")),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "maxlength": 254},
    )
    captcha = StringField(
        _l("图形验证码"),
        validators=[Optional(), Length(max=8, message=_l("图形验证码错误，请重新输入。"))],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField(_l("获取验证码"))


class ResetForm(FlaskForm):
    code = StringField(
        _l("验证码"),
        validators=[
            DataRequired(_l("请输入验证码。")),
            Length(max=12, message=_l("验证码应为 6 位数字。")),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 12},
    )
    password = PasswordField(
        _l("新密码"),
        validators=[
            DataRequired(_l("请输入新密码。")),
            Length(max=128, message=_l("密码不能超过 128 个字符。")),
        ],
        render_kw={"autocomplete": "new-password", "maxlength": 128},
    )
    password_confirm = PasswordField(
        _l("确认新密码"),
        validators=[
            DataRequired(_l("请再次输入新密码。")),
            Length(max=128, message=_l("密码不能超过 128 个字符。")),
        ],
        render_kw={"autocomplete": "new-password", "maxlength": 128},
    )
    submit = SubmitField(_l("重置密码"))


def flow_key(flow: str) -> str:
    return f"password-reset:{flow}"


def _park(flow: str, typed: dict) -> None:
    svc = services()
    sealed = svc.cipher.encrypt(json.dumps(typed), flow_key(flow))
    svc.store.set(flow_key(flow), sealed, ttl=svc.settings.codes.ttl + 600)


def _parked(flow: str | None) -> dict | None:
    if not isinstance(flow, str):
        return None
    svc = services()
    sealed = svc.store.get(flow_key(flow))
    if sealed is None:
        return None
    try:
        return json.loads(svc.cipher.decrypt(sealed, flow_key(flow)))
    except (DecryptionError, ValueError):  # its key left the keyring: the flow has ended
        return None


def _sign_in(iid: str | None) -> str | None:
    """``iid`` when it names this browser's pending sign-in of a relying party, else None."""
    ia = pending.load(iid) if isinstance(iid, str) else None
    return ia.id if ia is not None and ia.has_request else None


def _login_url(entry: str, iid: str | None) -> str:
    query = {"entry": entry} if entry != "personal" else {}
    if _sign_in(iid):
        return url_for("interaction.login", iid=iid, **query)
    return url_for("account.login", **query)


def start_page(entry: str, entries: dict):
    """``/login/forgot``: the request of a code for the entry's accounts (and the way to the
    legacy reset, L8)."""
    iid = _sign_in(request.args.get("iid"))
    form = RequestForm()
    form.identifier.label.text = IDENTIFIERS[entry]
    if form.validate_on_submit():
        if captcha_ok(form.captcha.data):
            flow = secrets.token_urlsafe(16)
            rules.request_code(entry, form.identifier.data, form.contact.data, flow, client_ip())
            _park(
                flow,
                {
                    "entry": entry,
                    "iid": iid,
                    "identifier": form.identifier.data,
                    "contact": form.contact.data,
                },
            )
            session[FLOW] = flow
            return redirect(url_for("password_reset.reset_page"))
        form.captcha.errors = [_("图形验证码错误，请重新输入。")]
    form.captcha.data = None
    return render_template(
        "auth/forgot.html",
        form=form,
        entry=entry,
        entries=entries,
        iid=iid,
        captcha_url=issue(),
    )


@bp.route("/login/forgot/reset", methods=["GET", "POST"])
def reset_page():
    flow = session.get(FLOW)
    typed = _parked(flow)
    if typed is None:
        return redirect(url_for("login.forgot"))
    entry, iid = typed["entry"], typed.get("iid")
    form, error = ResetForm(), None
    if form.validate_on_submit():
        try:
            target = rules.reset(
                entry,
                typed["identifier"],
                typed["contact"],
                flow,
                form.code.data,
                form.password.data,
                form.password_confirm.data,
            )
        except DomainError as exc:
            field = getattr(form, exc.field or "", None)
            if field is not None and hasattr(field, "errors"):
                field.errors = [*field.errors, messages.message(exc)]
            else:
                error = messages.message(exc)
        else:
            account_events.password_reset(target)
            services().store.delete(flow_key(flow))
            session.pop(FLOW, None)
            return render_template(
                "auth/password_reset.html",
                step="done",
                entry=entry,
                login_url=_login_url(entry, iid),
            )
    return render_template(
        "auth/password_reset.html",
        step="reset",
        form=form,
        error=error,
        entry=entry,
        again=url_for("login.forgot", entry=entry if entry != "personal" else None, iid=iid),
    )
