"""人工申诉 pages (L10): open an appeal, then look up its status (P7 decides it later).

- ``/appeal``: the legacy account id, name, mobile with an SMS code (purpose "appeal": the code
  proves the mobile the office's result SMS goes to), optional email, what went wrong, and the
  PDFs. No JavaScript: the send-code button posts the whole form (``formaction``) and the page
  comes back with what was typed (files must be chosen again; browsers never refill them). A
  verified mobile stays verified in this browser's flow, so a refused form needs no new code.
- ``/appeal/status``: case number + mobile + captcha. A wrong number and a wrong mobile get the
  same answer; failures are counted per client IP in the store and lock it out for a while.
Uploaded files are never served back: no route here (or anywhere public) reads them.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from ...domain import purposes
from ...domain.legacy import appeals
from ...domain.organisations.registration import Upload
from ...services import services
from .. import code_flow, messages
from ..client_ip import client_ip
from ..login.captcha import captcha_ok, issue

bp = Blueprint("appeal", __name__, url_prefix="/appeal")
FLOW, DONE, PURPOSE = "appeal", "appeal_done", "appeal"
NOT_FOUND = _l("未找到该申诉：请核对受理编号和手机号码。")
TOO_MANY = _l("查询失败次数过多，请稍后再试。")


def _text(label, max_length, **render_kw):
    return StringField(label, validators=[Length(max=max_length)], render_kw=render_kw)


class AppealForm(FlaskForm):
    account = _text(_l("历史账号（商标网上申请系统用户名）"), 64, autocomplete="off")
    name = _text(_l("姓名或单位名称"), 200, autocomplete="name")
    phone = _text(_l("手机号码（接收处理结果短信）"), 20, type="tel", autocomplete="tel")
    sms_code = _text(_l("短信验证码"), 12, inputmode="numeric", autocomplete="one-time-code")
    email = _text(_l("电子邮箱（选填）"), 254, type="email", autocomplete="email")
    content = TextAreaField(_l("申诉内容（遇到的问题）"), validators=[Length(max=20000)])
    identity_proof = FileField(_l("身份证明文件（PDF，必填）"))
    other_proof = FileField(_l("其他证明材料（PDF，选填）"))
    submit = SubmitField(_l("提交申诉"))


class StatusForm(FlaskForm):
    case_number = _text(_l("受理编号"), 32, autocapitalize="characters", spellcheck="false")
    phone = _text(_l("手机号码"), 20, type="tel", autocomplete="tel")
    captcha = _text(_l("验证码"), 8, autocomplete="off", autocapitalize="characters")
    submit = SubmitField(_l("查询"))


def _render(form: AppealForm, errors: dict, notice: str | None = None):
    for name, field in form._fields.items():
        if field.errors and name not in errors:
            errors[name] = str(field.errors[0])
    if errors.pop("csrf_token", None):
        errors.setdefault("form", _("页面已过期，请重新提交。"))
    return render_template(
        "appeal/form.html",
        form=form,
        errors=errors,
        notice=notice,
        verified=code_flow.verified_shown(code_flow.flow(FLOW), form),
    )


def _upload(field) -> Upload | None:
    data = field.data
    if not data or not getattr(data, "filename", ""):
        return None
    return Upload(data.filename, data.read())


@bp.route("", methods=["GET", "POST"])
def open_appeal():
    form = AppealForm()
    if request.method == "GET" or not form.validate():
        return _render(form, {})
    flow = code_flow.flow(FLOW)
    verified = dict(flow["verified"])  # the mobile is proven once per flow (S7)
    errors = code_flow.check_codes(form, PURPOSE, flow["id"], verified, channels=("sms",))
    code_flow.save(FLOW, flow, verified=verified)
    try:
        appeal = appeals.open_appeal(
            account=form.account.data or "",
            name=form.name.data or "",
            phone=form.phone.data or "",
            email=form.email.data or None,
            content=form.content.data or "",
            identity_proof=_upload(form.identity_proof),
            other_proof=_upload(form.other_proof),
            phone_verified=not errors,
        )
    except appeals.AppealInvalid as exc:
        return _render(form, {**messages.each(exc.errors), **errors})
    session.pop(FLOW, None)
    session[DONE] = appeal.case_number
    return redirect(url_for(".done"))


@bp.post("/codes/sms")
def send_code():
    form = AppealForm()
    if code_flow.wants_json():  # forms.js: the chosen files stay on the page
        return code_flow.send_json("sms", form, PURPOSE, code_flow.flow(FLOW)["id"])
    if not form.validate():
        return _render(form, {})
    errors, notice = code_flow.send("sms", form, PURPOSE, code_flow.flow(FLOW)["id"])
    if notice:
        notice += _("（文件需在提交前重新选择。）")
    return _render(form, errors, notice)


@bp.get("/done")
def done():
    case_number = session.get(DONE)
    if not isinstance(case_number, str):
        return redirect(url_for(".open_appeal"))
    return render_template("appeal/done.html", case_number=case_number)


def _failures_key() -> str:
    return "appeal-status:ip:" + services().blind_index(client_ip(), purposes.THROTTLE)


@bp.route("/status", methods=["GET", "POST"])
def status():
    """Case number + mobile + captcha; one answer for every miss; per-IP failure limit."""
    form, errors, appeal = StatusForm(), {}, None
    settings, store = services().settings, services().store
    limit = settings.appeals.status_max_failures
    window = settings.appeals.status_window_seconds
    if request.method == "POST" and form.validate():
        if int(store.get(_failures_key()) or 0) >= limit:
            errors["form"] = str(TOO_MANY)
        elif not captcha_ok(form.captcha.data):
            errors["captcha"] = _("验证码错误，请重新输入。")
        else:
            appeal = appeals.lookup(form.case_number.data or "", form.phone.data or "")
            if appeal is None:
                store.incr(_failures_key(), window)
                errors["form"] = str(NOT_FOUND)
    form.captcha.data = None
    return render_template(
        "appeal/status.html",
        form=form,
        errors=errors,
        appeal=appeal,
        status_text=messages.appeal_status(appeal.status, appeal.reason) if appeal else None,
        captcha_url=None if appeal else issue(),
    )
