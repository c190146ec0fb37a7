"""Supplementation pages (信息补录, S1–S3, S7, S8): the ``supplement`` interaction step and one
page per kind of legacy account (``PAGES``: natural persons here; legal persons and agencies in
supplement_org.py, S4–S6).

The natural person's page is the registration form (S2) prefilled from the legacy account (S1),
with a progress indicator; like registration it works without JavaScript (send-code and
"更新地址选项" are submit buttons of the one form). Every POST parks the typed data in the
sign-in record (server side, sealed, never passwords or codes) so a refresh or the back button
shows it again. Codes are bound to the supplementation's flow id; a destination once proven
stays proven. On completion the account and the link are one commit
(``domain.legacy.supplement``), the supplementation is marked done, and the pending sign-in
continues (consent, then back to the subsystem) — or, without one, the login page lists the
identifiers to use from now on (S8). A second submit of a done supplementation just continues.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...domain.accounts import agreement, registration
from ...domain.errors import Conflict, DomainError
from ...domain.legacy import supplement as domain
from ...domain.legacy.identity import IdentityMismatch
from ...domain.models import LegacyAccount
from ...flows import pending, policy, supplement
from .. import code_flow, messages
from ..forms import ConfirmForm
from ..registration.forms import PersonForm, address_options, person_application
from . import organisation as supplement_org
from .flow import RecordState, bp, continue_sign_in, load

__all__ = ["bp"]


@bp.get("/interaction/<iid>/supplement")
def step(iid):
    """The interaction step: continue this request's supplementation on its page."""
    ia = pending.load(iid)
    if ia is None or not ia.has_request:
        abort(404, description="interaction.expired")
    flow = supplement.pending_for(ia)
    if flow is None:
        return policy.proceed(ia)
    if flow.id != ia.id:  # begun in another sign-in of this browser: it continues in this one
        flow = supplement.attach(flow, ia)
    return redirect(url_for(".page", sid=flow.id))


@bp.route("/supplement/<sid>", methods=["GET", "POST"])
def page(sid):
    if supplement.load(sid) is None and policy.current_user()[1] is not None:
        return redirect(url_for("account.index"))  # e.g. its sign-in already went back (S8)
    flow, account = load(sid)
    if flow.done:
        return continue_sign_in(flow, account)
    return PAGES[flow.kind](flow, account)  # every kind has its page (flows.supplement.KIND_OF)


@bp.post("/supplement/<sid>/cancel")
def cancel(sid):
    """Give up this legacy login (e.g. to use another account): the sign-in starts again."""
    flow, _account = load(sid)
    if not ConfirmForm().validate():
        abort(400)
    supplement.finish(flow)
    if flow.request is None:
        return redirect(url_for("account.login", method="legacy"))
    return policy.proceed(flow.request)


def _render(
    flow, account, form: PersonForm, errors: dict, notice: str | None = None, appeal: bool = False
):
    address_options(form)
    for name, field in form._fields.items():
        if field.errors and name not in errors:
            errors[name] = str(field.errors[0])
    return render_template(
        "supplement/natural.html",
        form=form,
        errors=errors,
        notice=notice,
        flow=flow,
        account=account,
        cancel_form=ConfirmForm(),
        appeal=appeal,
        verified=code_flow.verified_shown(RecordState(flow), form),
        agreement_title=agreement.TITLE,
    )


def natural(flow: supplement.Supplement, account: LegacyAccount):
    """S2 for natural persons and simple users."""
    if request.method == "GET":
        return _render(
            flow, account, PersonForm(data=flow.data.get("fields") or domain.prefill(account)), {}
        )
    form = PersonForm()
    if not form.validate():
        return _render(flow, account, form, {})
    code_flow.park(RecordState(flow), form)
    if form.refresh.data:
        return _render(flow, account, form, {}, _("地址选项已更新，请继续选择。"))
    verified, appeal = dict(flow.verified), False
    try:
        user = domain.complete_natural(account, person_application(form), flow.flow_id, verified)
    except registration.Refused as exc:
        errors = messages.each(exc.errors)
    except IdentityMismatch as exc:  # S2: not the legacy account's person
        errors, appeal = {"form": messages.message(exc)}, True
    except Conflict as exc:
        again = supplement.load(flow.id)
        if again is not None and again.done:  # the same flow completed in a parallel submit
            return continue_sign_in(again, account)
        user = domain.completed_in_parallel(account, form.phone.data or "", verified)
        if user is not None:  # ... and committed, but had not yet marked the flow done
            supplement.mark_done(flow, user.id)
            return continue_sign_in(flow, account)
        errors = {"form": messages.message(exc)}
    except DomainError as exc:  # L2/L4 now, real-name service unavailable
        errors = {"form": messages.message(exc)}
    else:
        errors = None
    flow.verified = verified  # codes that verified stay verified
    supplement.save(flow)
    if errors is None:
        supplement.mark_done(flow, user.id)
        return continue_sign_in(flow, account)
    return _render(flow, account, form, errors, appeal=appeal)


@bp.post("/supplement/<sid>/codes/<channel>")
def send_code(sid, channel):
    flow, account = load(sid)
    if channel not in code_flow.CODE_FIELDS or flow.done or flow.kind != "natural":
        abort(404)
    form = PersonForm()
    if code_flow.wants_json():  # forms.js: only the destination, nothing to park
        return code_flow.send_json(channel, form, domain.PURPOSE, flow.flow_id)
    if not form.validate():
        return _render(flow, account, form, {})
    code_flow.park(RecordState(flow), form)
    errors, notice = code_flow.send(channel, form, domain.PURPOSE, flow.flow_id)
    return _render(flow, account, form, errors, notice)


PAGES = {"natural": natural, "legal": supplement_org.org_page, "agency": supplement_org.org_page}
