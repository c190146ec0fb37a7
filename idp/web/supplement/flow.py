"""What every supplementation page shares (S1, S8): the ``supplement`` blueprint, loading the
supplementation of this browser's sign-in, its typed-form state, and where a completed one
leads. The pages are in supplement.py (the step, natural persons) and supplement_org*.py
(legal persons and agencies, with their handler binding)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, session, url_for

from ...domain.identity import documents
from ...domain.models import LegacyAccount, User
from ...extensions import db
from ...flows import policy, supplement
from ..login.page import SUPPLEMENTED

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


def continue_sign_in(flow: supplement.Supplement, account: LegacyAccount):
    """S8: resume the pending sign-in as this user, or show the identifiers on the login page."""
    user = db.session.get(User, flow.user_id)
    ia = flow.request
    if ia is not None and user is not None and user.active:
        if not ia.logged_in(user):
            policy.complete_login(ia, user, amr=["pwd"])
        return policy.proceed(ia)
    session[SUPPLEMENTED] = {
        "phone": documents.mask_mobile(user.phone or "") if user else "",
        "id_number": user.id_number_masked if user else "",
        "legacy_account": account.account,
    }
    return redirect(url_for("account.login"))
