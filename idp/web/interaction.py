"""Pages of the interaction steps: ``/interaction/<iid>/<step>``."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for

from ..flows import pending, policy
from ..domain import consents
from .forms import ConsentForm
from .messages import SCOPE_LABELS
from .login import login_page

bp = Blueprint("interaction", __name__, url_prefix="/interaction")


def _load(iid: str):
    ia = pending.load(iid)
    if ia is None:
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
    return login_page(".login", iid=iid, client=ctx.client,
                      abort_url=url_for(".abort", iid=iid),
                      login_hint=ia.params.get("login_hint"))


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
        policy.complete_consent(ia)
        return policy.proceed(ia)
    scopes = [(s, str(SCOPE_LABELS[s])) for s in sorted(ctx.requested_scopes) if s in SCOPE_LABELS]
    return render_template("interaction/consent.html", form=form, client=ctx.client,
                           user=ctx.user, scopes=scopes, action=url_for(".consent", iid=iid))


@bp.post("/<iid>/abort", endpoint="abort")
def abort_interaction(iid):
    ia = _load(iid)
    return policy.deny(ia, "the user cancelled the sign-in")

