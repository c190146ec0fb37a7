"""The appeals queue (人工申诉, L10/P7; role ``reviewer``).

``/admin/appeals`` lists appeals oldest first with their age and counts, filtered by status
(pending by default). A case page shows the appeal with the mobile, e-mail and ID numbers
masked (D5), the legacy account it names (masked) and links to its PDFs, which ``appeal_file``
serves only to reviewers, only when the file belongs to that appeal, as an attachment with
``nosniff`` and ``no-store``. The three decisions (reject with a reason, link to a citizen
account, correct the legacy record) go through ``legacy.appeal_decisions``, which counts one
decision only and sends the applicant's SMS after commit; each is audited
(``admin.appeal_decided``: subject the linked account if any, case, outcome, override, the
names of corrected fields). An appeal naming an unknown legacy account can only be rejected.
``appeal_reveal`` shows the legacy account's full ID number after re-authentication
(``guard.fresh_required``), ``no-store``, audited as ``admin.id_revealed`` without the number."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..domain.admins import accounts as admins
from ..domain.errors import DomainError
from ..domain.identity import reveal
from ..domain.identity.identifiers import mask_middle
from ..domain.identity.mobile import mask_mobile
from ..domain.legacy import appeal_decisions as decisions
from ..domain.models import LegacyAppeal, User
from ..domain.models.review import APPROVED, PENDING, REJECTED
from ..domain.trail import events as trail_events
from ..extensions import db
from ..services import services
from . import attachments, guard, times
from .appeal_forms import AppealCorrectForm, AppealLinkForm, AppealRejectForm
from .audit import admin_audit
from .blueprint import bp
from .revealing import revealed
from .words import message

STATUSES = (PENDING, APPROVED, REJECTED)
REJECT, LINK, CORRECT = "reject", "link", "correct"
_MAX_ID = 2**31 - 1


def _appeal(appeal_id: int) -> LegacyAppeal:
    appeal = db.session.get(LegacyAppeal, appeal_id) if 0 < appeal_id <= _MAX_ID else None
    if appeal is None:
        abort(404, description=_("没有这个申诉。"))
    return appeal


def _age(appeal: LegacyAppeal) -> str:
    return times.age(services().now() - appeal.created_at.timestamp())


def _when(d) -> str:
    return times.when(d.timestamp()) if d is not None else "—"


def _mask_email(email: str | None) -> str | None:
    if not email:
        return None
    local, _at, domain = email.partition("@")
    return f"{mask_middle(local, 2) if len(local) > 2 else local[:1] + '*'}@{domain}"


@bp.route("/appeals", methods=["GET"])
@guard.requires(admins.REVIEWER)
def appeals_list():
    status = request.args.get("status") or PENDING
    if status not in (*STATUSES, "all"):
        status = PENDING
    appeals = decisions.pending_appeals(None if status == "all" else status)
    found = decisions.counts()
    counts = {s: found.get(s, 0) for s in STATUSES}
    return render_template(
        "admin/appeals.html",
        appeals=appeals,
        status=status,
        statuses=STATUSES,
        counts=counts,
        age=_age,
        when=_when,
    )


def _page(appeal: LegacyAppeal, *, error=None, forms=None, status: int = 200, mismatch=None):
    forms = forms or {}
    account = decisions.legacy_account(appeal)
    linked = db.session.get(User, appeal.linked_user_id) if appeal.linked_user_id else None
    return render_template(
        "admin/appeal.html",
        appeal=appeal,
        account=account,
        linked=linked,
        phone=mask_mobile(appeal.phone) if appeal.phone else None,
        email=_mask_email(appeal.email),
        account_phone=mask_mobile(account.phone) if account is not None and account.phone else None,
        documents=[
            (label, stored)
            for label, stored in (
                (_("身份证明文件"), appeal.identity_proof),
                (_("其他证明材料"), appeal.other_proof),
            )
            if stored is not None
        ],
        reject_form=forms.get(REJECT) or AppealRejectForm(formdata=None),
        link_form=forms.get(LINK) or AppealLinkForm(formdata=None),
        correct_form=forms.get(CORRECT) or AppealCorrectForm(formdata=None),
        error=error,
        mismatch=mismatch,
        decided=request.args.get("decided"),
        age=_age(appeal),
        when=_when,
    ), status


@bp.route("/appeals/<int:appeal_id>", methods=["GET"])
@guard.requires(admins.REVIEWER)
def appeal_case(appeal_id: int):
    return _page(_appeal(appeal_id))


@bp.route("/appeals/<int:appeal_id>/files/<int:file_id>", methods=["GET"])
@guard.requires(admins.REVIEWER)
def appeal_file(appeal_id: int, file_id: int):
    appeal = _appeal(appeal_id)
    return attachments.case_file((appeal.identity_proof, appeal.other_proof), file_id)


def _decided(appeal: LegacyAppeal, outcome: str, **fields):
    admin_audit(
        trail_events.ADMIN_APPEAL_DECIDED,
        subject=appeal.linked_user_id,
        case=appeal.id,
        outcome=outcome,
        **fields,
    )
    return redirect(url_for("admin.appeal_case", appeal_id=appeal.id, decided=outcome))


def _refused(appeal: LegacyAppeal, outcome: str, exc: DomainError, forms: dict, **kw):
    """The decision was refused (already decided, S2 mismatch without override, …): nothing of
    it stays, but the attempt is audited with the rule that refused it."""
    db.session.rollback()
    admin_audit(
        trail_events.ADMIN_APPEAL_DECIDED,
        result="refused",
        subject=appeal.linked_user_id,
        case=appeal.id,
        outcome=outcome,
        reason=exc.code,
    )
    appeal = _appeal(appeal.id)
    status = 409 if exc.code == decisions.ALREADY_DECIDED else 400
    return _page(appeal, error=message(exc), forms=forms, status=status, **kw)


@bp.route("/appeals/<int:appeal_id>/reject", methods=["POST"])
@guard.requires(admins.REVIEWER)
def appeal_reject(appeal_id: int):
    appeal = _appeal(appeal_id)
    form = AppealRejectForm()
    if not form.validate_on_submit():
        return _page(appeal, forms={REJECT: form}, status=400)
    try:
        decisions.reject(appeal, form.reason.data or "", admin_id=g.admin.id)
    except DomainError as exc:
        return _refused(appeal, decisions.OUTCOME_REJECTED, exc, {REJECT: form})
    return _decided(appeal, decisions.OUTCOME_REJECTED)


@bp.route("/appeals/<int:appeal_id>/link", methods=["POST"])
@guard.requires(admins.REVIEWER)
def appeal_link(appeal_id: int):
    appeal = _appeal(appeal_id)
    form = AppealLinkForm()
    if not form.validate_on_submit():
        return _page(appeal, forms={LINK: form}, status=400)
    try:
        decisions.link_to(
            appeal,
            form.user_id.data or 0,
            override=bool(form.override.data),
            reason=form.reason.data,
            admin_id=g.admin.id,
        )
    except DomainError as exc:
        mismatch = exc.code == decisions.PERSON_MISMATCH
        return _refused(appeal, decisions.OUTCOME_LINKED, exc, {LINK: form}, mismatch=mismatch)
    return _decided(appeal, decisions.OUTCOME_LINKED, overrode=appeal.overrode)


@bp.route("/appeals/<int:appeal_id>/correct", methods=["POST"])
@guard.requires(admins.REVIEWER)
def appeal_correct(appeal_id: int):
    appeal = _appeal(appeal_id)
    form = AppealCorrectForm()
    if not form.validate_on_submit():
        return _page(appeal, forms={CORRECT: form}, status=400)
    try:
        fields = decisions.correct(
            appeal,
            name=form.name.data or "",
            id_type=form.id_type.data or "",
            id_number=form.id_number.data or "",
            uscc=form.uscc.data or "",
            reason=form.reason.data,
            admin_id=g.admin.id,
        )
    except DomainError as exc:
        return _refused(appeal, decisions.OUTCOME_CORRECTED, exc, {CORRECT: form})
    return _decided(appeal, decisions.OUTCOME_CORRECTED, corrected=",".join(fields))


@bp.route("/appeals/<int:appeal_id>/reveal", methods=["GET"])
@guard.requires(admins.REVIEWER)
@guard.fresh_required()
def appeal_reveal(appeal_id: int):
    appeal = _appeal(appeal_id)
    account = decisions.legacy_account(appeal)
    if account is None or not account.id_number_enc:
        abort(404)
    number = reveal.id_number(account.id_number_enc)
    admin_audit(
        trail_events.ADMIN_ID_REVEALED,
        subject=account.user_id,
        case=f"appeal:{appeal.id}",
        legacy=account.id,
    )
    return revealed(
        number,
        url_for("admin.appeal_case", appeal_id=appeal.id),
        _("历史账号登记的证件号码"),
    )
