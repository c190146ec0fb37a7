"""What every supplementation page shares (S1, S8): the ``supplement`` blueprint, loading the
supplementation of this browser's sign-in, its typed-form state, and where a completed one
leads. The pages are in supplement.py (the step, natural persons) and supplement_org*.py
(legal persons and agencies, with their handler binding)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, session, url_for

from ...domain.identity import documents
from ...domain.models import LegacyAccount, User
from ...domain.models.user import NATURAL
from ...extensions import db
from ...flows import pending, policy, supplement
from ..forms import ConfirmForm

bp = Blueprint("supplement", __name__)
EXPIRED = "supplement.expired"  # words: web/messages.py PAGES


def load(sid: str) -> tuple[supplement.Supplement, LegacyAccount]:
    """This browser's supplementation ``sid`` and its legacy account, or the expired page."""
    flow = supplement.load(sid)
    account = db.session.get(LegacyAccount, flow.legacy_id) if flow is not None else None
    if flow is None or account is None:
        abort(404, description=EXPIRED)
    return flow, account


class RecordState:
    """The multi-step form state (``code_flow.FormState``) of a supplementation, kept in its
    sign-in record: the flow id its codes are bound to, the proven destinations, the parked
    fields (sealed with the record)."""

    def __init__(self, flow: supplement.Supplement):
        self.flow = flow

    @property
    def id(self) -> str:
        return self.flow.flow_id

    @property
    def verified(self) -> dict[str, Any]:
        return self.flow.verified

    def get(self, key: str, default: Any = None) -> Any:
        return self.flow.data.get(key, default)

    def save(self, **changes: Any) -> None:
        """Save the changes without undoing a parallel request's "organisation created"
        marker (``org_id``, written once)."""
        verified = changes.pop("verified", None)
        if verified is not None:
            self.flow.verified = dict(verified)
        self.flow.data.update(changes)
        fresh = supplement.load(self.flow.id)
        if fresh is not None and "org_id" in fresh.data and "org_id" not in self.flow.data:
            self.flow.data["org_id"] = fresh.data["org_id"]
        supplement.save(self.flow)


DONE = "supplemented"  # what the done page shows (S8); kept for a reload, replaced by the next


def done_info(flow: supplement.Supplement, account: LegacyAccount, user: User | None, **extra):
    """What the done page tells: the account made, the identifiers to sign in with from now
    on (masked, D5) and the pending sign-in to go back to, if any."""
    info: dict[str, Any] = {
        "kind": flow.kind,
        "legacy_account": account.account,
        "name": user.name if user is not None else "",
        "phone": documents.mask_mobile(user.phone or "") if user is not None else "",
        "id_number": (user.id_number_masked or "") if user is not None else "",
        "iid": flow.request.id if flow.request is not None else None,
        "pending": False,
    }
    info.update(extra)
    return info


def continue_sign_in(flow: supplement.Supplement, account: LegacyAccount, **extra):
    """S8: the user is signed in to the pending sign-in (if there is one), and the done page
    says how to sign in from now on, with a link back to the sign-in (to consent and the
    subsystem) or, without one, to the login page: nobody is signed in silently then."""
    user = db.session.get(User, flow.user_id)
    ia = flow.request
    if ia is not None and user is not None and user.active and not ia.logged_in(user):
        policy.complete_login(ia, user, amr=["pwd"])
    session[DONE] = done_info(flow, account, user, **extra)
    return redirect(url_for("supplement.done"))


@bp.get("/supplement/done")
def done():
    info = session.get(DONE)
    if not info:
        return redirect(url_for("account.login"))
    ia = pending.load(info["iid"]) if info.get("iid") else None
    return render_template(
        "supplement/done.html",
        info=info,
        has_request=ia is not None and ia.has_request,
        form=ConfirmForm(),
        **({} if info["kind"] == NATURAL else {"org_step": "done"}),
    )
