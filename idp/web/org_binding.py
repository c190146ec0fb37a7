"""Step 2 of organisation registration: bind a handler (P3, Y2), then the done page (S4–S6).

Routes of the ``register_org`` blueprint (org_registration.py). The organisation is the one
created in this browser (its id in the signed session flow). 经办人已注册: the person is named by
mobile and document and confirms with the SMS code sent to their own mobile; the page answers
the same whether or not they match (domain/handler_confirmation.py; the flow keeps only the
random ticket). 经办人未注册: the new handler's mobile is proven by a code first (S7), then the
domain registers the real-name natural person and binds them.
"""
from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ..domain import handler_confirmation, handlers, registration
from ..domain.errors import DomainError
from ..domain.models import User
from ..domain.models.organisation import AGENCY
from ..domain.models.user import PENDING_REVIEW
from ..domain.verification import CodeRefused, normalise_destination
from ..extensions import db
from ..services import services
from . import messages
from . import org_forms as forms
from .client_ip import client_ip
from .org_registration import DONE, FLOW, HANDLER_PURPOSE, _flow, _org, _save, bp


def _page(org, mode: str, form, errors: dict, notice: str | None = None):
    for name, field in form._fields.items():
        if field.errors and name not in errors:
            errors[name] = str(field.errors[0])
    return render_template("register/org/handler.html", org=org, mode=mode, form=form,
                           errors=errors, notice=notice)


@bp.get("/handler")
def handler():
    flow = _flow()
    org = _org(flow)
    if org is None:
        return redirect(url_for("register.choose"))
    mode = "new" if request.args.get("mode") == "new" else "registered"
    form = forms.NewHandlerForm() if mode == "new" else forms.HandlerLookupForm()
    return _page(org, mode, form, {})


@bp.post("/handler/registered")
def handler_registered():
    flow, form = _flow(), forms.HandlerLookupForm()
    org = _org(flow)
    if org is None:
        return redirect(url_for("register.choose"))
    if not form.validate():
        return _page(org, "registered", form, {})
    try:
        if form.send.data:
            ticket = handler_confirmation.start(
                org, phone=form.phone.data or "", id_type=form.id_type.data or "",
                id_number=form.id_number.data or "", ip=client_ip())
            _save(flow, handler_ticket=ticket)
            return _page(org, "registered", form, {}, notice=_(
                "若信息正确，经办人将收到短信验证码，请经办人告知验证码后填写。"))
        binding = handler_confirmation.complete(org, flow.get("handler_ticket"),
                                                form.code.data or "")
    except CodeRefused as exc:
        return _page(org, "registered", form, {"code": messages.message(exc)})
    except DomainError as exc:  # format, limits; after the code: Y2, already bound
        field = "code" if form.confirm.data else forms.field_for(form, exc.field)
        return _page(org, "registered", form, {field: messages.message(exc)})
    return _finish(org, binding.handler)


@bp.post("/handler/new", endpoint="handler_new")
@bp.post("/handler/new/code", endpoint="handler_new_code")
def handler_new():
    flow, form = _flow(), forms.NewHandlerForm()
    org = _org(flow)
    if org is None:
        return redirect(url_for("register.choose"))
    if not form.validate():
        return _page(org, "new", form, {})
    codes = services().codes
    if request.endpoint.endswith("_code"):
        try:
            codes.send("sms", form.phone.data or "", HANDLER_PURPOSE, flow["id"],
                       client_ip())
        except DomainError as exc:
            return _page(org, "new", form, {forms.field_for(form, exc.field) if exc.field
                                             == "phone" else "sms_code": messages.message(exc)})
        return _page(org, "new", form, {}, _("短信验证码已发送至经办人手机。"))
    if form.password.data != form.password_confirm.data:
        return _page(org, "new", form, {"password_confirm": _("两次输入的密码不一致。")})
    try:
        key = registration.verified_key("sms", normalise_destination("sms", form.phone.data or ""))
        if flow["verified"].get("handler") != key:  # a proven mobile stays proven (S7)
            codes.verify("sms", form.phone.data or "", HANDLER_PURPOSE, flow["id"],
                         form.sms_code.data or "")
            flow = _save(flow, verified={**flow["verified"], "handler": key})
        binding = handlers.register_and_bind_handler(
            org, name=form.name.data or "", phone=form.phone.data or "",
            password=form.password.data or "", id_type=form.id_type.data or "",
            id_number=form.id_number.data or "", email=form.email.data or None)
    except CodeRefused as exc:
        return _page(org, "new", form, {"sms_code": messages.message(exc)})
    except DomainError as exc:  # real-name refusal, Y2, S3 (mobile or ID already registered)
        return _page(org, "new", form, {forms.field_for(form, exc.field): messages.message(exc)})
    return _finish(org, db.session.get(User, binding.handler_id))


def _finish(org, person: User | None):
    flow = session.pop(FLOW, None) or {}
    if flow.get("resume"):  # a legacy supplementation (S4–S6) continues on its own page
        return redirect(flow["resume"])
    # account_no: a foreign entity's login number, shown in full once, to its registrant (S5)
    session[DONE] = {"kind": org.kind, "foreign": bool(org.foreign), "name": org.name,
                     "uscc": org.uscc_masked, "pending": org.user.status == PENDING_REVIEW,
                     "account_no": org.account_no, "handler": person.name if person else None}
    return redirect(url_for(".done"))


@bp.get("/done")
def done():
    info = session.get(DONE)
    if not info:
        return redirect(url_for("register.choose"))
    return render_template("register/org/done.html", info=info, agency=info["kind"] == AGENCY)
