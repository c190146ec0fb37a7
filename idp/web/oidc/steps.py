"""Pages of the interaction steps: ``/interaction/<iid>/<step>`` (the steps and their order:
``flows.policy.STEPS``). The supplementation step's pages are in supplement.py."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField

from ...domain.accounts import agreement
from ...domain.clients import consents
from ...flows import pending, policy
from ..forms import ConsentForm
from ..login.page import login_page
from ..messages import SCOPE_LABELS

bp = Blueprint("interaction", __name__, url_prefix="/interaction")


def _load(iid: str):
    ia = pending.load(iid)
    if ia is None or not ia.has_request:
        abort(404, description="interaction.expired")
    return ia


@bp.get("/<iid>")
def resume(iid):
    return policy.proceed(_load(iid))


@bp.route("/<iid>/login", methods=["GET", "POST"])
def login(iid):
    ia = _load(iid)
    ctx = policy.context(ia)
    if ctx is None:
        return policy.proceed(ia)
    return login_page(
        ".login",
        iid=iid,
        client=ctx.client,
        abort_url=url_for(".abort", iid=iid),
        login_hint=ia.params.get("login_hint"),
    )


@bp.route("/<iid>/consent", methods=["GET", "POST"])
def consent(iid):
    ia = _load(iid)
    ctx = policy.context(ia)
    if ctx is None or ctx.user is None:
        return policy.proceed(ia)
    form = ConsentForm()
    if form.validate_on_submit():
        if form.deny.data and not form.approve.data:
            return policy.deny(ia, "the user declined")
        consents.remember(ctx.user.id, ctx.client.client_id, ctx.requested_scopes)
        policy.complete_consent(ia, ctx.requested_scopes)
        return policy.proceed(ia)
    scopes = [(s, str(SCOPE_LABELS[s])) for s in sorted(ctx.requested_scopes) if s in SCOPE_LABELS]
    return render_template(
        "interaction/consent.html",
        form=form,
        client=ctx.client,
        user=ctx.user,
        scopes=scopes,
        action=url_for(".consent", iid=iid),
    )


class AgreementForm(FlaskForm):
    agreed = BooleanField(_l("我已阅读并同意"))
    accept = SubmitField(_l("同意并继续"))
    decline = SubmitField(_l("不同意"))


@bp.route("/<iid>/agreement", methods=["GET", "POST"], endpoint="agreement")
def agreement_step(iid):
    """S7: the user agreement changed since this user accepted it; accept it again, or decline
    (``access_denied`` back at the subsystem, RFC 6749 §4.1.2.1, as consent's deny)."""
    ia = _load(iid)
    ctx = policy.context(ia)
    if ctx is None or ctx.user is None or policy.next_step(ctx) is not policy.AGREEMENT:
        return policy.proceed(ia)
    form, errors = AgreementForm(), {}
    if form.validate_on_submit():
        if form.decline.data and not form.accept.data:
            return policy.deny(ia, "the user declined the user agreement")
        if form.agreed.data:
            version = agreement.current_version()
            agreement.record_acceptance(ctx.user, version)
            policy.complete_agreement(ia, version)
            return policy.proceed(ia)
        errors["agreed"] = _("请阅读并同意《%(title)s》。", title=agreement.TITLE)
    return render_template(
        "interaction/agreement.html",
        form=form,
        errors=errors,
        agreement_template=agreement.template_name(),
        title=agreement.TITLE,
        version=agreement.current_version(),
        user=ctx.user,
        action=url_for(".agreement", iid=iid),
    )


@bp.post("/<iid>/abort", endpoint="abort")
def abort_interaction(iid):
    ia = _load(iid)
    return policy.deny(ia, "the user cancelled the sign-in")
