"""忘记密码 → 历史账号 (L8): reset a legacy account's password through its stored contact.

Two steps, no JavaScript. ``/login/forgot/legacy`` asks for the legacy account, the mobile
number or email stored on it and the captcha; whatever the answer, the next page says the same
"if the information matches, a code was sent" (L8: nothing tells which part was wrong). What was
typed is kept server-side under a random flow id (the signed cookie holds only that id), so the
second step, ``/login/forgot/legacy/reset`` (code + new password), checks the same binding.
The rules are in domain/legacy/reset.py.
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

from ...domain.errors import DomainError
from ...domain.legacy import reset as legacy_reset
from ...flows import account_events
from ...services import services
from .. import messages
from ..client_ip import client_ip
from .captcha import captcha_ok, issue
from .page import ENTRIES

bp = Blueprint("legacy_password", __name__)
FLOW = "legacy_reset_flow"
LABELS = {
    "personal": _l("历史账号"),
    "legal": _l("历史账号或注册时填写的统一社会信用代码"),
    "agency": _l("历史账号或备案的统一社会信用代码"),
}


class RequestForm(FlaskForm):
    identifier = StringField(
        _l("历史账号"),
        validators=[DataRequired(_l("请输入历史账号。")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "maxlength": 64},
    )
    contact = StringField(
        _l("历史账号留存的手机号码或电子邮箱"),
        validators=[DataRequired(_l("请输入历史账号留存的手机号码或电子邮箱。")), Length(max=254)],
        render_kw={"autocomplete": "off", "maxlength": 254},
    )
    captcha = StringField(
        _l("验证码"),
        validators=[Optional(), Length(max=8)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField(_l("获取验证码"))


class ResetForm(FlaskForm):
    code = StringField(
        _l("验证码"),
        validators=[DataRequired(_l("请输入验证码。")), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    password = PasswordField(
        _l("新密码"),
        validators=[DataRequired(_l("请输入新密码。")), Length(max=128)],
        render_kw={"autocomplete": "new-password"},
    )
    password_confirm = PasswordField(
        _l("确认新密码"),
        validators=[DataRequired(_l("请再次输入新密码。")), Length(max=128)],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("重置历史账号密码"))


def flow_key(flow: str) -> str:
    return f"legacy-reset:{flow}"


def _ttl() -> int:
    return services().settings.codes.ttl + 600


@bp.route("/login/forgot/legacy", methods=["GET", "POST"])
def start():
    entry = request.args.get("entry", "personal")
    entry = entry if entry in ENTRIES else "personal"
    form = RequestForm()
    form.identifier.label.text = LABELS[entry]
    if form.validate_on_submit():
        if captcha_ok(form.captcha.data):
            flow = secrets.token_urlsafe(16)
            legacy_reset.send_code(
                entry, form.identifier.data, form.contact.data, flow, client_ip()
            )
            services().store.set(
                flow_key(flow),
                json.dumps(
                    {
                        "entry": entry,
                        "identifier": form.identifier.data,
                        "contact": form.contact.data,
                    }
                ),
                ttl=_ttl(),
            )
            session[FLOW] = flow
            return redirect(url_for(".reset"))
        form.captcha.errors = [_("验证码错误，请重新输入。")]
    form.captcha.data = None
    return render_template(
        "auth/legacy_reset.html",
        step="start",
        form=form,
        entry=entry,
        entries=ENTRIES,
        captcha_url=issue(),
    )


@bp.route("/login/forgot/legacy/reset", methods=["GET", "POST"])
def reset():
    flow = session.get(FLOW)
    raw = services().store.get(flow_key(flow)) if flow else None
    if raw is None:
        return redirect(url_for(".start"))
    typed = json.loads(raw)
    form, error = ResetForm(), None
    if form.validate_on_submit():
        try:
            account = legacy_reset.reset(
                typed["entry"],
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
            if account.linked:  # the user's password changed: every session and token ends
                account_events.legacy_password_reset(
                    account.user_id, legacy_reset.stored_contact(account, typed["contact"])
                )
            services().store.delete(flow_key(flow))
            session.pop(FLOW, None)
            return render_template(
                "auth/legacy_reset.html",
                step="done",
                entry=typed["entry"],
                entries=ENTRIES,
                linked=account.linked,
            )
    return render_template(
        "auth/legacy_reset.html",
        step="reset",
        form=form,
        error=error,
        entry=typed["entry"],
        entries=ENTRIES,
    )
