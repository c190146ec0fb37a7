"""Supplementation pages (信息补录, S1–S3, S7, S8): the ``supplement`` interaction step and one
page per kind of legacy account (``PAGES``: natural persons here; legal persons and agencies in
supplement_org.py, S4–S6).

The natural person's page is the registration form (S2) prefilled from the legacy account (S1),
with a progress indicator; like registration it works without JavaScript (send-code and
"更新地址选项" are submit buttons of the one form). Every POST parks the typed data in the flow
(server side, never passwords or codes) so a refresh or the back button shows it again. Codes
are bound to the flow's id; a destination once proven stays proven. On completion the account
and the link are one commit (``domain.supplement``), the flow is marked done, and the pending
sign-in continues (consent, then back to the subsystem) — or, without one, the login page lists
the identifiers to use from now on (S8). A second submit of a done flow just continues.
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ..domain import agreement, documents, registration
from ..domain import supplement as domain
from ..domain.errors import Conflict, DomainError
from ..domain.legacy_identity import IdentityMismatch
from ..domain.models import LegacyAccount, User
from ..extensions import db
from ..flows import pending, policy, supplement
from ..flows.steps import SupplementStep
from . import code_flow, messages
from .forms import ConfirmForm
from .login import SUPPLEMENTED
from .register_forms import PersonForm, address_options, person_application

bp = Blueprint("supplement", __name__)
EXPIRED = "supplement.expired"  # words: web/messages.py PAGES
UNPARKED = {"password", "password_confirm", "sms_code", "email_code", "csrf_token", "submit",
            "refresh"}

if all(step.name != SupplementStep.name for step in policy.STEPS):
    policy.insert_step(SupplementStep(), before="consent")


@bp.get("/interaction/<iid>/supplement")
def step(iid):
    """The interaction step: continue this request's supplementation on its page."""
    ia = pending.load(iid)
    if ia is None:
        abort(404, description="interaction.expired")
    flow = supplement.pending_for(ia)
    if flow is None:
        return policy.proceed(ia)
    if flow.interaction_id != ia.id or ia.data.get("supplement") != flow.id:
        supplement.attach(flow, ia)
    return redirect(url_for(".page", sid=flow.id))


def _load(sid: str) -> tuple[supplement.Supplement, LegacyAccount]:
    flow = supplement.load(sid)
    account = db.session.get(LegacyAccount, flow.legacy_id) if flow is not None else None
    if account is None:
        abort(404, description=EXPIRED)
    return flow, account


@bp.route("/supplement/<sid>", methods=["GET", "POST"])
def page(sid):
    flow, account = _load(sid)
    if flow.done:
        return _continue(flow, account)
    return PAGES[flow.kind](flow, account)  # every kind has its page (flows.supplement.KIND_OF)


@bp.post("/supplement/<sid>/cancel")
def cancel(sid):
    """Give up this legacy login (e.g. to use another account): the sign-in starts again."""
    flow, _account = _load(sid)
    if not ConfirmForm().validate():
        abort(400)
    supplement.finish(flow)
    ia = pending.load(flow.interaction_id) if flow.interaction_id else None
    if ia is None:
        return redirect(url_for("account.login", method="legacy"))
    ia.data.pop("supplement", None)
    pending.save(ia)
    return policy.proceed(ia)


def _continue(flow: supplement.Supplement, account: LegacyAccount):
    """S8: resume the pending sign-in as this user, or show the identifiers on the login page."""
    user = db.session.get(User, flow.user_id)
    ia = pending.load(flow.interaction_id) if flow.interaction_id else None
    if ia is not None and user is not None and user.active:
        if not (ia.login_done and ia.user_id == user.id):
            ia.data.pop("supplement", None)
            policy.complete_login(ia, user, amr=["pwd"])
        return policy.proceed(ia)
    if flow.interaction_id and user is not None and policy.current_user()[1] == user:
        return redirect(url_for("account.index"))  # its request already went back
    session[SUPPLEMENTED] = {"phone": documents.mask_mobile(user.phone or "") if user else "",
                             "id_number": user.id_number_masked if user else "",
                             "legacy_account": account.account}
    return redirect(url_for("account.login"))


def _park(flow: supplement.Supplement, form: PersonForm) -> None:
    flow.data = {name: field.data for name, field in form._fields.items()
                 if name not in UNPARKED}
    supplement.save(flow)


def _render(flow, account, form: PersonForm, errors: dict, notice: str | None = None,
            appeal: bool = False):
    address_options(form)
    for name, field in form._fields.items():
        if field.errors and name not in errors:
            errors[name] = str(field.errors[0])
    return render_template("supplement/natural.html", form=form, errors=errors, notice=notice,
                           flow=flow, account=account, cancel_form=ConfirmForm(), appeal=appeal,
                           verified=code_flow.verified_shown({"verified": flow.verified}, form),
                           agreement_title=agreement.TITLE)


def natural(flow: supplement.Supplement, account: LegacyAccount):
    """S2 for natural persons and simple users."""
    if request.method == "GET":
        return _render(flow, account, PersonForm(data=flow.data or domain.prefill(account)), {})
    form = PersonForm()
    if not form.validate():
        return _render(flow, account, form, {})
    _park(flow, form)
    if form.refresh.data:
        return _render(flow, account, form, {}, _("地址选项已更新，请继续选择。"))
    verified, appeal = dict(flow.verified), False
    try:
        user = domain.complete_natural(account, person_application(form), flow.id, verified)
    except registration.Refused as exc:
        errors = messages.each(exc.errors)
    except IdentityMismatch as exc:  # S2: not the legacy account's person
        errors, appeal = {"form": messages.message(exc)}, True
    except Conflict as exc:
        again = supplement.load(flow.id)
        if again is not None and again.done:  # the same flow completed in a parallel submit
            return _continue(again, account)
        user = domain.completed_in_parallel(account, form.phone.data or "", verified)
        if user is not None:  # ... and committed, but had not yet marked the flow done
            supplement.mark_done(flow, user.id)
            return _continue(flow, account)
        errors = {"form": messages.message(exc)}
    except DomainError as exc:  # L2/L4 now, real-name service unavailable
        errors = {"form": messages.message(exc)}
    else:
        errors = None
    flow.verified = verified  # codes that verified stay verified
    supplement.save(flow)
    if errors is None:
        supplement.mark_done(flow, user.id)
        return _continue(flow, account)
    return _render(flow, account, form, errors, appeal=appeal)


@bp.post("/supplement/<sid>/codes/<channel>")
def send_code(sid, channel):
    flow, account = _load(sid)
    if channel not in code_flow.CODE_FIELDS or flow.done or flow.kind != "natural":
        abort(404)
    form = PersonForm()
    if not form.validate():
        return _render(flow, account, form, {})
    _park(flow, form)
    errors, notice = code_flow.send(channel, form, domain.PURPOSE, flow.id)
    return _render(flow, account, form, errors, notice)


PAGES = {"natural": natural}

from . import supplement_org  # noqa: E402,F401  (legal persons and agencies fill PAGES)
