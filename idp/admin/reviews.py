"""The organisation review queue (issue 12, "Reviews and appeals"; S5, P7; role ``reviewer``).

``/admin/reviews`` lists the pending cases oldest first with their age and count, filtered by
kind (a foreign organisation without USCC, or an account set aside because a verified
organisation registered its USCC). A case page shows the organisation with its identifiers
masked (D5) and links to its two PDFs, which ``review_file`` serves only to reviewers, only when
the file belongs to that case (no guessing another case's file id), always as an attachment
with ``nosniff`` and ``no-store`` (never rendered inline in the admin origin). Approve or reject
(a reason is required to reject) go through ``reviews.approve`` / ``reviews.reject``, which
count one decision only and send the applicant's SMS after commit; each decision is audited
(``admin.review_decided``, subject the organisation's account)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..domain.admins import accounts as admins
from ..domain.errors import DomainError
from ..domain.identity import reveal
from ..domain.identity.mobile import mask_mobile
from ..domain.models import ReviewCase
from ..domain.models.review import FOREIGN, SQUATTED_USCC
from ..domain.organisations import reviews
from ..domain.trail import events as trail_events
from ..extensions import db
from ..services import services
from . import attachments, guard, times
from .audit import admin_audit
from .blueprint import bp
from .forms import ReviewDecisionForm
from .revealing import revealed
from .words import message

APPROVE, REJECT = "approve", "reject"
KINDS = (FOREIGN, SQUATTED_USCC)
_MAX_ID = 2**31 - 1


def _case(case_id: int) -> ReviewCase:
    case = db.session.get(ReviewCase, case_id) if 0 < case_id <= _MAX_ID else None
    if case is None:
        abort(404, description=_("没有这个审核案件。"))
    return case


def _age(case: ReviewCase) -> str:
    return times.age(services().now() - case.created_at.timestamp())


@bp.route("/reviews", methods=["GET"])
@guard.requires(admins.REVIEWER)
def reviews_list():
    kind = request.args.get("kind") or None
    if kind not in (None, *KINDS):
        kind = None
    cases = reviews.pending_cases(kind)
    return render_template(
        "admin/reviews.html",
        cases=cases,
        kind=kind,
        kinds=KINDS,
        total=len(cases) if kind is None else len(reviews.pending_cases()),
        age=_age,
        when=lambda d: times.when(d.timestamp()),
    )


def _page(case: ReviewCase, error: str | None = None, form=None, status: int = 200):
    org = case.organisation
    phone = org.contact_phone
    return render_template(
        "admin/review.html",
        case=case,
        org=org,
        phone=mask_mobile(phone) if phone else None,
        documents=[
            (label, stored)
            for label, stored in (
                (_("经办人身份证明文件"), case.identity_proof),
                (_("主体资格证明文件"), case.qualification),
            )
            if stored is not None
        ],
        approve_form=ReviewDecisionForm(formdata=None, decision=APPROVE),
        reject_form=form or ReviewDecisionForm(formdata=None, decision=REJECT),
        error=error,
        decided=request.args.get("decided"),
        age=_age(case),
        when=lambda d: times.when(d.timestamp()) if d is not None else "—",
    ), status


@bp.route("/reviews/<int:case_id>", methods=["GET"])
@guard.requires(admins.REVIEWER)
def review_case(case_id: int):
    return _page(_case(case_id))


@bp.route("/reviews/<int:case_id>/files/<int:file_id>", methods=["GET"])
@guard.requires(admins.REVIEWER)
def review_file(case_id: int, file_id: int):
    case = _case(case_id)
    return attachments.case_file((case.identity_proof, case.qualification), file_id)


@bp.route("/reviews/<int:case_id>/decide", methods=["POST"])
@guard.requires(admins.REVIEWER)
def review_decide(case_id: int):
    case = _case(case_id)
    form = ReviewDecisionForm()
    if not form.validate_on_submit() or form.decision.data not in (APPROVE, REJECT):
        if form.decision.data == REJECT:
            return _page(case, form=form, status=400)
        abort(400)
    reason = (form.reason.data or "").strip() or None
    if form.decision.data == REJECT and reason is None:
        form.reason.errors = [_("驳回须填写理由，申请人会在短信中看到。")]
        return _page(case, form=form, status=400)
    try:
        if form.decision.data == APPROVE:
            reviews.approve(case, reason)
        else:
            reviews.reject(case, reason or "")
    except DomainError as exc:  # decided already: the attempt is audited, nothing else stays
        db.session.rollback()
        admin_audit(
            trail_events.ADMIN_REVIEW_DECIDED,
            result="refused",
            subject=case.user_id,
            decision=form.decision.data,
            case=case.id,
            reason=exc.code,
        )
        return _page(_case(case_id), error=message(exc), status=409)
    admin_audit(
        trail_events.ADMIN_REVIEW_DECIDED,
        subject=case.user_id,
        decision=form.decision.data,
        case=case.id,
    )
    return redirect(url_for("admin.review_case", case_id=case.id, decided=form.decision.data))


@bp.route("/reviews/<int:case_id>/reveal", methods=["GET"])
@guard.requires(admins.REVIEWER)
@guard.fresh_required()
def review_reveal(case_id: int):
    """The representative's full ID number, after re-authentication; ``no-store``; audited as
    ``admin.id_revealed`` (subject and case, never the number)."""
    case = _case(case_id)
    number = reveal.id_number(case.organisation.rep_id_number_enc)
    if number is None:
        abort(404)
    admin_audit(trail_events.ADMIN_ID_REVEALED, subject=case.user_id, case=f"review:{case.id}")
    return revealed(number, url_for("admin.review_case", case_id=case.id), _("法定代表人证件号码"))
