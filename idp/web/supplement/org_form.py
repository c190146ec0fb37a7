"""The organisation form of a legacy legal person's or agency's supplementation (S4, S5, S6;
S1, S3, S7, Y1), part of the supplementation of organisations (``organisation``).

Prefilled from the legacy account (S1); send-code buttons post the whole form (codes bound to
the flow id under the purpose "supplement", S7); every POST parks the typed data in the flow
(never passwords, codes or files). Submitting creates the organisation and its link in one
commit (``domain.legacy.supplement_org``) and records the organisation's id in the sign-in
record; from then on the supplementation only leads on to its handler step (organisation.py).
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...domain.accounts import agreement
from ...domain.errors import Conflict, DomainError
from ...domain.legacy import supplement_org as domain
from ...domain.legacy.identity import IdentityMismatch
from ...domain.models import LegacyAccount, Organisation
from ...extensions import db
from ...flows import supplement
from .. import code_flow, messages
from ..forms import ConfirmForm
from ..registration import org_forms as forms
from ..registration.organisation import precheck
from .flow import RecordState, bp, load


def variant_of(flow: supplement.Supplement, account: LegacyAccount) -> str:
    """Which form: the agency's (S6), S4 with the legacy USCC, or S5 when the legacy account has
    no valid USCC (``domain.variant``: never a typed one)."""
    return domain.variant(account)


def created(flow: supplement.Supplement) -> Organisation | None:
    org_id = flow.data.get("org_id")
    return db.session.get(Organisation, org_id) if isinstance(org_id, int) else None


def _form(variant: str, **kw):
    return (forms.ForeignForm if variant == "foreign" else forms.OrgForm)(**kw)


def render(
    flow, account, variant: str, form, errors: dict, notice: str | None = None, appeal: bool = False
):
    for name, field in form._fields.items():
        if field.errors and name not in errors:
            errors[name] = str(field.errors[0])
    return render_template(
        "supplement/org_details.html",
        flow=flow,
        account=account,
        kind=variant,
        form=form,
        errors=errors,
        notice=notice,
        appeal=appeal,
        verified=code_flow.verified_shown(RecordState(flow), form),
        agreement_title=agreement.TITLE,
        cancel_form=ConfirmForm(),
        org_step="details",
    )


def details(flow: supplement.Supplement, account: LegacyAccount, variant: str):
    """The organisation form (法人信息验证 / 代理机构信息验证): S4, S5 or S6."""
    if request.method == "GET":
        data = flow.data.get("fields") or domain.prefill_org(account)
        return render(flow, account, variant, _form(variant, data=data), {})
    form = _form(variant)
    if not form.validate():
        return render(flow, account, variant, form, {})
    code_flow.park(RecordState(flow), form)
    typed = (form.uscc.data or "") if "uscc" in form else (request.form.get("uscc") or None)
    try:  # S2: another organisation's USCC uses up no code; the review path names none (S5)
        domain.check_uscc(account, typed)
    except IdentityMismatch as exc:
        errors = {forms.field_for(form, exc.field): messages.message(exc)}
        return render(flow, account, variant, form, errors, appeal=True)
    except DomainError:
        pass  # a malformed USCC: reported with every other field below
    verified = dict(flow.verified)
    errors = {
        **code_flow.check_codes(form, domain.PURPOSE, flow.flow_id, verified),
        **precheck(variant, form),
    }
    org, appeal = None, False
    if not errors:
        try:
            org = _complete(variant, account, form)
        except Conflict as exc:
            again = supplement.load(flow.id)
            if again is not None and created(again) is not None:  # a parallel submit won
                return redirect(url_for(".page", sid=flow.id))
            org = domain.completed_in_parallel(
                account,
                form.phone.data or "",
                verified,
                uscc=form.uscc.data or "" if "uscc" in form else "",
                registration_number=form.registration_number.data or ""
                if "registration_number" in form
                else "",
            )
            if org is None:  # ... unless it committed but had not yet recorded the organisation
                errors = {forms.field_for(form, exc.field): messages.message(exc)}
        except DomainError as exc:  # fields, another USCC, Y1, P4, L2/L4
            errors = {forms.field_for(form, exc.field): messages.message(exc)}
            appeal = isinstance(exc, IdentityMismatch)
    changes = {"org_id": org.id} if org is not None else {}
    RecordState(flow).save(verified=verified, **changes)  # codes that verified stay verified
    if org is None:
        return render(flow, account, variant, form, errors, appeal=appeal)
    return redirect(url_for(".handler", sid=flow.id))


def _complete(variant: str, account: LegacyAccount, form) -> Organisation:
    complete = {
        "legal": domain.complete_legal,
        "agency": domain.complete_agency,
        "foreign": domain.complete_foreign,
    }[variant]
    return complete(account, **forms.organisation_data(variant, form))


@bp.post("/supplement/<sid>/org/codes/<any(sms, mail):channel>")
def org_send_code(sid, channel):
    flow, account = load(sid)
    variant = variant_of(flow, account)
    if flow.kind not in ("legal", "agency") or flow.done:
        return redirect(url_for(".page", sid=flow.id))
    if created(flow) is not None:
        return redirect(url_for(".page", sid=flow.id))
    form = _form(variant)
    if code_flow.wants_json():  # forms.js: the chosen files stay on the page
        return code_flow.send_json(channel, form, domain.PURPOSE, flow.flow_id)
    if not form.validate() or code_flow.CODE_FIELDS[channel][0] not in form:
        return render(flow, account, variant, form, {})
    code_flow.park(RecordState(flow), form)
    errors, notice = code_flow.send(channel, form, domain.PURPOSE, flow.flow_id)
    if notice and variant == "foreign":
        notice += _("（文件需在提交前重新选择。）")
    return render(flow, account, variant, form, errors, notice)
