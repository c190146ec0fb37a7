"""经办人管理 (P3, Y2) and 变更为代理机构 (P6) of an organisation's personal center.

The organisation account itself (signed in with its USCC) manages its handlers: "handler
registered" (named by mobile and document; the page answers the same whether or not they
match, and only a match texts the handler a code naming the organisation:
handler_confirmation) or "handler not registered" (the new handler's mobile is proven by a code
first, S7, then the natural person is registered and bound); unbind. Every change asks for
re-authentication first (P2). Domain refusals are shown as messages; unbinding an id that is
nobody and one that is not this organisation's handler answer alike. When bindings end (unbind,
change to agency) the handlers' tokens and SSO sessions acting for the organisation end (R2).
"""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ...domain.accounts import profile, registration
from ...domain.errors import DomainError
from ...domain.identity import documents
from ...domain.models.organisation import AGENCY, LEGAL
from ...domain.organisations import handler_confirmation, handlers
from ...domain.verification.codes import CodeRefused, normalise_destination
from ...flows import account_events
from ...services import services
from .. import code_flow, messages
from ..client_ip import client_ip
from ..forms import ConfirmForm
from .forms import HandlerCodeForm, HandlerFindForm, HandlerRegisterForm
from .guard import bp, sensitive, signed_in
from .security import attach, attach_words, done

PENDING = "handler_ticket"  # handler_confirmation's random ticket, never a person
FLOW, PURPOSE = "center_handler_flow", "center_handler"  # codes proving a new handler's mobile


def _organisation(user):
    return profile.organisation_of(user)


def _handlers_page(org, find=None, code=None, register=None, error=None, notice=None):
    bindings = handlers.bindings_of(org)
    pending = isinstance(session.get(PENDING), str)
    return render_template(
        "account/handlers.html",
        organisation=org,
        bindings=bindings,
        pending=pending,
        mask=documents.mask_mobile,
        find=find or HandlerFindForm(formdata=None),
        code=code or HandlerCodeForm(formdata=None),
        unbind=ConfirmForm(formdata=None),
        register=register or HandlerRegisterForm(formdata=None),
        error=error,
        notice=notice,
        agency=org.kind == AGENCY,
    )


@bp.get("/account/handlers")
@signed_in
def handlers_page(s, user):
    org = _organisation(user)
    if org is None:
        return redirect(url_for(".index"))
    return _handlers_page(org)


@bp.post("/account/handlers/find")
@sensitive(back=".handlers_page")
def handler_find(s, user):
    org, form = _organisation(user), HandlerFindForm()
    if org is None:
        return redirect(url_for(".index"))
    error = notice = None
    if form.validate_on_submit():
        try:
            session[PENDING] = handler_confirmation.start(
                org,
                phone=form.phone.data,
                id_type=form.id_type.data,
                id_number=form.id_number.data,
                ip=client_ip(),
            )
        except DomainError as exc:  # the organisation, the format, a limit: never the person
            error = attach(form, exc)
        else:
            notice = _("若信息正确，经办人将收到短信验证码，请经办人告知验证码后输入。")
    return _handlers_page(org, find=form, error=error, notice=notice)


@bp.post("/account/handlers/confirm")
@sensitive(back=".handlers_page")
def handler_confirm(s, user):
    org, form = _organisation(user), HandlerCodeForm()
    if org is None or not isinstance(session.get(PENDING), str):
        return redirect(url_for(".handlers_page"))
    if form.validate_on_submit():
        try:
            handler_confirmation.complete(org, session[PENDING], form.code.data)
        except DomainError as exc:  # the one code refusal; after the code: Y2, already bound
            return _handlers_page(
                org, code=form, error=attach(form, DomainError(exc.code, "code", **exc.params))
            )
        session.pop(PENDING, None)
        return done(_("经办人已绑定。"), back=".handlers_page")
    return _handlers_page(org, code=form)


@bp.post("/account/handlers/register", endpoint="handler_register")
@bp.post("/account/handlers/register/code", endpoint="handler_register_code")
@sensitive(back=".handlers_page")
def handler_register(s, user):
    """P3 "handler not registered": the send button posts the whole form to ``/code``; the
    register button needs the code sent to the handler's mobile (S7), then registers and binds."""
    org, form = _organisation(user), HandlerRegisterForm()
    if org is None:
        return redirect(url_for(".index"))
    sending = request.endpoint.endswith("_code")
    if sending and code_flow.wants_json():  # forms.js: the typed password stays
        return code_flow.send_json("sms", form, PURPOSE, code_flow.flow(FLOW)["id"])
    if not form.validate_on_submit() and (
        not sending or form.csrf_token.errors or form.phone.errors
    ):
        return _handlers_page(org, register=form)
    flow = code_flow.flow(FLOW)
    if sending:
        for name in ("name", "id_type", "id_number", "email", "password", "sms_code"):
            form[name].errors = []  # only the mobile matters for sending; nothing else is lost
        errors, notice = code_flow.send(
            "sms",
            form,
            PURPOSE,
            flow["id"],
            template="new_handler",
            params={"organisation": org.name},
        )
        error = next((attach_words(form, f, m) for f, m in errors.items()), None)
        return _handlers_page(org, register=form, error=error, notice=notice)
    try:
        _prove_mobile(form, flow)
        handlers.register_and_bind_handler(
            org,
            name=form.name.data,
            phone=form.phone.data,
            password=form.password.data,
            id_type=form.id_type.data,
            id_number=form.id_number.data,
            email=form.email.data or None,
        )
    except CodeRefused as exc:
        return _handlers_page(
            org, register=form, error=attach(form, DomainError(exc.code, "sms_code", **exc.params))
        )
    except DomainError as exc:
        return _handlers_page(org, register=form, error=attach(form, exc))
    session.pop(FLOW, None)
    return done(
        _("经办人已注册并绑定。经办人可使用自己的手机号码或证件号码和密码登录。"),
        back=".handlers_page",
    )


def _prove_mobile(form, flow: dict) -> None:
    """S7: the code sent to this mobile in this flow; a mobile once proven stays proven, so a
    later refusal (real-name check, mobile taken) does not make the handler fetch a new code."""
    key = registration.verified_key("sms", normalise_destination("sms", form.phone.data))
    if flow["verified"].get("sms") == key:
        return
    if not (form.sms_code.data or "").strip():
        raise CodeRefused("code.handler_missing")
    services().codes.verify("sms", form.phone.data, PURPOSE, flow["id"], form.sms_code.data)
    code_flow.save(FLOW, flow, verified={**flow["verified"], "sms": key})


@bp.post("/account/handlers/unbind")
@sensitive(back=".handlers_page")
def handler_unbind(s, user):
    org, form = _organisation(user), ConfirmForm()
    if org is None or not form.validate_on_submit():
        return redirect(url_for(".handlers_page"))
    target = form.target.data or ""
    handler_id = int(target) if target.isdigit() and len(target) < 12 else 0  # 0 is nobody
    try:
        account_events.unbind_handler(org, handler_id)
    except DomainError as exc:
        return _handlers_page(org, error=messages.message(exc))
    return done(_("已解除该经办人的绑定。"), back=".handlers_page")


@bp.route("/account/agency", methods=["GET", "POST"])
@signed_in
def agency(s, user):
    org = _organisation(user)
    if org is None or org.kind != LEGAL:
        return redirect(url_for(".index"))
    if request.method == "POST":
        return _change_to_agency(org)
    return render_template("account/agency.html", form=ConfirmForm(), error=None)


@sensitive(back=".agency")
def _change_to_agency(s, user, org):
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template(
            "account/agency.html", form=form, error=_("页面已过期，请重新操作。")
        ), 400
    try:
        account_events.change_to_agency(org)
    except DomainError as exc:
        return render_template("account/agency.html", form=form, error=messages.message(exc))
    return done(
        _(
            "已变更为代理机构。原有经办人绑定已全部解除，请在“经办人管理”中重新绑定经办人"
            "（经办人须在商标代理从业人员备案名单中）；重新绑定前，经办人无法从代理机构入口登录。"
        ),
        back=".handlers_page",
    )
