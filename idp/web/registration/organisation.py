"""Registering organisations (P1, S4 legal person, S5/D2 legal person without USCC, S6 agency
with Y1/Y2; P3 handler binding; S3/P4 refusals; S7 codes).

Step 1 creates the account (法人信息验证), so step 2 (org_binding.py) has an organisation to bind
a handler to. The multi-step state (``org_binding.state()``) lives in the signed session: a
random flow id (codes are bound to it), digests of the destinations already verified, and the
id of the organisation created in this browser. While that id is there, step 1 only leads on to step 2 (a refresh or "back" never
creates a second account; another browser meets the USCC's unique index, S3). No JavaScript:
send-code buttons post the whole form (``formaction``) and the page comes back with the data.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...domain.accounts import agreement
from ...domain.errors import DomainError, ValidationError
from ...domain.identity import documents
from ...domain.models import Organisation
from ...domain.organisations import registration as organisations
from .. import code_flow, messages
from . import org_binding
from . import org_forms as forms
from .org_binding import organisation, state

bp = Blueprint("register_org", __name__, url_prefix="/register/org")
PURPOSE = "register_org"  # the codes of step 1
FORMS = {"legal": forms.OrgForm, "agency": forms.OrgForm, "foreign": forms.ForeignForm}
CODE_FIELDS = code_flow.CODE_FIELDS
org_binding.register(bp)


def _render(kind: str, form, errors: dict, notice: str | None = None):
    for name, field in form._fields.items():
        if field.errors and name not in errors:
            errors[name] = str(field.errors[0])
    return render_template(
        "register/org/details.html",
        kind=kind,
        form=form,
        errors=errors,
        notice=notice,
        verified=code_flow.verified_shown(state(), form),
        agreement_title=agreement.TITLE,
    )


@bp.route("/agency/notice", methods=["GET", "POST"])
def agency_notice():
    """S6: the agency reads 用户信息完善提示 first and starts with 我已知悉，开始完善."""
    form = forms.NoticeForm()
    if form.validate_on_submit():
        state().save(notice=True)
        return redirect(url_for(".details", kind="agency"))
    return render_template("register/org/notice.html", form=form)


@bp.route("/<any(legal, agency, foreign):kind>", methods=["GET", "POST"])
def details(kind: str):
    flow = state()
    if organisation(flow) is not None:  # the account exists: on with the handler (refresh-safe)
        return redirect(url_for(".handler"))
    if kind == "agency" and not flow.get("notice"):
        return redirect(url_for(".agency_notice"))
    form = FORMS[kind]()
    if request.method == "GET" or not form.validate():
        return _render(kind, form, {})
    verified = flow.verified
    errors = {**code_flow.check_codes(form, PURPOSE, flow.id, verified), **precheck(kind, form)}
    org = None
    if not errors:
        try:
            org = _register(kind, form, verified)
        except DomainError as exc:  # ValidationError per field; S3, P4, Y1 on the USCC
            errors = {forms.field_for(form, exc.field): messages.message(exc)}
    flow.save(verified=verified)
    if org is None:
        return _render(kind, form, errors)
    flow.save(org=org.id, kind=kind, handler=None)
    return redirect(url_for(".handler"))


def precheck(kind: str, form) -> dict[str, str]:
    errors = {}
    if form.password.data != form.password_confirm.data:
        errors["password_confirm"] = _("两次输入的密码不一致。")
    if not form.agreed.data:
        errors["agreed"] = _("请阅读并同意《%(title)s》。", title=agreement.TITLE)
    try:
        forms.representative(form)
    except ValidationError as exc:
        errors[exc.field] = messages.message(exc)
    if "uscc" in form:
        try:
            documents.validate_uscc(form.uscc.data or "")
        except ValidationError as exc:
            errors["uscc"] = messages.message(exc)
    return errors


def _register(kind: str, form, verified: dict) -> Organisation:
    register = {
        "legal": organisations.register_legal_person,
        "agency": organisations.register_agency,
        "foreign": organisations.register_foreign_legal_person,
    }[kind]
    return register(**forms.organisation_data(kind, form))


@bp.post("/<any(legal, agency, foreign):kind>/codes/<any(sms, mail):channel>")
def send_code(kind: str, channel: str):
    flow = state()
    if organisation(flow) is not None:
        return redirect(url_for(".handler"))
    form = FORMS[kind]()
    if code_flow.wants_json():  # forms.js: the chosen files stay on the page
        return code_flow.send_json(channel, form, PURPOSE, flow.id)
    if not form.validate() or CODE_FIELDS[channel][0] not in form:
        return _render(kind, form, {})
    errors, notice = code_flow.send(channel, form, PURPOSE, flow.id)
    if notice and kind == "foreign":
        notice += _("（文件需在提交前重新选择。）")
    return _render(kind, form, errors, notice)
