"""Binding a handler to an organisation (P3, Y2): the pages 经办人已注册 / 经办人未注册, shared by
organisation registration (step 2, org_binding.py) and the supplementation of a legacy legal
person or agency (a step of its sign-in record, supplement_org.py).

经办人已注册: the person is named by mobile and document and confirms with the SMS code sent to
their own mobile; the page answers the same whether or not they match
(domain/organisations/handler_confirmation.py; the state keeps only the random ticket). 经办人未注册: the new
handler's mobile is proven by a code first (S7), then the domain registers the real-name natural
person and binds them. Each caller gives a ``Binding``: the organisation, its form state (the
flow id the codes are bound to, the ticket, the proven mobile), its pages' URLs and what
follows the binding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...domain.accounts import registration
from ...domain.errors import DomainError
from ...domain.models import Organisation, User
from ...domain.organisations import handler_confirmation, handlers
from ...domain.verification.codes import CodeRefused, normalise_destination
from ...extensions import db
from ...services import services
from .. import code_flow, messages
from ..client_ip import client_ip
from ..code_flow import FormState
from . import org_forms as forms

PURPOSE = "register_handler"  # the codes proving a new handler's mobile
URL_NAMES = ("page", "page_new", "registered", "new", "new_code")


@dataclass
class Binding:
    org: Organisation
    state: FormState
    urls: dict[str, str]  # URL_NAMES -> the caller's URL
    done: Callable[[Organisation, User | None], Response]
    steps: str = "register"  # whose steps the page shows: "register" or "supplement"


def _page(b: Binding, mode: str, form, errors: dict, notice: str | None = None):
    for name, field in form._fields.items():
        if field.errors and name not in errors:
            errors[name] = str(field.errors[0])
    return render_template(
        "register/org/handler.html",
        org=b.org,
        mode=mode,
        form=form,
        errors=errors,
        notice=notice,
        urls=b.urls,
        steps=b.steps,
    )


def show(b: Binding):
    mode = "new" if request.args.get("mode") == "new" else "registered"
    form = forms.NewHandlerForm() if mode == "new" else forms.HandlerLookupForm()
    return _page(b, mode, form, {})


def registered(b: Binding):
    form = forms.HandlerLookupForm()
    if not form.validate():
        return _page(b, "registered", form, {})
    try:
        if form.send.data:
            ticket = handler_confirmation.start(
                b.org,
                phone=form.phone.data or "",
                id_type=form.id_type.data or "",
                id_number=form.id_number.data or "",
                ip=client_ip(),
            )
            b.state.save(handler_ticket=ticket)
            return _page(
                b,
                "registered",
                form,
                {},
                notice=_("若信息正确，经办人将收到短信验证码，请经办人告知验证码后填写。"),
            )
        binding = handler_confirmation.complete(
            b.org, b.state.get("handler_ticket"), form.code.data or ""
        )
    except CodeRefused as exc:
        return _page(b, "registered", form, {"code": messages.message(exc)})
    except DomainError as exc:  # format, limits; after the code: Y2, already bound
        field = "code" if form.confirm.data else forms.field_for(form, exc.field)
        return _page(b, "registered", form, {field: messages.message(exc)})
    return b.done(b.org, binding.handler)


def new(b: Binding, send_code: bool):
    form = forms.NewHandlerForm()
    if send_code and code_flow.wants_json():  # forms.js: the typed passwords stay
        return _send_json(b, form)
    if not form.validate():
        return _page(b, "new", form, {})
    codes = services().codes
    if send_code:
        try:
            codes.send(
                "sms",
                form.phone.data or "",
                PURPOSE,
                b.state.id,
                client_ip(),
                template="new_handler",
                params={"organisation": b.org.name},
            )
        except DomainError as exc:
            return _page(
                b,
                "new",
                form,
                {
                    forms.field_for(form, exc.field)
                    if exc.field == "phone"
                    else "sms_code": messages.message(exc)
                },
            )
        return _page(b, "new", form, {}, _("短信验证码已发送至经办人手机。"))
    if form.password.data != form.password_confirm.data:
        return _page(b, "new", form, {"password_confirm": _("两次输入的密码不一致。")})
    try:
        key = registration.verified_key("sms", normalise_destination("sms", form.phone.data or ""))
        if b.state.verified.get("handler") != key:  # a proven mobile stays proven (S7)
            codes.verify(
                "sms", form.phone.data or "", PURPOSE, b.state.id, form.sms_code.data or ""
            )
            b.state.save(verified={**b.state.verified, "handler": key})
        binding = handlers.register_and_bind_handler(
            b.org,
            name=form.name.data or "",
            phone=form.phone.data or "",
            password=form.password.data or "",
            id_type=form.id_type.data or "",
            id_number=form.id_number.data or "",
            email=form.email.data or None,
        )
    except CodeRefused as exc:
        return _page(b, "new", form, {"sms_code": messages.message(exc)})
    except DomainError as exc:  # real-name refusal, Y2, S3 (mobile or ID already registered)
        return _page(b, "new", form, {forms.field_for(form, exc.field): messages.message(exc)})
    return b.done(b.org, db.session.get(User, binding.handler_id))


def _send_json(b: Binding, form):
    """The new handler's code for forms.js: the same send and words as the page, as JSON."""
    if not form.phone.validate(form):
        return code_flow.refused("phone", str(form.phone.errors[0]))
    try:
        services().codes.send("sms", form.phone.data or "", PURPOSE, b.state.id, client_ip())
    except DomainError as exc:
        return code_flow.refused("phone" if exc.field == "phone" else "sms_code", exc=exc)
    return code_flow.sent(_("短信验证码已发送至经办人手机。"), "sms_code")
