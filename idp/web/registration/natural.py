"""Registration pages (P1): choose the kind of user, register a natural person (S2, S3, S7, P4),
send the two verification codes, and show the user agreement.

Works without JavaScript: the send-code buttons and "更新地址选项" are submit buttons of the one
form (``formaction``), so each post carries everything typed and the page comes back with it
(passwords excepted). With forms.js the address selects fill as one chooses (``/divisions``)
and a send-code button gets the JSON answer of the same URL (``code_flow.send_json``). The codes are bound to a random flow id kept in the signed session cookie
(``code_flow.CookieState``), with digests of the destinations already verified in this flow (see
domain.accounts.registration).
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ...domain.accounts import agreement, registration
from ...domain.errors import DomainError
from ...domain.identity import documents
from .. import code_flow, messages
from . import return_to
from .forms import ChooseKindForm, PersonForm, address_options, person_application

bp = Blueprint("register", __name__)
FLOW, DONE = "register_person", "registered"


def _state() -> code_flow.CookieState:
    return code_flow.CookieState(FLOW)


@bp.route("/register", methods=["GET", "POST"])
def choose():
    if request.method == "GET" and request.args.get("iid"):
        return_to.remember(request.args.get("iid"))
    form = ChooseKindForm()
    if form.validate_on_submit():
        return redirect(NEXT[form.kind.data]())
    return render_template("register/choose.html", form=form)


NEXT = {
    "person": lambda: url_for(".person"),
    "legal": lambda: url_for("register_org.details", kind="legal"),
    "foreign": lambda: url_for("register_org.details", kind="foreign"),
    "agency": lambda: url_for("register_org.agency_notice"),
}


def _render(form: PersonForm, errors: dict, notice: str | None = None):
    address_options(form)
    for name, field in form._fields.items():
        if field.errors and name not in errors:
            errors[name] = str(field.errors[0])
    return render_template(
        "register/person.html",
        form=form,
        errors=errors,
        notice=notice,
        verified=code_flow.verified_shown(_state(), form),
        agreement_title=agreement.TITLE,
    )


@bp.route("/register/person", methods=["GET", "POST"])
def person():
    form, flow = PersonForm(), _state()
    if request.method == "GET" or not form.validate():
        return _render(form, {})
    if form.refresh.data:
        return _render(form, {}, _("地址选项已更新，请继续选择。"))
    verified, application = flow.verified, person_application(form)
    try:
        user = registration.register_natural_person(application, flow_id=flow.id, verified=verified)
    except DomainError as exc:  # Refused (S2), S3, the real-name service unavailable
        again = registration.registered_just_now(application, flow.id, verified)  # double submit
        if again is None:
            errors = (
                messages.each(exc.errors)
                if isinstance(exc, registration.Refused)
                else {"form": messages.message(exc)}
            )
        else:
            user, errors = again, None
    else:
        errors = None
    flow.save(verified=verified)  # codes that verified stay verified
    if errors is not None:
        return _render(form, errors)
    flow.clear()
    session[DONE] = {
        "phone": documents.mask_mobile(user.phone or ""),
        "id_number": user.id_number_masked,
        "name": user.name,
    }
    return redirect(url_for(".done"))


@bp.post("/register/codes/<channel>")
def send_code(channel: str):
    if channel not in code_flow.CODE_FIELDS:
        abort(404)
    form, flow = PersonForm(), _state()
    if code_flow.wants_json():  # forms.js: only the destination, the page stays
        return code_flow.send_json(channel, form, registration.PURPOSE, flow.id)
    if not form.validate():
        return _render(form, {})
    errors, notice = code_flow.send(channel, form, registration.PURPOSE, flow.id)
    return _render(form, errors, notice)


@bp.get("/register/done")
def done():
    info = session.pop(DONE, None)
    if not info:
        return redirect(url_for(".choose"))
    login_url, client_name = return_to.login_link()
    return render_template(
        "register/done.html", info=info, login_url=login_url, client_name=client_name
    )


@bp.get("/agreement")
def show_agreement():
    return render_template(
        agreement.template_name(), title=agreement.TITLE, version=agreement.current_version()
    )
