"""Supplementation pages of legacy legal persons and agencies (S4, S5, S6; S3, S7, S8, Y1, Y2).

Plugged into ``supplement.PAGES`` for the kinds "legal" and "agency". The steps (progress
indicator 历史账号登录 ✓ → 机构信息 → 绑定经办人 → 完成):
- agency (S6): the notice (我已知悉，开始完善) first, then the agency form (代理机构信息验证);
- legal person: with a valid USCC in the legacy account the legal-person form keeping it (S4);
  without one, only the form of the review path with two PDFs (S5): it never types a USCC (S2);
- the organisation form (``supplement_org_form``): prefilled (S1), codes bound to the flow (S7),
  typed data parked; submitting creates the organisation and the link in one commit and records
  its id in the flow, after which this page only leads on to the handler (nothing twice);
- the handler (P3, Y2), a step of the same sign-in record: the shared handler pages
  (handler_binding.py) under ``/supplement/<id>/handler``, their state (the handler ticket,
  the proven mobile) in the record, coming back to this supplementation's page; then the
  supplementation is done and the sign-in resumes as the organisation (S8), or — S5 — the
  request is submitted for review and the subsystem gets ``access_denied``.
"""

from __future__ import annotations

from flask import redirect, render_template, session, url_for

from ...domain.models import LegacyAccount, Organisation
from ...domain.organisations import handlers
from ...flows import pending, policy, supplement
from ..forms import ConfirmForm
from ..registration import handler_binding
from ..registration import org_forms as forms
from . import org_form as orgform
from .flow import DONE, RecordState, bp, continue_sign_in, done_info, load


def org_page(flow: supplement.Supplement, account: LegacyAccount):
    """``supplement.page`` for legal persons and agencies: the step this flow is at."""
    org = orgform.created(flow)
    if org is not None:
        return _after_creation(flow, account, org)
    if flow.kind == "agency" and not flow.data.get("notice"):
        return render_template(
            "supplement/org_notice.html",
            flow=flow,
            form=forms.NoticeForm(),
            cancel_form=ConfirmForm(),
            org_step="details",
        )
    return orgform.details(flow, account, orgform.variant_of(flow, account))


@bp.post("/supplement/<sid>/notice")
def org_notice(sid):
    flow, _account = load(sid)
    if forms.NoticeForm().validate() and flow.kind == "agency":
        flow.data["notice"] = True
        supplement.save(flow)
    return redirect(url_for(".page", sid=flow.id))


def _after_creation(flow: supplement.Supplement, account: LegacyAccount, org: Organisation):
    """The organisation exists: bind its handler, then finish (S8) or submit for review (S5)."""
    if not handlers.bindings_of(org):  # S4–S6 end with a handler (P3)
        return redirect(url_for(".handler", sid=flow.id))
    if org.foreign:  # S5: to review; it signs in once approved (P7), nobody signs in now
        session[DONE] = done_info(
            flow, account, org.user, pending=True, account_no=org.account_no, name=org.name
        )
        supplement.finish(flow)
        return redirect(url_for(".done"))
    supplement.mark_done(flow, org.user_id)
    return continue_sign_in(flow, account, uscc=org.uscc_masked, name=org.name)


def _binding(sid: str) -> handler_binding.Binding | None:
    """The handler step of this supplementation: its organisation exists and has no handler."""
    flow, _account = load(sid)
    org = orgform.created(flow)
    if flow.done or org is None or handlers.bindings_of(org):
        return None
    urls = {
        "page": url_for(".handler", sid=sid),
        "page_new": url_for(".handler", sid=sid, mode="new"),
        "registered": url_for(".handler_registered", sid=sid),
        "new": url_for(".handler_new", sid=sid),
        "new_code": url_for(".handler_new_code", sid=sid),
    }
    return handler_binding.Binding(
        org,
        RecordState(flow),
        urls,
        lambda _org, _person: redirect(url_for(".page", sid=sid)),
        steps="supplement",
    )


def _binding_or_back(sid: str, view):
    b = _binding(sid)
    return view(b) if b is not None else redirect(url_for(".page", sid=sid))


@bp.get("/supplement/<sid>/handler")
def handler(sid):
    return _binding_or_back(sid, handler_binding.show)


@bp.post("/supplement/<sid>/handler/registered")
def handler_registered(sid):
    return _binding_or_back(sid, handler_binding.registered)


@bp.post("/supplement/<sid>/handler/new")
def handler_new(sid):
    return _binding_or_back(sid, lambda b: handler_binding.new(b, send_code=False))


@bp.post("/supplement/<sid>/handler/new/code")
def handler_new_code(sid):
    return _binding_or_back(sid, lambda b: handler_binding.new(b, send_code=True))


@bp.post("/supplement/done/return")
def org_return():
    """S5 with a pending sign-in: the organisation cannot sign in before approval, so the
    request ends with ``access_denied`` (RFC 6749 §4.1.2.1) back at the subsystem."""
    info = session.get(DONE) or {}
    ia = pending.load(info["iid"]) if info.get("iid") else None
    if not ConfirmForm().validate() or ia is None:
        return redirect(url_for("account.login"))
    return policy.deny(ia, "organisation account submitted for review")
